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
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Prometheus stopped mid-test: the poller keeps the last telemetry, the stale flag goes to 1 once the staleness bound
 * passes, decisions see no DCGM data (the ledger alone decides), and nothing throws.
 */
@RequiresTool("prometheus")
class DcgmPrometheusStoppedTest {

  private static final Duration STALENESS = Duration.ofMillis(1500);

  @Test
  void decisionsFallBackToTheLedgerWithTheStaleFlagSet() {
    Clock clock = Clock.systemUTC();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (FixtureHttpServer exporters = FixtureHttpServer.start()
            .serveFile("/node-a/metrics", TestData.path("dcgm/gpu-node-a-h100.prom"))
            .serveFile("/node-b/metrics", TestData.path("dcgm/gpu-node-b-a100.prom"));
        PrometheusServer prometheus = PrometheusServer.start(
            List.of(exporters.url("/node-a/metrics"), exporters.url("/node-b/metrics")))) {
      prometheus.awaitSeries(DcgmMetric.SELECTOR, 64, Duration.ofSeconds(15));
      PrometheusDcgmClient client =
          new PrometheusDcgmClient(prometheus.url(), Duration.ofSeconds(1), HostnameMapping.IDENTITY, clock);
      try (DcgmPoller poller =
          new DcgmPoller(client, Duration.ofMillis(200), STALENESS, registry, t -> { }, clock)) {
        poller.start();
        Await.until("telemetry for 16 GPUs", Duration.ofSeconds(10), () -> poller.latest().gpuCount() == 16);
        TelemetryView fresh = poller.view(clock.instant());
        assertThat(fresh.stale()).isFalse();
        assertThat(MemoryFit.fits(fresh.gpu("gpu-node-b", 2), 20480, 0)).isFalse();
        assertThat(HealthRules.DEFAULT.excludes(fresh.gpu("gpu-node-b", 5))).isTrue();

        prometheus.stop();
        GpuTelemetry lastGood = poller.latest();

        Await.until("gpusched_dcgm_stale to become 1", Duration.ofSeconds(10),
            () -> registry.get("gpusched.dcgm.stale").gauge().value() == 1.0);
        Await.until("a failed poll after the stop", Duration.ofSeconds(10),
            () -> registry.get("gpusched.dcgm.poll.errors").tag("kind", "unreachable").counter().count() >= 1);

        assertThat(poller.latest()).as("last telemetry is kept").isSameAs(lastGood);
        assertThat(poller.isStale()).isTrue();
        TelemetryView stale = poller.view(Instant.now());
        assertThat(stale.stale()).isTrue();
        assertThat(stale.ageMillis()).isGreaterThan(STALENESS.toMillis());
        // No DCGM data reaches the decision: memory and health checks defer to the ledger.
        assertThat(stale.node("gpu-node-b")).isNull();
        assertThat(stale.gpu("gpu-node-b", 2)).isNull();
        assertThat(MemoryFit.fits(stale.gpu("gpu-node-b", 2), 20480, 0)).isTrue();
        // /inspect can still show what was last seen.
        assertThat(stale.telemetry().node("gpu-node-b")[2].fbUsedMiB()).isEqualTo(38870);
        assertThat(registry.scrape()).contains("gpusched_dcgm_stale 1")
            .contains("gpusched_gpu_observed_free_memory_bytes{gpu=\"2\",node=\"gpu-node-b\"}");
      }
    }
  }
}
