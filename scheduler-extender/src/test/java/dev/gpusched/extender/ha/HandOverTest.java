package dev.gpusched.extender.ha;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.GpuschedApp;
import dev.gpusched.extender.http.ServerLimits;
import dev.gpusched.extender.it.Standalone;
import dev.gpusched.extender.kube.EmbeddedApiServer;
import dev.gpusched.extender.testing.Await;
import dev.gpusched.extender.testing.RawHttp;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A hand-over where the old leader stays up: kube-scheduler keeps its connection to the Service open, and that
 * connection stays with the pod it was opened to. The old leader closes it, so the scheduler's next call opens a new
 * connection, which the Service sends to the new leader; a call that reaches a follower anyway is answered with
 * {@code Connection: close}.
 */
class HandOverTest {
  private EmbeddedApiServer api;
  private Replicas replicas;
  private byte[] filter;

  @BeforeEach
  void start() {
    api = EmbeddedApiServer.start();
    api.client().nodes().resource(Standalone.gpuNode("node-a", 8, "NVIDIA-H100-80GB-HBM3")).create();
    replicas = new Replicas(api, ServerLimits.DEFAULT);
    filter = RawHttp.request("POST", "/scheduler/filter", "application/json",
        Standalone.filterBody(Standalone.gpuPod("ml", "train-0", 2, Map.of()), List.of("node-a"))
            .getBytes(StandardCharsets.UTF_8));
  }

  @AfterEach
  void stop() {
    replicas.close();
    api.close();
  }

  /** The port of the replica the Service selects now: the leader's (none: a port nothing listens on). */
  private int leaderPort() {
    GpuschedApp leader = replicas.leader();
    return leader == null ? 1 : leader.port();
  }

  @Test
  void aKeptConnectionIsClosedByTheOldLeaderAndTheNextCallReachesTheNewLeader() throws Exception {
    GpuschedApp a = replicas.start("gpusched-a", true);
    Await.until("a leads", Duration.ofSeconds(10), a::isLeader);
    GpuschedApp b = replicas.start("gpusched-b", true);
    try (ServiceProxy service = new ServiceProxy(this::leaderPort);
        RawHttp scheduler = new RawHttp(service.port())) {
      String first = scheduler.send(filter).readResponse(10_000);
      assertThat(RawHttp.statusLine(first)).isEqualTo("HTTP/1.1 200 OK");
      assertThat(RawHttp.body(first)).contains("\"NodeNames\":[\"node-a\"]");
      assertThat(first).doesNotContainIgnoringCase("connection: close");
      assertThat(service.routed()).containsExactly(a.port());

      // a steps down and stays up (its HTTP server keeps running); b takes the lease.
      a.leaderElection().close();
      Await.until("b leads", Duration.ofSeconds(10), b::isLeader);

      // The connection kube-scheduler kept open to a is closed by a.
      assertThat(scheduler.closedWithin(5_000)).as("a closes the kept-alive connection once it no longer leads").isTrue();
      // The scheduler's next call opens a new connection through the Service: it reaches b, which decides.
      try (RawHttp next = new RawHttp(service.port())) {
        String answer = next.send(filter).readResponse(10_000);
        assertThat(RawHttp.statusLine(answer)).isEqualTo("HTTP/1.1 200 OK");
        assertThat(RawHttp.body(answer)).contains("\"NodeNames\":[\"node-a\"]").doesNotContain("not the leader");
      }
      assertThat(service.routed()).containsExactly(a.port(), b.port());
    }
  }

  @Test
  void aFollowerAnswersWithConnectionCloseAndClosesTheConnection() throws Exception {
    GpuschedApp a = replicas.start("gpusched-a", true);
    Await.until("a leads", Duration.ofSeconds(10), a::isLeader);
    GpuschedApp b = replicas.start("gpusched-b", true);
    Await.until("b has seen a lead", Duration.ofSeconds(5),
        () -> b.leaderElection().leaderIdentity().equals("gpusched-a"));
    // A connection straight to the follower (the Service's endpoints had not caught up with the label yet).
    for (String verb : List.of("filter", "prioritize")) {
      try (RawHttp stale = new RawHttp(b.port())) {
        byte[] request = RawHttp.request("POST", "/scheduler/" + verb, "application/json",
            Standalone.filterBody(Standalone.gpuPod("ml", "train-0", 2, Map.of()), List.of("node-a"))
                .getBytes(StandardCharsets.UTF_8));
        String answer = stale.send(request).readResponse(10_000);
        assertThat(answer).as(verb).containsIgnoringCase("connection: close");
        assertThat(RawHttp.body(answer)).as(verb).contains("gpusched-b is not the leader (leader: gpusched-a); retry");
        assertThat(stale.closedWithin(5_000)).as(verb + ": the follower closes the connection after its answer").isTrue();
      }
    }
    // A client that would rather speak HTTP/2 (Java's asks for an h2c upgrade) gets HTTP/1.1, so Connection: close
    // ends its connections too, and it opens a new one for each call without any call failing.
    java.net.http.HttpClient h2 = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_2).build();
    for (int i = 0; i < 20; i++) {
      java.net.http.HttpResponse<String> answer = h2.send(java.net.http.HttpRequest.newBuilder(
              java.net.URI.create("http://127.0.0.1:" + b.port() + "/scheduler/filter"))
          .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
          .POST(java.net.http.HttpRequest.BodyPublishers.ofString(Standalone.filterBody(
              Standalone.gpuPod("ml", "train-0", 2, Map.of()), List.of("node-a")))).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.body()).contains("gpusched-b is not the leader");
      assertThat(answer.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_1_1);
      assertThat(answer.headers().firstValue("connection")).contains("close");
    }
    // The leader keeps its connections: two calls on one connection.
    try (RawHttp kept = new RawHttp(a.port())) {
      for (int i = 0; i < 2; i++) {
        String answer = kept.send(filter).readResponse(10_000);
        assertThat(RawHttp.body(answer)).contains("\"NodeNames\":[\"node-a\"]");
        assertThat(answer).doesNotContainIgnoringCase("connection: close");
      }
    }
  }
}
