package dev.gpusched.extender.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.testing.TestData;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The informers read of a pod or node only the fields gpusched decides from, and what gpusched keeps of them is the
 * same as when the whole object is read. The watch events are the exact lines a kube-apiserver (v1.24) sent
 * ({@code testdata/kube-apiserver/}).
 */
class InformerJsonTest {
  private static final KubernetesSerialization READ_LITTLE = InformerJson.serialization();
  private static final KubernetesSerialization READ_ALL = new KubernetesSerialization();
  private static final List<String> POD_EVENTS = TestData.read("kube-apiserver/pod-watch-events.jsonl").lines().toList();
  private static final List<String> NODE_EVENTS = TestData.read("kube-apiserver/node-watch-events.jsonl").lines().toList();

  private static <T> T object(KubernetesSerialization json, String event, Class<T> type) {
    return type.cast(json.unmarshal(event, WatchEvent.class).getObject());
  }

  private static String event(List<String> lines, String name) {
    return lines.stream().filter(l -> l.contains("\"name\":\"" + name + "\"")).findFirst().orElseThrow();
  }

  private static Map<String, String> texts(Map<String, Quantity> q) {
    return q.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().toString(), (a, b) -> a,
        TreeMap::new));
  }

  @Test
  void ofARichPodOnlyIdentityGpuschedKeysCpuAndGpuRequestsSchedulerPriorityAndStatusAreRead() {
    Pod p = object(READ_LITTLE, event(POD_EVENTS, "llm-serve-7d9f8c6b5-x2k4q"), Pod.class);

    var meta = p.getMetadata();
    assertThat(meta.getName()).isEqualTo("llm-serve-7d9f8c6b5-x2k4q");
    assertThat(meta.getNamespace()).isEqualTo("prod");
    assertThat(meta.getUid()).isEqualTo("9d79e2bb-09c3-40ea-896b-94eb4d7a9c8d");
    assertThat(meta.getResourceVersion()).isEqualTo("231");
    assertThat(meta.getCreationTimestamp()).isEqualTo("2026-12-07T20:17:12Z");
    // six app.kubernetes.io/ and team labels and four other annotations are on the pod; only gpusched's are read
    assertThat(meta.getLabels()).containsExactly(Map.entry("gpusched.dev/mlservice", "llm-serve"));
    assertThat(meta.getAnnotations()).containsOnly(Map.entry("gpusched.dev/intra-node", "nvlink"),
        Map.entry("gpusched.dev/gpu-memory", "40Gi"));
    assertThat(meta.getManagedFields()).isEmpty();
    assertThat(meta.getOwnerReferences()).isEmpty();

    var spec = p.getSpec();
    assertThat(spec.getNodeName()).isEqualTo("h100-00000");
    assertThat(spec.getContainers()).extracting(Container::getName).containsExactly("server", "metrics-sidecar");
    Container server = spec.getContainers().get(0);
    assertThat(texts(server.getResources().getRequests())).isEqualTo(Map.of("cpu", "8", "nvidia.com/gpu", "2"));
    assertThat(texts(server.getResources().getLimits())).isEqualTo(Map.of("cpu", "16", "nvidia.com/gpu", "2"));
    assertThat(server.getEnv()).isEmpty();
    assertThat(server.getVolumeMounts()).isEmpty();
    assertThat(server.getImage()).isNull();
    assertThat(server.getReadinessProbe()).isNull();
    assertThat(texts(spec.getContainers().get(1).getResources().getRequests())).isEqualTo(Map.of("cpu", "100m"));
    assertThat(spec.getInitContainers()).extracting(Container::getName).containsExactly("fetch-model");
    assertThat(texts(spec.getInitContainers().get(0).getResources().getRequests())).isEqualTo(Map.of("cpu", "1"));
    assertThat(spec.getVolumes()).isEmpty();
    assertThat(spec.getTolerations()).isEmpty();
    assertThat(spec.getAffinity()).isNull();
    assertThat(spec.getSchedulerName()).isEqualTo("gpusched");
    assertThat(spec.getPriority()).isZero();
    assertThat(spec.getAdditionalProperties()).isEmpty();

    assertThat(p.getStatus().getPhase()).isEqualTo("Running");
    assertThat(p.getStatus().getConditions()).extracting(c -> c.getType() + "=" + c.getStatus())
        .containsExactly("Ready=True");
    assertThat(p.getStatus().getConditions().get(0).getLastTransitionTime()).isNull();
    assertThat(p.getStatus().getContainerStatuses()).isEmpty();
    assertThat(p.getStatus().getPodIP()).isNull();
    assertThat(p.getAdditionalProperties()).isEmpty();
  }

  @Test
  void ofANodeAllLabelsTheTopologyAnnotationAndCpuAndGpuCapacityAreRead() {
    Node n = object(READ_LITTLE, event(NODE_EVENTS, "a100-00002"), Node.class);

    assertThat(n.getMetadata().getName()).isEqualTo("a100-00002");
    assertThat(n.getMetadata().getLabels()).hasSize(7).containsEntry("nvidia.com/gpu.product", "NVIDIA-A100-PCIE-40GB")
        .containsEntry("network.topology.nvidia.com/leaf", "leaf-0");
    assertThat(n.getMetadata().getAnnotations()).containsOnlyKeys("gpusched.dev/gpu-topology");
    assertThat(n.getMetadata().getManagedFields()).isEmpty();
    assertThat(texts(n.getStatus().getAllocatable())).isEqualTo(Map.of("cpu", "96", "nvidia.com/gpu", "8"));
    assertThat(texts(n.getStatus().getCapacity())).isEqualTo(Map.of("cpu", "96", "nvidia.com/gpu", "8"));
    assertThat(n.getStatus().getConditions()).isEmpty();
    assertThat(n.getStatus().getNodeInfo()).isNull();
  }

  @Test
  void ofANodeAsAKubeletReportsItTheImagesConditionsAddressesAndTaintsAreSkipped() {
    Node n = object(READ_LITTLE, event(NODE_EVENTS, "heap-node-00007"), Node.class);

    assertThat(n.getMetadata().getLabels()).hasSize(19).containsEntry("topology.kubernetes.io/zone", "zone-b");
    assertThat(n.getMetadata().getAnnotations()).isEmpty(); // kubelet's and the CSI driver's: none of gpusched's
    assertThat(n.getSpec().getTaints()).isEmpty();
    assertThat(n.getSpec().getProviderID()).isNull();
    assertThat(texts(n.getStatus().getAllocatable())).isEqualTo(Map.of("cpu", "192", "nvidia.com/gpu", "8"));
    assertThat(n.getStatus().getImages()).isEmpty();
    assertThat(n.getStatus().getAddresses()).isEmpty();
    assertThat(n.getStatus().getConditions()).isEmpty();
  }

  @Test
  void whatGpuschedKeepsOfAnObjectReadThisWayIsWhatItKeepsOfTheWholeObject() {
    for (String e : POD_EVENTS) {
      assertThat(CachedPods.of(object(READ_LITTLE, e, Pod.class))).isEqualTo(CachedPods.of(object(READ_ALL, e, Pod.class)));
    }
    for (String e : NODE_EVENTS) {
      assertThat(KubeRecords.nodeInfo(object(READ_LITTLE, e, Node.class)))
          .isEqualTo(KubeRecords.nodeInfo(object(READ_ALL, e, Node.class)));
    }
  }

  @Test
  void anObjectThatNamesItsKindAfterOtherFieldsIsStillReadAsItsKind() {
    String late = "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"p\",\"namespace\":\"ml\","
        + "\"labels\":{\"app\":\"x\",\"gpusched.dev/gang\":\"g\"}},\"kind\":\"Pod\",\"spec\":{\"nodeName\":\"n1\","
        + "\"volumes\":[{\"name\":\"v\",\"emptyDir\":{}}]},\"apiVersion\":\"v1\"}}";

    Pod p = object(READ_LITTLE, late, Pod.class);

    assertThat(p.getMetadata().getLabels()).containsExactly(Map.entry("gpusched.dev/gang", "g"));
    assertThat(p.getSpec().getNodeName()).isEqualTo("n1");
    assertThat(p.getSpec().getVolumes()).isEmpty();
  }

  @Test
  void theApiServersOtherEventsAreReadAsFabric8ExpectsThem() {
    Status gone = object(READ_LITTLE, "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
        + "\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old resource version: 1 (120)\",\"reason\":\"Expired\","
        + "\"code\":410}}", Status.class);
    assertThat(gone.getCode()).isEqualTo(410);
    assertThat(gone.getReason()).isEqualTo("Expired");

    Pod bookmark = object(READ_LITTLE, "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\","
        + "\"metadata\":{\"resourceVersion\":\"12345\",\"creationTimestamp\":null}}}", Pod.class);
    assertThat(bookmark.getMetadata().getResourceVersion()).isEqualTo("12345");
    assertThat(bookmark.getMetadata().getCreationTimestamp()).isNull();
  }
}
