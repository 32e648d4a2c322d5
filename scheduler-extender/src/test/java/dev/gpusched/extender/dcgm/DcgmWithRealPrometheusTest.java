package dev.gpusched.extender.dcgm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.testing.Await;
import dev.gpusched.extender.testing.FixtureHttpServer;
import dev.gpusched.extender.testing.PrometheusServer;
import dev.gpusched.extender.testing.RequiresTool;
import dev.gpusched.extender.testing.TestData;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The scenarios against a real Prometheus (the installed binary) scraping the shared dcgm-exporter fixtures
 * from a local HTTP server: memory pressure and XID exclusion on gpu-node-b, an XID that clears, ground truth from
 * dcgm's pod labels, and partial or wrong answers.
 */
@RequiresTool("prometheus")
class DcgmWithRealPrometheusTest {

  private static final String NODE_A = "/node-a/metrics";
  private static final String NODE_B = "/node-b/metrics";
  private static final String NODE_C = "/node-c/metrics";
  private static final long REQUEST_20_GI_IN_MIB = 20 * MemoryFit.MIB_PER_GIB;
  private static final Duration WAIT = Duration.ofSeconds(15);

  private static String nodeBFixture;
  private static FixtureHttpServer exporters;
  private static PrometheusServer prometheus;
  private static PrometheusDcgmClient client;

  @BeforeAll
  static void startPrometheus() {
    nodeBFixture = TestData.read("dcgm/gpu-node-b-a100.prom");
    exporters = FixtureHttpServer.start()
        .serveFile(NODE_A, TestData.path("dcgm/gpu-node-a-h100.prom"))
        .serve(NODE_B, nodeBFixture);
    // node-c answers 404 (target down, no series) until a test serves a partial exposition there.
    prometheus = PrometheusServer.start(List.of(exporters.url(NODE_A), exporters.url(NODE_B), exporters.url(NODE_C)));
    prometheus.awaitSeries(DcgmMetric.SELECTOR, 2 * 8 * 4, WAIT);
    client = new PrometheusDcgmClient(prometheus.url(), Duration.ofSeconds(2), HostnameMapping.IDENTITY,
        Clock.systemUTC());
  }

  @AfterAll
  static void stopPrometheus() {
    if (prometheus != null) {
      prometheus.close();
    }
    if (exporters != null) {
      exporters.stop();
    }
  }

  @Test
  void a100With38870MibUsedIsFilteredFor20GiWhileIdleGpusPass() throws Exception {
    GpuTelemetry t = client.fetch();
    GpuSample[] nodeB = t.node("gpu-node-b");
    assertThat(nodeB).hasSize(8);

    GpuSample busy = nodeB[2];
    assertThat(busy.fbUsedMiB()).isEqualTo(38870);
    assertThat(busy.modelName()).isEqualTo("NVIDIA A100-PCIE-40GB");
    assertThat(MemoryFit.fits(busy, REQUEST_20_GI_IN_MIB, 0)).isFalse();
    assertThat(MemoryFit.reason(busy, REQUEST_20_GI_IN_MIB, 0))
        .isEqualTo("GPU 2 has 2090 MiB free as DCGM sees it (38870 MiB used); the pod asks for 20480 MiB");

    for (int idle : new int[] {0, 1, 4, 6, 7}) {
      assertThat(nodeB[idle].fbUsedMiB()).as("GPU %d used", idle).isZero();
      assertThat(MemoryFit.fits(nodeB[idle], REQUEST_20_GI_IN_MIB, 0)).as("GPU %d fits", idle).isTrue();
      assertThat(HealthRules.DEFAULT.excludes(nodeB[idle])).as("GPU %d healthy", idle).isFalse();
    }
    // GPU 3 has 1,024 MiB in use and 39,936 free: it fits too.
    assertThat(MemoryFit.fits(nodeB[3], REQUEST_20_GI_IN_MIB, 0)).isTrue();
    // Ledger promises count against observed free memory.
    assertThat(MemoryFit.fits(nodeB[3], REQUEST_20_GI_IN_MIB, 20_000)).isFalse();

    // On gpu-node-a the nearly full H100 (1,349 MiB free) is filtered; the idle ones pass.
    GpuSample[] nodeA = t.node("gpu-node-a");
    assertThat(MemoryFit.fits(nodeA[4], REQUEST_20_GI_IN_MIB, 0)).isFalse();
    assertThat(MemoryFit.fits(nodeA[5], REQUEST_20_GI_IN_MIB, 0)).isTrue();
  }

  @Test
  void xid79GpuIsExcludedUntilItClears() throws Exception {
    GpuSample[] nodeB = client.fetch().node("gpu-node-b");
    assertThat(nodeB[5].lastXid()).isEqualTo(79);
    assertThat(HealthRules.DEFAULT.excludes(nodeB[5])).isTrue();
    assertThat(HealthRules.DEFAULT.reason(5, nodeB[5].lastXid()))
        .isEqualTo("GPU 5 reported XID 79 (GPU has fallen off the bus); excluded until it clears");
    assertThat(MemoryFit.fits(nodeB[5], REQUEST_20_GI_IN_MIB, 0)).as("memory alone would admit it").isTrue();
    int excluded = 0;
    for (GpuSample s : nodeB) {
      excluded += HealthRules.DEFAULT.excludes(s) ? 1 : 0;
    }
    assertThat(excluded).isEqualTo(1);

    String xid79 = "pod=\"\"} 79\n";
    assertThat(nodeBFixture).containsOnlyOnce(xid79);
    try {
      exporters.serve(NODE_B, nodeBFixture.replace(xid79, "pod=\"\"} 0\n"));
      Await.until("GPU 5's XID to clear in Prometheus", WAIT, () -> lastXidOfNodeBGpu5() == 0);
      assertThat(HealthRules.DEFAULT.excludes(client.fetch().node("gpu-node-b")[5])).isFalse();
    } finally {
      exporters.serve(NODE_B, nodeBFixture);
      Await.until("GPU 5's XID 79 to come back", WAIT, () -> lastXidOfNodeBGpu5() == 79);
    }
  }

  private static int lastXidOfNodeBGpu5() {
    try {
      return client.fetch().node("gpu-node-b")[5].lastXid();
    } catch (DcgmQueryException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void groundTruthCountsEveryDisagreementAndTrustsTheObservedMapping() throws Exception {
    GpuTelemetry t = client.fetch();
    Map<Integer, Set<String>> observedB = t.observedPods("gpu-node-b");
    assertThat(observedB).isEqualTo(Map.of(
        2, Set.of("ml-prod/llama-serve-2-7d9f"),
        3, Set.of("ml-prod/llama-serve-3-7d9f")));

    // The ledger swapped the two pods and holds a third one that has not started yet.
    Map<Integer, Set<String>> recordedB = Map.of(
        2, Set.of("ml-prod/llama-serve-3-7d9f"),
        3, Set.of("ml-prod/llama-serve-2-7d9f"),
        6, Set.of("ml-prod/starting-0"));
    GroundTruth.Result b = GroundTruth.compare("gpu-node-b", recordedB, observedB);
    assertThat(b.disagreements()).extracting(GroundTruth.Disagreement::describe).containsExactly(
        "gpu-node-b GPU 2: gpusched recorded [ml-prod/llama-serve-3-7d9f], dcgm-exporter observes"
            + " [ml-prod/llama-serve-2-7d9f]",
        "gpu-node-b GPU 3: gpusched recorded [ml-prod/llama-serve-2-7d9f], dcgm-exporter observes"
            + " [ml-prod/llama-serve-3-7d9f]");
    assertThat(b.holders()).isEqualTo(Map.of(
        2, Set.of("ml-prod/llama-serve-2-7d9f"),
        3, Set.of("ml-prod/llama-serve-3-7d9f"),
        6, Set.of("ml-prod/starting-0")));

    // gpu-node-a's records match what dcgm sees: nothing to report.
    Map<Integer, Set<String>> observedA = t.observedPods("gpu-node-a");
    assertThat(observedA).hasSize(5);
    assertThat(GroundTruth.compare("gpu-node-a", observedA, observedA).disagreements()).isEmpty();
  }

  @Test
  void partialAnswerIsLoggedAndCountedWithoutLosingTheGoodGpus() {
    String partial = String.join("\n",
        "# TYPE DCGM_FI_DEV_FB_FREE gauge",
        "DCGM_FI_DEV_FB_FREE{gpu=\"0\",UUID=\"GPU-c0\",modelName=\"NVIDIA L4\"} 23000",
        "DCGM_FI_DEV_FB_FREE{gpu=\"1\",UUID=\"GPU-c1\",Hostname=\"gpu-node-c\"} NaN",
        "DCGM_FI_DEV_FB_USED{gpu=\"1\",UUID=\"GPU-c1\",Hostname=\"gpu-node-c\"} 10",
        "");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    DcgmPoller poller = new DcgmPoller(client, Duration.ofSeconds(1), Duration.ofSeconds(30), registry, t -> { },
        Clock.systemUTC());
    try {
      exporters.serve(NODE_C, partial);
      prometheus.awaitSeries("{job=\"fixture-2\",__name__=~\"DCGM_FI_DEV_FB_.*\"}", 3, WAIT);

      assertThat(poller.pollOnce()).isTrue();
      GpuTelemetry t = poller.latest();
      assertThat(t.problems()).hasSize(2);
      assertThat(t.problems()).anySatisfy(p -> assertThat(p).contains("DCGM_FI_DEV_FB_FREE has no Hostname label"));
      assertThat(t.problems()).anySatisfy(p -> assertThat(p)
          .contains("DCGM_FI_DEV_FB_FREE on gpu-node-c GPU 1 has value 'NaN'"));
      assertThat(t.node("gpu-node-c")[1].hasFreeMemory()).isFalse();
      assertThat(t.node("gpu-node-c")[1].fbUsedMiB()).isEqualTo(10);
      assertThat(t.node("gpu-node-b")).hasSize(8);
      assertThat(registry.get("gpusched.dcgm.poll.errors").tag("kind", "partial").counter().count()).isEqualTo(1.0);
      assertThat(registry.scrape()).contains("gpusched_dcgm_skipped_series 2");
    } finally {
      exporters.remove(NODE_C);
      poller.close();
    }
  }

  @Test
  void wrongAnswerFromPrometheusIsAClearErrorAndACountNotACrash() {
    // A path Prometheus does not serve: it answers HTTP 404 with a plain-text body.
    PrometheusDcgmClient wrongPath = new PrometheusDcgmClient(prometheus.url() + "/not-prometheus",
        Duration.ofSeconds(2), HostnameMapping.IDENTITY, Clock.systemUTC());
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    DcgmPoller poller = new DcgmPoller(wrongPath, Duration.ofSeconds(1), Duration.ofSeconds(30), registry, t -> { },
        Clock.systemUTC());
    try {
      assertThat(poller.pollOnce()).isFalse();
      assertThat(poller.latest()).isSameAs(GpuTelemetry.EMPTY);
      assertThat(registry.get("gpusched.dcgm.poll.errors").tag("kind", "http_status").counter().count())
          .isEqualTo(1.0);
      assertThat(registry.scrape()).contains("gpusched_dcgm_stale 1");
    } finally {
      poller.close();
    }
    try {
      wrongPath.fetch();
    } catch (DcgmQueryException e) {
      assertThat(e.getMessage()).contains("answered HTTP 404").contains("/not-prometheus/api/v1/query");
      return;
    }
    throw new AssertionError("expected a DcgmQueryException");
  }

  @Test
  void directScrapeFallbackReadsTheSameAsPrometheus() throws Exception {
    DcgmTextScraper scraper = new DcgmTextScraper(List.of(exporters.url(NODE_A), exporters.url(NODE_B)),
        Duration.ofSeconds(2), HostnameMapping.IDENTITY, Clock.systemUTC());
    GpuTelemetry direct = scraper.fetch();
    GpuTelemetry viaPrometheus = client.fetch();
    assertThat(direct.problems()).isEmpty();
    for (String node : List.of("gpu-node-a", "gpu-node-b")) {
      assertThat(direct.byNode().get(node)).as(node).isEqualTo(viaPrometheus.byNode().get(node));
      assertThat(direct.observedPods(node)).as(node).isEqualTo(viaPrometheus.observedPods(node));
    }
  }
}
