package dev.gpusched.extender.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.it.Standalone;
import dev.gpusched.extender.testing.RawHttp;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Request limits: a body that does not arrive in time gets 408 and the connection closes; headers over the limit are
 * refused with 431; connections beyond the limit get 503; and other clients keep being served meanwhile.
 */
class RequestLimitsTest {
  private static final int MAX_CONNECTIONS = 6;
  private static Standalone gpusched;

  @BeforeAll
  static void start() throws Exception {
    List<HasMetadata> objects = new ArrayList<>();
    objects.add(Standalone.gpuNode("node-a", 8, "NVIDIA-H100-80GB-HBM3"));
    gpusched = Standalone.start(objects, new ServerLimits(64 * 1024, 8 * 1024, 30, MAX_CONNECTIONS, 2));
  }

  @AfterAll
  static void stop() {
    gpusched.close();
  }

  private static String filterBody() {
    return Standalone.filterBody(Standalone.gpuPod("ml", "p", 1, Map.of()), List.of("node-a"));
  }

  private static String request(String body) {
    return new String(RawHttp.request("POST", "/scheduler/filter", "application/json",
        body.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
  }

  @Test
  void slowBodyGets408AndTheConnectionCloses() throws Exception {
    String full = request(filterBody());
    try (RawHttp slow = new RawHttp(gpusched.app.port())) {
      slow.send(full.substring(0, full.length() - 20)); // headers and most of the body; the rest never comes
      // Meanwhile another client is served.
      assertThat(gpusched.post("/scheduler/filter", filterBody()).statusCode()).isEqualTo(200);
      String answer = slow.readUntilClosed(10_000);
      assertThat(RawHttp.statusLine(answer)).isEqualTo("HTTP/1.1 408 Request Timeout");
      assertThat(RawHttp.body(answer)).contains("\"Error\":\"request body did not arrive within 2 s");
      assertThat(slow.closedWithin(2_000)).isTrue();
    }
  }

  @Test
  void anAnsweredRequestNoLongerHoldsItsBodyDeadline() throws Exception {
    ConnectionGuard guard = gpusched.app.server().guard();
    for (int i = 0; i < 50; i++) {
      assertThat(gpusched.post("/scheduler/filter", filterBody()).statusCode()).isEqualTo(200);
    }
    // The deadline is 2 s; answered requests must have disarmed theirs (an armed timer holds the request and its body).
    dev.gpusched.extender.testing.Await.until("body deadlines of answered requests disarmed",
        java.time.Duration.ofMillis(1_000), () -> guard.armedDeadlines() == 0);
    assertThat(guard.armedDeadlines()).isZero();
  }

  @Test
  void aHeaderDribblerDoesNotHoldUpOthers() throws Exception {
    try (RawHttp slow = new RawHttp(gpusched.app.port())) {
      slow.send("POST /scheduler/filter HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      for (int i = 0; i < 5; i++) {
        slow.send("X-Slow-" + i + ": a\r\n");
        assertThat(gpusched.post("/scheduler/filter", filterBody()).statusCode()).isEqualTo(200);
      }
    }
  }

  @Test
  void oversizedHeadersAreRefused() throws Exception {
    try (RawHttp big = new RawHttp(gpusched.app.port())) {
      big.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "a".repeat(16 * 1024) + "\r\n\r\n");
      String answer = big.readUntilClosed(5_000);
      assertThat(RawHttp.statusLine(answer)).startsWith("HTTP/1.1 431");
    }
  }

  @Test
  void connectionsBeyondTheLimitGet503() throws Exception {
    List<RawHttp> held = new ArrayList<>();
    try {
      // Hold MAX_CONNECTIONS connections open, each kept alive after its answer: idle, they stay open for the 30 s idle
      // timeout (held mid-body instead, they would be cut after the 2 s body deadline, and a slow machine could miss it).
      String full = request(filterBody());
      for (int i = 0; i < MAX_CONNECTIONS; i++) {
        RawHttp c = new RawHttp(gpusched.app.port());
        held.add(c);
        c.send(full).readResponse(10_000);
      }
      try (RawHttp extra = new RawHttp(gpusched.app.port())) {
        extra.send(request(filterBody()));
        String answer = extra.readUntilClosed(5_000);
        assertThat(RawHttp.statusLine(answer)).isEqualTo("HTTP/1.1 503 Service Unavailable");
        assertThat(RawHttp.body(answer)).contains("--max-connections");
      }
      assertThat(gpusched.app.server().guard().refusedConnections()).isGreaterThanOrEqualTo(1);
    } finally {
      for (RawHttp c : held) {
        c.close();
      }
    }
    // Once they are gone, new connections are served again.
    dev.gpusched.extender.testing.Await.until("served again", java.time.Duration.ofSeconds(10), () -> {
      try {
        return gpusched.post("/scheduler/filter", filterBody()).statusCode() == 200;
      } catch (Exception e) {
        return false;
      }
    });
  }
}
