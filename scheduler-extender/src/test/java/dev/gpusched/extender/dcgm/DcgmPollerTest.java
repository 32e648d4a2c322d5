package dev.gpusched.extender.dcgm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.testing.Await;
import dev.gpusched.extender.testing.FixtureHttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The poller against a local server standing in for Prometheus's API, with a hand-moved clock. */
class DcgmPollerTest {

  private static final String API = "/api/v1/query";
  private static final String JSON = "application/json";
  private static final Duration BOUND = Duration.ofSeconds(30);
  private static final String GOOD = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
      + "{\"metric\":{\"__name__\":\"DCGM_FI_DEV_FB_FREE\",\"Hostname\":\"gpu-node-b\",\"gpu\":\"2\"},"
      + "\"value\":[1,\"2090\"]},"
      + "{\"metric\":{\"__name__\":\"DCGM_FI_DEV_GPU_UTIL\",\"Hostname\":\"gpu-node-b\",\"gpu\":\"2\"},"
      + "\"value\":[1,\"97\"]}]}}";

  private FixtureHttpServer server;
  private MutableClock clock;
  private PrometheusMeterRegistry registry;
  private final List<GpuTelemetry> published = new ArrayList<>();
  private DcgmPoller poller;

  @BeforeEach
  void setUp() {
    server = FixtureHttpServer.start();
    clock = new MutableClock(Instant.parse("2026-11-28T12:00:00Z"));
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    PrometheusDcgmClient client =
        new PrometheusDcgmClient(server.baseUrl(), Duration.ofSeconds(2), HostnameMapping.IDENTITY, clock);
    poller = new DcgmPoller(client, Duration.ofMillis(50), BOUND, registry, published::add, clock);
  }

  @AfterEach
  void tearDown() {
    poller.close();
    server.stop();
  }

  private double gauge(String name) {
    return registry.get(name).gauge().value();
  }

  private double count(String name, String tag, String value) {
    return registry.get(name).tag(tag, value).counter().count();
  }

  @Test
  void beforeTheFirstPollEverythingIsStale() {
    assertThat(poller.latest()).isSameAs(GpuTelemetry.EMPTY);
    assertThat(gauge("gpusched.dcgm.stale")).isEqualTo(1.0);
    assertThat(gauge("gpusched.dcgm.metrics.age")).isInfinite();
    assertThat(registry.scrape()).contains("gpusched_dcgm_metrics_age_seconds +Inf");
  }

  @Test
  void successPublishesTelemetryAndPerGpuGauges() {
    server.respond(API, 200, JSON, GOOD);
    assertThat(poller.pollOnce()).isTrue();

    assertThat(published).singleElement().isSameAs(poller.latest());
    assertThat(gauge("gpusched.dcgm.stale")).isZero();
    assertThat(count("gpusched.dcgm.poll", "result", "ok")).isEqualTo(1.0);
    assertThat(registry.get("gpusched.gpu.observed.free.memory").tag("node", "gpu-node-b").tag("gpu", "2")
        .gauge().value()).isEqualTo(2090.0 * 1024 * 1024);
    assertThat(registry.get("gpusched.gpu.utilization").tag("gpu", "2").gauge().value()).isEqualTo(0.97);

    clock.advance(Duration.ofSeconds(12));
    assertThat(gauge("gpusched.dcgm.metrics.age")).isEqualTo(12.0);

    String text = registry.scrape();
    assertThat(text)
        .contains("gpusched_dcgm_poll_total{result=\"ok\"} 1")
        .contains("gpusched_dcgm_stale 0")
        .contains("gpusched_dcgm_metrics_age_seconds 12")
        .contains("gpusched_gpu_observed_free_memory_bytes{gpu=\"2\",node=\"gpu-node-b\"} 2.19152384E9")
        .contains("gpusched_gpu_utilization_ratio{gpu=\"2\",node=\"gpu-node-b\"} 0.97")
        .contains("gpusched_dcgm_poll_errors_total{kind=\"unreachable\"} 0");
  }

  @Test
  void failedPollKeepsTheLastTelemetryCountsAndNeverThrows() {
    server.respond(API, 200, JSON, GOOD);
    poller.pollOnce();
    GpuTelemetry good = poller.latest();

    server.respond(API, 200, JSON, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"resu");
    assertThat(poller.pollOnce()).isFalse();
    server.respond(API, 502, "text/html", "<h1>Bad Gateway</h1>");
    assertThat(poller.pollOnce()).isFalse();

    assertThat(poller.latest()).isSameAs(good);
    assertThat(published).hasSize(1);
    assertThat(poller.consecutiveFailures()).isEqualTo(2);
    assertThat(count("gpusched.dcgm.poll", "result", "error")).isEqualTo(2.0);
    assertThat(count("gpusched.dcgm.poll.errors", "kind", "malformed")).isEqualTo(1.0);
    assertThat(count("gpusched.dcgm.poll.errors", "kind", "http_status")).isEqualTo(1.0);
    assertThat(gauge("gpusched.dcgm.stale")).isZero();

    clock.advance(BOUND.plusMillis(1));
    assertThat(gauge("gpusched.dcgm.stale")).isEqualTo(1.0);
    assertThat(poller.view(clock.instant()).node("gpu-node-b")).isNull();

    server.respond(API, 200, JSON, GOOD);
    assertThat(poller.pollOnce()).isTrue();
    assertThat(poller.consecutiveFailures()).isZero();
    assertThat(gauge("gpusched.dcgm.stale")).isZero();
  }

  @Test
  void partialAnswerIsPublishedAndCounted() {
    server.respond(API, 200, JSON, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
        + "{\"metric\":{\"__name__\":\"DCGM_FI_DEV_FB_FREE\",\"Hostname\":\"gpu-node-b\",\"gpu\":\"2\"},"
        + "\"value\":[1,\"2090\"]},"
        + "{\"metric\":{\"__name__\":\"DCGM_FI_DEV_FB_FREE\",\"gpu\":\"3\"},\"value\":[1,\"1\"]}]}}");
    assertThat(poller.pollOnce()).isTrue();
    assertThat(poller.latest().gpuCount()).isEqualTo(1);
    assertThat(count("gpusched.dcgm.poll.errors", "kind", "partial")).isEqualTo(1.0);
    assertThat(gauge("gpusched.dcgm.skipped.series")).isEqualTo(1.0);
  }

  @Test
  void aFailingListenerIsCountedNotThrown() {
    DcgmPoller throwing = new DcgmPoller(
        new PrometheusDcgmClient(server.baseUrl(), Duration.ofSeconds(2), HostnameMapping.IDENTITY, clock),
        Duration.ofMillis(50), BOUND, registry, t -> {
          throw new IllegalStateException("snapshot rebuild failed");
        }, clock);
    server.respond(API, 200, JSON, GOOD);
    assertThat(throwing.pollOnce()).isTrue();
    assertThat(throwing.latest().gpuCount()).isEqualTo(1);
    assertThat(count("gpusched.dcgm.poll.errors", "kind", "listener")).isEqualTo(1.0);
  }

  @Test
  void startPollsInTheBackgroundUntilClosed() throws InterruptedException {
    server.respond(API, 200, JSON, GOOD);
    poller.start();
    Await.until("three background polls", Duration.ofSeconds(10), () -> server.requestCount(API) >= 3);
    assertThat(poller.latest().gpuCount()).isEqualTo(1);
    poller.close();
    int after = server.requestCount(API);
    // Closed: no poll starts after close() returned (a poll in flight was awaited).
    Thread.sleep(300); // six poll intervals: a poll still scheduled would show up as a request
    assertThat(server.requestCount(API)).isEqualTo(after);
  }

  @Test
  void aSourceThatThrowsUncheckedIsCountedNotThrown() {
    DcgmSource broken = new DcgmSource() {
      @Override
      public GpuTelemetry fetch() {
        throw new IllegalStateException("bug in a source");
      }

      @Override
      public String describe() {
        return "broken source";
      }
    };
    DcgmPoller p = new DcgmPoller(broken, Duration.ofMillis(50), BOUND, registry, published::add, clock);
    assertThat(p.pollOnce()).isFalse();
    assertThat(count("gpusched.dcgm.poll.errors", "kind", "internal")).isEqualTo(1.0);
    assertThat(p.latest()).isSameAs(GpuTelemetry.EMPTY);
  }
}
