package dev.gpusched.extender.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.dcgm.DcgmSettings;
import dev.gpusched.extender.http.ServerLimits;
import dev.gpusched.extender.testing.Await;
import dev.gpusched.extender.testing.FixtureHttpServer;
import dev.gpusched.extender.testing.PrometheusServer;
import dev.gpusched.extender.testing.RequiresTool;
import dev.gpusched.extender.testing.TestData;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;

/**
 * DCGM through the whole service: a real Prometheus (Debian's package) scrapes testdata/dcgm/*.prom from a
 * tiny HTTP server, gpusched polls it, and filter, bind and /inspect follow. gpu-node-b's A100 GPU 2 has 38,870 MiB of
 * 40,960 used, GPU 5 reported XID 79. The last test stops Prometheus: decisions go on from the ledger, flagged stale.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@RequiresTool("prometheus")
class DcgmDecisionsTest {
  private static FixtureHttpServer exporters;
  private static PrometheusServer prometheus;
  private static Standalone gpusched;

  @BeforeAll
  static void start() throws Exception {
    exporters = FixtureHttpServer.start()
        .serveFile("/gpu-node-a/metrics", TestData.path("dcgm/gpu-node-a-h100.prom"))
        .serveFile("/gpu-node-b/metrics", TestData.path("dcgm/gpu-node-b-a100.prom"));
    prometheus = PrometheusServer.start(List.of(exporters.url("/gpu-node-a/metrics"), exporters.url("/gpu-node-b/metrics")));
    prometheus.awaitSeries("DCGM_FI_DEV_FB_FREE", 16, Duration.ofSeconds(20));
    List<HasMetadata> objects = List.of(
        Standalone.gpuNode("gpu-node-a", 8, "NVIDIA-H100-80GB-HBM3", 81559),
        Standalone.gpuNode("gpu-node-b", 8, "NVIDIA-A100-PCIE-40GB", 40960));
    DcgmSettings dcgm = DcgmSettings.fromOptions(prometheus.url(), List.of(), "300ms", "2s", "1s", null, null);
    gpusched = Standalone.start(objects, ServerLimits.DEFAULT, dcgm);
    Await.until("gpusched reads DCGM for gpu-node-b", Duration.ofSeconds(20),
        () -> "dcgm".equals(gpusched.inspect("gpu-node-b").path("telemetry").asString()));
  }

  @AfterAll
  static void stop() {
    if (gpusched != null) {
      gpusched.close();
    }
    if (prometheus != null) {
      prometheus.close();
    }
    if (exporters != null) {
      exporters.close();
    }
  }

  @Test
  @Order(1)
  void theNearlyFullGpuIsFilteredForA20GiRequestWhileIdleGpusPass() throws Exception {
    // 7 GPUs of 20Gi: node-b has 8, but GPU 5 is excluded (XID 79) and GPU 2 has 2,090 MiB free: only 6 qualify.
    Pod seven = Standalone.gpuPod("ml", "seven", 7, Map.of("gpusched.dev/gpu-memory", "20Gi"));
    JsonNode f = gpusched.json(gpusched.post("/scheduler/filter", Standalone.filterBody(seven, List.of("gpu-node-b"))));
    String reason = f.path("FailedNodes").path("gpu-node-b").asString();
    assertThat(reason).contains("needs 7 GPUs with 20480 MiB free each, 6 of 7 free GPUs have that much")
        .contains("GPU 2: 2090 MiB free").contains("XID 79");
    // One GPU of 20Gi fits, and bind never picks GPU 2 (no memory) or GPU 5 (XID 79).
    for (int i = 0; i < 6; i++) {
      Pod one = gpusched.create(Standalone.gpuPod("ml", "one-" + i, 1, Map.of("gpusched.dev/gpu-memory", "20Gi")));
      assertThat(gpusched.bind(one, "gpu-node-b")).isEmpty();
      String ids = gpusched.client.pods().inNamespace("ml").withName("one-" + i).get().getMetadata().getAnnotations()
          .get("gpusched.dev/gpu-ids");
      assertThat(ids).isNotIn("2", "5");
    }
    // Six such pods took GPUs 0,1,3,4,6,7: the next one has no GPU left with 20Gi free.
    Pod last = Standalone.gpuPod("ml", "last", 1, Map.of("gpusched.dev/gpu-memory", "20Gi"));
    JsonNode g = gpusched.json(gpusched.post("/scheduler/filter", Standalone.filterBody(last, List.of("gpu-node-b"))));
    assertThat(g.path("NodeNames").size()).isZero();
  }

  @Test
  @Order(2)
  void inspectShowsTheExcludedGpuAndTheObservedMemory() throws Exception {
    JsonNode b = gpusched.inspect("gpu-node-b");
    JsonNode gpu5 = b.path("gpus").get(5);
    assertThat(gpu5.path("excluded").asString()).contains("XID 79");
    assertThat(b.path("gpus").get(2).path("observed").path("fbUsedMiB").longValue()).isEqualTo(38870);
    // dcgm-exporter sees ml-prod/llama-serve-2-7d9f on GPU 2 where gpusched recorded nobody: a disagreement.
    assertThat(b.path("disagreements").toString()).contains("llama-serve-2-7d9f");
    String metrics = gpusched.get("/metrics").body();
    assertThat(metrics).contains("gpusched_dcgm_stale 0.0").contains("gpusched_node_gpus{model=\"NVIDIA-A100-PCIE-40GB\",node=\"gpu-node-b\",state=\"unhealthy\"} 1.0");
    assertThat(metrics).containsPattern("gpusched_ledger_disagreements [1-9]");
  }

  @Test
  @Order(3)
  void prometheusStoppedDecisionsGoOnFromTheLedgerFlaggedStale() throws Exception {
    prometheus.stop();
    Await.until("DCGM turns stale", Duration.ofSeconds(15),
        () -> gpusched.json(gpusched.get("/inspect")).path("dcgm").path("stale").asBoolean());
    Await.until("nodes rebuilt from the ledger alone", Duration.ofSeconds(5),
        () -> "ledger alone".equals(gpusched.inspect("gpu-node-b").path("telemetry").asString()));
    assertThat(gpusched.get("/metrics").body()).contains("gpusched_dcgm_stale 1.0");
    // Without DCGM the ledger alone decides: GPUs 2 and 5 are free by its count (A100 40 GiB each, nothing requested).
    Pod one = Standalone.gpuPod("ml", "after", 2, Map.of("gpusched.dev/gpu-memory", "20Gi"));
    JsonNode f = gpusched.json(gpusched.post("/scheduler/filter", Standalone.filterBody(one, List.of("gpu-node-b"))));
    assertThat(f.path("Error").asString()).isEmpty();
    assertThat(f.path("NodeNames").get(0).asString()).isEqualTo("gpu-node-b");
  }
}
