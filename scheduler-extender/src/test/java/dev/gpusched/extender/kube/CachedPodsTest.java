package dev.gpusched.extender.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.gang.GangScheduling;
import dev.gpusched.extender.model.InvalidDemandException;
import dev.gpusched.extender.model.PodDemandParser;
import dev.gpusched.extender.state.CachedPod;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What gpusched keeps of a pod: identity, node, phase, its own and kro's labels and annotations, CPU and GPU requests
 * (per container when it names a GPU resource, else the CPU total); and the pod rebuilt from it reads the same as the
 * pod it came from.
 */
class CachedPodsTest {

  private static Container container(String name, Map<String, String> requests, Map<String, String> limits) {
    return new ContainerBuilder().withName(name).withImage("img").withNewResources()
        .withRequests(quantities(requests)).withLimits(quantities(limits)).endResources()
        .addNewEnv().withName("A").withValue("1").endEnv().build();
  }

  private static Map<String, Quantity> quantities(Map<String, String> texts) {
    Map<String, Quantity> out = new HashMap<>();
    texts.forEach((k, v) -> out.put(k, new Quantity(v)));
    return out;
  }

  private static Pod pod(String name, String node, List<Container> containers, List<Container> init,
      Map<String, String> labels, Map<String, String> annotations) {
    return new PodBuilder().withNewMetadata().withNamespace("ml").withName(name).withUid("uid-" + name)
        .withCreationTimestamp("2026-12-07T20:00:00Z").withLabels(labels).withAnnotations(annotations).endMetadata()
        .withNewSpec().withNodeName(node).withContainers(containers).withInitContainers(init).endSpec()
        .withNewStatus().withPhase("Running").withPodIP("10.0.0.1").endStatus().build();
  }

  @Test
  void aPodWithoutGpusIsKeptAsItsCpuTotalAndRebuiltWithOneContainerAskingForIt() {
    // app containers 250m + 100m = 350m; the init container's 1 CPU is more, and is what kube-scheduler counts
    Pod web = pod("web", "n1", List.of(container("web", Map.of("cpu", "250m", "memory", "1Gi"), Map.of("cpu", "1")),
        container("proxy", Map.of("cpu", "100m"), Map.of())), List.of(container("init", Map.of("cpu", "1"), Map.of())),
        Map.of("app", "web"), Map.of("prometheus.io/scrape", "true"));

    CachedPod kept = CachedPods.of(web);

    assertThat(kept.containers()).isEmpty();
    assertThat(kept.record().cpuMilli()).isEqualTo(1000);
    assertThat(kept.labels()).isEmpty();
    assertThat(kept.annotations()).isEmpty();
    Pod rebuilt = CachedPods.pod(kept);
    assertThat(rebuilt.getSpec().getContainers()).hasSize(1);
    assertThat(rebuilt.getSpec().getContainers().get(0).getResources().getRequests())
        .isEqualTo(Map.of("cpu", new Quantity("1000m")));
    assertThat(rebuilt.getSpec().getInitContainers()).isEmpty();
    assertThat(PodDemandParser.cpuRequestMilli(rebuilt)).isEqualTo(1000);
  }

  @Test
  void aGpuPodKeepsEachContainersCpuAndGpuQuantitiesAndGpuschedsKeys() {
    Pod train = pod("train", "n1",
        List.of(container("main", Map.of("cpu", "8", "memory", "64Gi", "nvidia.com/gpu", "2"), Map.of("nvidia.com/gpu", "2")),
            container("log", Map.of("cpu", "100m"), Map.of())),
        List.of(), Map.of("app", "train", "gpusched.dev/gang", "g", "kro.run/instance-name", "llm"),
        Map.of("gpusched.dev/gpu-ids", "0,1", "kubectl.kubernetes.io/last-applied-configuration", "{...}"));

    CachedPod kept = CachedPods.of(train);

    assertThat(kept.containers()).containsExactly(
        new CachedPod.Container("main", false, Map.of("cpu", "8", "nvidia.com/gpu", "2"), Map.of("nvidia.com/gpu", "2")),
        new CachedPod.Container("log", false, Map.of("cpu", "100m"), Map.of()));
    assertThat(kept.labels()).isEqualTo(Map.of("gpusched.dev/gang", "g", "kro.run/instance-name", "llm"));
    assertThat(kept.annotations()).isEqualTo(Map.of("gpusched.dev/gpu-ids", "0,1"));
    assertThat(kept.record().gpus()).isEqualTo(2);
    assertThat(kept.record().recordedIds()).containsExactly(0, 1);
    assertThat(kept.record().cpuMilli()).isEqualTo(8100);
    assertThat(kept.phase()).isEqualTo("Running");
  }

  @Test
  void aPendingPodKeepsWhyKubeSchedulerLastFailedToPlaceItAndABoundPodItsStart() {
    Pod pending = pod("wait", null, List.of(container("main", Map.of("nvidia.com/gpu", "1"), Map.of())), List.of(),
        Map.of(), Map.of());
    pending.getSpec().setSchedulerName("gpusched");
    pending.getSpec().setPriority(1000);
    pending.getStatus().setPhase("Pending");
    pending.getStatus().setConditions(List.of(new PodConditionBuilder().withType("PodScheduled").withStatus("False")
        .withReason("SchedulerError").withMessage("Post \"https://gpusched:8443/filter\": connection refused")
        .withLastTransitionTime("2026-12-07T20:01:00Z").build()));

    CachedPod kept = CachedPods.of(pending);

    assertThat(kept.schedulerName()).isEqualTo("gpusched");
    assertThat(kept.priority()).isEqualTo(1000);
    assertThat(kept.startSecond()).isEqualTo(CachedPod.NOT_STARTED);
    assertThat(kept.unscheduled()).isEqualTo(new CachedPod.Unscheduled("SchedulerError",
        "Post \"https://gpusched:8443/filter\": connection refused"));
    Pod rebuilt = CachedPods.pod(kept);
    assertThat(rebuilt.getSpec().getSchedulerName()).isEqualTo("gpusched");
    assertThat(rebuilt.getSpec().getPriority()).isEqualTo(1000);
    assertThat(rebuilt.getStatus().getStartTime()).isNull();
    assertThat(rebuilt.getStatus().getConditions()).singleElement().satisfies(c -> {
      assertThat(c.getType()).isEqualTo("PodScheduled");
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo("SchedulerError");
    });

    Pod bound = pod("run", "n1", List.of(container("main", Map.of("nvidia.com/gpu", "1"), Map.of())), List.of(),
        Map.of(), Map.of());
    bound.getStatus().setStartTime("2026-12-07T20:13:29Z");
    bound.getStatus().setConditions(pending.getStatus().getConditions()); // a stale condition says nothing once bound

    CachedPod running = CachedPods.of(bound);

    assertThat(running.unscheduled()).isNull();
    assertThat(running.priority()).isNull();
    assertThat(CachedPods.pod(running).getStatus().getStartTime()).isEqualTo("2026-12-07T20:13:29Z");
    assertThat(CachedPods.pod(running).getStatus().getConditions()).isEmpty();
  }

  @Test
  void stringsThatRepeatAcrossPodsAreKeptOnce() {
    Map<String, String> ids = Map.of("gpusched.dev/gpu-ids", "0");
    CachedPod a = CachedPods.of(pod("a", new String("node-7"), List.of(container("main", Map.of("nvidia.com/gpu",
        new String("1")), Map.of())), List.of(), Map.of(), ids));
    CachedPod b = CachedPods.of(pod("b", new String("node-7"), List.of(container("main", Map.of("nvidia.com/gpu",
        new String("1")), Map.of())), List.of(), Map.of(), ids));

    assertThat(a.nodeName()).isSameAs(b.nodeName());
    assertThat(a.namespace()).isSameAs(b.namespace());
    assertThat(a.containers().get(0).requests().get("nvidia.com/gpu"))
        .isSameAs(b.containers().get(0).requests().get("nvidia.com/gpu"));
  }

  // --- equivalence: the rebuilt pod reads as the pod it came from

  private static final String[] CPU = {"100m", "2", "1.5", "0", "250m"};
  private static final String[] GPU = {"1", "2", "8", "0", "1.5", "-1", "65", "2k"};
  private static final String[] MILLI = {"250", "1000", "1001", "0", "500"};
  private static final String[] NODE = {null, "", "n1", "n2"};
  private static final String[] PHASE = {null, "Pending", "Running", "Succeeded", "Failed"};
  private static final String[][] ANNOTATIONS = {
      {"gpusched.dev/gpu-ids", "0,1"}, {"gpusched.dev/gpu-ids", "x"}, {"gpusched.dev/gpu-memory", "20Gi"},
      {"gpusched.dev/gpu-memory", "lots"}, {"gpusched.dev/intra-node", "nvlink"}, {"gpusched.dev/intra-node", "bogus"},
      {"gpusched.dev/gang", "g"}, {"gpusched.dev/gang-size", "4"}, {"gpusched.dev/gang-size", "four"},
      {"gpusched.dev/gpu-model", "H100|A100"}, {"gpusched.dev/reserved-node", "n1"}, {"other.io/x", "y"}};
  private static final String[][] LABELS = {
      {"gpusched.dev/mlservice", "llm"}, {"kro.run/instance-name", "llm"}, {"kro.run/instance-kind", "MLService"},
      {"kro.run/collection-size", "4"}, {"gpusched.dev/gang", "lg"}, {"app", "x"}};

  private static final String[] SCHEDULER = {"default-scheduler", "gpusched"};

  private static String any(Random r, String[] values) {
    return values[r.nextInt(values.length)];
  }

  private static Map<String, String> some(Random r, String[][] entries) {
    Map<String, String> out = new HashMap<>();
    for (String[] e : entries) {
      if (r.nextInt(4) == 0) {
        out.put(e[0], e[1]);
      }
    }
    return out;
  }

  private static Map<String, String> resources(Random r) {
    Map<String, String> out = new HashMap<>();
    if (r.nextBoolean()) {
      out.put("cpu", any(r, CPU));
    }
    if (r.nextInt(3) == 0) {
      out.put("nvidia.com/gpu", any(r, GPU));
    }
    if (r.nextInt(4) == 0) {
      out.put("gpusched.dev/gpu-milli", any(r, MILLI));
    }
    if (r.nextBoolean()) {
      out.put("memory", "1Gi");
    }
    return out;
  }

  private static Pod randomPod(Random r, int i) {
    List<Container> containers = new ArrayList<>();
    for (int c = 0; c < 1 + r.nextInt(3); c++) {
      containers.add(container("c" + c, resources(r), resources(r)));
    }
    List<Container> init = r.nextInt(3) == 0 ? List.of(container("init", resources(r), resources(r))) : List.of();
    Pod p = pod("p" + i, any(r, NODE), containers, init, some(r, LABELS), some(r, ANNOTATIONS));
    p.getStatus().setPhase(any(r, PHASE));
    if (r.nextInt(5) == 0) {
      p.getMetadata().setDeletionTimestamp("2026-12-07T21:00:00Z");
    }
    if (r.nextInt(10) == 0) {
      p.getMetadata().setUid(null);
    }
    p.getSpec().setSchedulerName(r.nextBoolean() ? null : any(r, SCHEDULER));
    p.getSpec().setPriority(r.nextBoolean() ? null : r.nextInt(3) * 1000);
    p.getStatus().setStartTime(r.nextBoolean() ? null : "2026-12-07T20:0" + r.nextInt(10) + ":00Z");
    if (r.nextInt(3) == 0) {
      p.getStatus().setConditions(List.of(new PodConditionBuilder().withType("PodScheduled").withStatus("False")
          .withReason(any(r, new String[] {"Unschedulable", "SchedulerError"})).withMessage("0/4 nodes are available")
          .build()));
    }
    return p;
  }

  /** The demand as the parser reads it, or the parser's refusal. */
  private static Object demand(Pod p, Map<String, String> owner) {
    try {
      return PodDemandParser.parse(p, owner);
    } catch (InvalidDemandException e) {
      return "invalid: " + e.getMessage();
    }
  }

  private static Object gang(Pod p, Map<String, String> owner) {
    try {
      return GangScheduling.specOf(p, owner);
    } catch (IllegalArgumentException e) {
      return "invalid: " + e.getMessage();
    }
  }

  private static Object gang(CachedPod p, Map<String, String> owner) {
    try {
      return GangScheduling.specOf(p, owner);
    } catch (IllegalArgumentException e) {
      return "invalid: " + e.getMessage();
    }
  }

  @Test
  void everyReaderOfPodsReadsTheRebuiltPodAsTheOriginal() {
    Random r = new Random(24);
    int gpuPods = 0;
    int invalid = 0;
    for (int i = 0; i < 3000; i++) {
      Pod original = randomPod(r, i);
      Map<String, String> owner = some(r, ANNOTATIONS);
      CachedPod kept = CachedPods.of(original);
      Pod rebuilt = CachedPods.pod(kept);

      String what = "pod " + i + ": " + original;
      assertThat(demand(rebuilt, owner)).as(what).isEqualTo(demand(original, owner));
      assertThat(PodDemandParser.cpuRequestMilli(rebuilt)).as(what).isEqualTo(PodDemandParser.cpuRequestMilli(original));
      assertThat(KubeRecords.podRecord(rebuilt)).as(what).isEqualTo(KubeRecords.podRecord(original));
      assertThat(gang(rebuilt, owner)).as(what).isEqualTo(gang(original, owner));
      assertThat(OwnerAnnotations.ownerKey(rebuilt)).as(what).isEqualTo(OwnerAnnotations.ownerKey(original));
      assertThat(gang(kept, owner)).as(what).isEqualTo(gang(original, owner));
      assertThat(CachedPods.of(rebuilt)).as(what).isEqualTo(kept);
      assertThat(rebuilt.getSpec().getSchedulerName()).as(what).isEqualTo(original.getSpec().getSchedulerName());
      assertThat(rebuilt.getSpec().getPriority()).as(what).isEqualTo(original.getSpec().getPriority());
      assertThat(rebuilt.getStatus().getStartTime()).as(what).isEqualTo(original.getStatus().getStartTime());
      gpuPods += kept.containers().isEmpty() ? 0 : 1;
      invalid += demand(original, owner) instanceof String ? 1 : 0;
    }
    // the generator covers both kinds of pod and refused demands
    assertThat(gpuPods).isBetween(1000, 2900);
    assertThat(invalid).isBetween(300, 2700);
  }
}
