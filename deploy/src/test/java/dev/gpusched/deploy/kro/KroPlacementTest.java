package dev.gpusched.deploy.kro;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.deploy.ProjectPaths;
import dev.gpusched.deploy.Yaml;
import dev.gpusched.extender.it.Standalone;
import dev.gpusched.extender.testing.TestData;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The pods the MLService RGD renders (every ${...} evaluated with CEL-Java) fed to a standalone gpusched, as
 * kube-scheduler would send them: the training gang lands together in one leaf, bound only once all members arrived,
 * and a serving replica that requires NVLink only ever gets a bridged GPU pair.
 */
class KroPlacementTest {
  private static final Path KRO = ProjectPaths.deploy().resolve("kro");
  private static final String LEAF = "network.topology.nvidia.com/leaf";
  private static final Set<String> BRIDGED_PAIRS = Set.of("0,1", "2,3", "4,5", "6,7");
  private Standalone gpusched;
  private List<String> nodeNames;

  @BeforeEach
  void start() throws Exception {
    List<HasMetadata> nodes = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      nodes.add(inLeaf(Standalone.gpuNode("h100-a" + i, 8, "NVIDIA-H100-80GB-HBM3", 81559), "leaf-a"));
    }
    for (int i = 0; i < 2; i++) {
      nodes.add(inLeaf(Standalone.gpuNode("h100-b" + i, 8, "NVIDIA-H100-80GB-HBM3", 81559), "leaf-b"));
    }
    Node a100 = inLeaf(Standalone.gpuNode("a100-b2", 8, "NVIDIA-A100-PCIE-40GB", 40960), "leaf-b");
    a100.getMetadata().setAnnotations(Map.of("gpusched.dev/gpu-topology",
        TestData.read("nvidia-smi-topo/pcie-a100-nvlink-pairs.txt")));
    nodes.add(a100);
    nodeNames = new ArrayList<>();
    nodes.forEach(n -> nodeNames.add(n.getMetadata().getName()));
    gpusched = Standalone.start(nodes);
  }

  @AfterEach
  void stop() {
    gpusched.close();
  }

  private static Node inLeaf(Node node, String leaf) {
    node.getMetadata().getLabels().put(LEAF, leaf);
    return node;
  }

  private static Map<String, Object> render(Map<String, Object> instance, String resource) {
    return new RgdRenderer(Yaml.readOne(KRO.resolve("mlservice-rgd.yaml"))).render(instance).resource(resource).object();
  }

  @Test
  void theTrainingGangLandsTogetherInOneLeaf() throws Exception {
    Map<String, Object> bert = Yaml.readOne(KRO.resolve("examples/bert-train.yaml")); // 4 x 8 GPUs, nvlink, same-leaf
    List<Pod> workers = WorkloadPods.asFabric8(WorkloadPods.of(render(bert, "job")));
    assertThat(workers).hasSize(4);
    List<CompletableFuture<HttpResponse<String>>> binds = new ArrayList<>();
    Set<String> planned = new HashSet<>();
    for (Pod worker : workers) {
      Pod created = gpusched.create(worker);
      JsonNode filter = gpusched.json(gpusched.post("/scheduler/filter", Standalone.filterBody(created, nodeNames)));
      assertThat(filter.path("NodeNames")).as("a gang member's filter answers its planned node only").hasSize(1);
      String node = filter.path("NodeNames").get(0).asString();
      planned.add(node);
      binds.add(gpusched.postAsync("/scheduler/bind", gpusched.bindBody(created, node)));
    }
    assertThat(planned).containsExactlyInAnyOrder("h100-a0", "h100-a1", "h100-a2", "h100-a3"); // the one leaf with room
    for (CompletableFuture<HttpResponse<String>> bind : binds) {
      assertThat(gpusched.json(bind.get(30, TimeUnit.SECONDS)).path("Error").asString()).isEmpty();
    }
    for (Pod worker : workers) {
      Pod live = gpusched.client.pods().inNamespace("ml").withName(worker.getMetadata().getName()).get();
      assertThat(live.getSpec().getNodeName()).isIn(planned);
      assertThat(live.getMetadata().getAnnotations()).containsEntry("gpusched.dev/gpu-ids", "0,1,2,3,4,5,6,7");
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void aServingReplicaThatRequiresNvlinkOnlyGetsABridgedPair() throws Exception {
    Map<String, Object> llm = Yaml.readOne(KRO.resolve("examples/llm-serve.yaml")); // 2 GPUs, intraNode: nvlink
    Map<String, Object> spec = new LinkedHashMap<>((Map<String, Object>) llm.get("spec"));
    spec.remove("gpuModel"); // let it onto the A100 PCIe node, whose GPUs are NVLink-bridged in pairs only
    spec.put("gpuMemory", "20Gi");
    spec.put("replicas", 2);
    llm = new LinkedHashMap<>(llm);
    llm.put("spec", spec);
    List<Pod> replicas = WorkloadPods.asFabric8(WorkloadPods.of(render(llm, "deployment")));
    assertThat(replicas).hasSize(2);
    List<String> onlyA100 = List.of("a100-b2");
    // One GPU of three bridged pairs is already taken: GPUs 0, 2, 4 are free but unpaired; only 6-7 is a whole pair.
    Pod holder = Standalone.gpuPod("ml", "holder", 3, Map.of("gpusched.dev/gpu-ids", "1,3,5"));
    holder.getSpec().setNodeName("a100-b2");
    holder.getStatus().setPhase("Running");
    gpusched.create(holder);
    gpusched.awaitSettled("a100-b2");

    Pod first = gpusched.create(replicas.get(0));
    assertThat(gpusched.json(gpusched.post("/scheduler/filter", Standalone.filterBody(first, onlyA100))).path("NodeNames"))
        .hasSize(1);
    assertThat(gpusched.bind(first, "a100-b2")).isEmpty();
    assertThat(gpusched.client.pods().inNamespace("ml").withName(first.getMetadata().getName()).get()
        .getMetadata().getAnnotations().get("gpusched.dev/gpu-ids")).isIn(BRIDGED_PAIRS).isEqualTo("6,7");

    // Three GPUs are still free, but no two of them share an NVLink bridge: the next replica is filtered, saying why.
    Pod second = gpusched.create(replicas.get(1));
    JsonNode filter = gpusched.json(gpusched.post("/scheduler/filter", Standalone.filterBody(second, onlyA100)));
    assertThat(filter.path("NodeNames")).isEmpty();
    assertThat(filter.path("FailedNodes").path("a100-b2").asString()).contains("NVLink").contains("0,2,4");
  }
}
