package dev.gpusched.extender.dcgm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpusched.extender.dcgm.DcgmQueryException.Kind;
import dev.gpusched.extender.testing.FixtureHttpServer;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client against canned HTTP answers from a local server standing in for Prometheus's API. */
class PrometheusDcgmClientTest {

  private static final String API = "/api/v1/query";
  private static final String JSON = "application/json";
  private static final Instant AT = Instant.parse("2026-11-28T12:00:00Z");

  private FixtureHttpServer server;
  private PrometheusDcgmClient client;

  @BeforeEach
  void start() {
    server = FixtureHttpServer.start();
    client = new PrometheusDcgmClient(server.baseUrl() + "/", Duration.ofSeconds(2), HostnameMapping.IDENTITY,
        Clock.fixed(AT, java.time.ZoneOffset.UTC));
  }

  @AfterEach
  void stop() {
    server.stop();
  }

  @Test
  void sendsOneInstantQueryForTheFourMetrics() throws Exception {
    server.respond(API, 200, JSON, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
        + "{\"metric\":{\"__name__\":\"DCGM_FI_DEV_FB_FREE\",\"Hostname\":\"gpu-node-b\",\"gpu\":\"3\"},"
        + "\"value\":[1,\"39936\"]}]}}");
    GpuTelemetry t = client.fetch();
    assertThat(t.observedAt()).isEqualTo(AT);
    assertThat(t.node("gpu-node-b")[3].fbFreeMiB()).isEqualTo(39936);
    String query = URLDecoder.decode(server.lastQuery(API), StandardCharsets.UTF_8);
    assertThat(query).isEqualTo("query=" + DcgmMetric.SELECTOR);
  }

  @Test
  void httpErrorWithPrometheusErrorBodyShowsStatusAndError() {
    server.respond(API, 400, JSON,
        "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"invalid expression\"}");
    assertThatThrownBy(client::fetch)
        .isInstanceOfSatisfying(DcgmQueryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.HTTP_STATUS))
        .hasMessageContaining("answered HTTP 400")
        .hasMessageContaining("errorType=bad_data, error=invalid expression");
  }

  @Test
  void httpErrorWithHtmlBodyShowsTheBodyStart() {
    server.respond(API, 503, "text/html", "<h1>Service Unavailable</h1>");
    assertThatThrownBy(client::fetch)
        .hasMessageContaining("HTTP 503").hasMessageContaining("Service Unavailable");
  }

  @Test
  void statusErrorWith200IsAPrometheusError() {
    server.respond(API, 200, JSON, "{\"status\":\"error\",\"errorType\":\"timeout\",\"error\":\"query timed out\"}");
    assertThatThrownBy(client::fetch)
        .isInstanceOfSatisfying(DcgmQueryException.class,
            e -> assertThat(e.kind()).isEqualTo(Kind.PROMETHEUS_ERROR))
        .hasMessageContaining("Prometheus at " + server.baseUrl())
        .hasMessageContaining("errorType=timeout");
  }

  @Test
  void nonJsonBodyIsMalformed() {
    server.respond(API, 200, "text/plain", "DCGM_FI_DEV_FB_FREE{gpu=\"0\"} 1\n");
    assertThatThrownBy(client::fetch)
        .isInstanceOfSatisfying(DcgmQueryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.MALFORMED))
        .hasMessageContaining("not JSON");
  }

  @Test
  void stoppedServerIsUnreachable() {
    server.stop();
    assertThatThrownBy(client::fetch)
        .isInstanceOfSatisfying(DcgmQueryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNREACHABLE))
        .hasMessageContaining("is unreachable");
  }

  @Test
  void badUrlsAreRejectedUpFront() {
    assertThatThrownBy(() -> new PrometheusDcgmClient("prometheus:9090", Duration.ofSeconds(1),
        HostnameMapping.IDENTITY, Clock.systemUTC()))
        .hasMessageContaining("absolute http(s) URL");
    assertThatThrownBy(() -> new PrometheusDcgmClient(" ", Duration.ofSeconds(1), HostnameMapping.IDENTITY,
        Clock.systemUTC()))
        .hasMessageContaining("empty");
  }
}
