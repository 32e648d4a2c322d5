package dev.gpusched.extender.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.kube.EmbeddedApiServer;
import dev.gpusched.extender.testing.TestData;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Topology through the whole service, on the README's example cluster (deploy/examples/cluster.yaml): pcie-a100-1 has
 * NVLink bridges in pairs {0,1} {2,3} {4,5} {6,7} (its nvidia-smi capture is in gpusched.dev/gpu-topology) and GPU 0 is
 * taken, so {1} is half a pair; the H100 nodes are NVSwitch by GPU feature discovery; the L40S nodes are PCIe only.
 */
class TopologyPlacementTest {
  private Standalone gpusched;

  @BeforeEach
  void start() throws Exception {
    gpusched = Standalone.start(EmbeddedApiServer.readClusterFile(
        TestData.projectRoot().resolve("deploy/examples/cluster.yaml")));
  }

  @AfterEach
  void stop() {
    gpusched.close();
  }

  @Test
  void inspectShowsTheTopologyClassAndItsSource() throws Exception {
    assertThat(gpusched.inspect("pcie-a100-1").path("topology").path("source").asString()).isEqualTo("annotation:nvidia-smi");
    assertThat(gpusched.inspect("dgx-h100-1").path("topology").path("source").asString()).startsWith("gfd:nvswitch");
    assertThat(gpusched.inspect("l40s-1").path("topology").path("source").asString()).isEqualTo("gfd:flat-pcie");
  }

  @Test
  void oneGpuTakesTheHalfPairAndTwoGpusGetABridgedPair() throws Exception {
    Pod one = gpusched.create(Standalone.gpuPod("ml", "one", 1, Map.of()));
    assertThat(gpusched.bind(one, "pcie-a100-1")).isEmpty();
    assertThat(ids("ml", "one")).isEqualTo("1");
    Pod two = gpusched.create(Standalone.gpuPod("ml", "two", 2, Map.of()));
    assertThat(gpusched.bind(two, "pcie-a100-1")).isEmpty();
    assertThat(ids("ml", "two")).isIn("2,3", "4,5", "6,7");
  }

  @Test
  void requiredNvlinkFiltersWithTheReasonAndPreferredNvlinkOutranksFullness() throws Exception {
    // Take one GPU of every remaining pair on pcie-a100-1: no NVLink pair is left free there.
    for (String g : List.of("2", "4", "6")) {
      Pod p = Standalone.gpuPod("ml", "half-" + g, 1, Map.of("gpusched.dev/gpu-ids", g));
      p.getSpec().setNodeName("pcie-a100-1");
      p.getStatus().setPhase("Running");
      gpusched.create(p);
    }
    gpusched.awaitSettled("pcie-a100-1");
    Pod nvlink = Standalone.gpuPod("ml", "pair", 2, Map.of("gpusched.dev/intra-node", "nvlink"));
    JsonNode filter = gpusched.json(gpusched.post("/scheduler/filter",
        Standalone.filterBody(nvlink, List.of("pcie-a100-1", "l40s-1", "dgx-h100-2"))));
    assertThat(filter.path("NodeNames").get(0).asString()).isEqualTo("dgx-h100-2");
    assertThat(filter.path("FailedNodes").path("pcie-a100-1").asString()).contains("NVLink");
    assertThat(filter.path("FailedNodes").path("l40s-1").asString()).contains("NVLink");

    // prefer-nvlink: pcie-a100-1 (4 of 8 taken) and l40s-1 (2 of 4 taken) cannot give an NVLink pair; the empty
    // NVSwitch node can, so it ranks first however full the others are.
    Pod preferred = Standalone.gpuPod("ml", "pair2", 2, Map.of());
    JsonNode prio = gpusched.json(gpusched.post("/scheduler/prioritize",
        Standalone.filterBody(preferred, List.of("pcie-a100-1", "l40s-1", "dgx-h100-2"))));
    int a100 = prio.get(0).path("Score").intValue();
    int l40s = prio.get(1).path("Score").intValue();
    int h100 = prio.get(2).path("Score").intValue();
    assertThat(h100).isGreaterThan(a100).isGreaterThan(l40s);
    assertThat(h100).isBetween(6, 10);
    assertThat(a100).isBetween(0, 5);
  }

  private String ids(String ns, String name) {
    return gpusched.client.pods().inNamespace(ns).withName(name).get().getMetadata().getAnnotations()
        .get("gpusched.dev/gpu-ids");
  }
}
