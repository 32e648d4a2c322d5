package dev.gpusched.extender.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.GpuschedApp;
import dev.gpusched.extender.ha.Replicas;
import dev.gpusched.extender.http.ServerLimits;
import dev.gpusched.extender.it.Standalone;
import dev.gpusched.extender.kube.EmbeddedApiServer;
import dev.gpusched.extender.testing.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Two replicas on one API server: exactly one leads, labels its pod and binds; the other answers as a follower. */
class LeaderElectionTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private EmbeddedApiServer api;
  private Replicas replicas;

  @BeforeEach
  void start() {
    api = EmbeddedApiServer.start();
    api.client().nodes().resource(Standalone.gpuNode("node-a", 8, "NVIDIA-H100-80GB-HBM3")).create();
    api.client().namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
        .withName("ml").endMetadata().build()).create();
    replicas = new Replicas(api, ServerLimits.DEFAULT);
  }

  @AfterEach
  void stop() {
    replicas.close();
    api.close();
  }

  private static HttpResponse<String> post(GpuschedApp app, String verb, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/scheduler/" + verb))
        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(GpuschedApp app, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String id(Replicas r, GpuschedApp app) {
    for (Map.Entry<String, GpuschedApp> e : r.running().entrySet()) {
      if (e.getValue() == app) {
        return e.getKey();
      }
    }
    throw new AssertionError("not running");
  }

  @Test
  void exactlyOneLeadsAndTheFollowerAnswersAsSpecified() throws Exception {
    replicas.start("gpusched-a", true);
    replicas.start("gpusched-b", true);
    Await.until("one replica leads", Duration.ofSeconds(10), () -> replicas.leaders() == 1);
    GpuschedApp leader = replicas.leader();
    String leaderId = id(replicas, leader);
    String followerId = leaderId.equals("gpusched-a") ? "gpusched-b" : "gpusched-a";
    GpuschedApp follower = replicas.app(followerId);
    assertThat(replicas.holder()).isEqualTo(leaderId);
    Await.until("the follower has seen the leader", Duration.ofSeconds(5),
        () -> follower.leaderElection().leaderIdentity().equals(leaderId));
    Await.until("leader label", Duration.ofSeconds(5), () -> "true".equals(replicas.label(leaderId)));
    assertThat(replicas.label(followerId)).isEqualTo("false");

    // Both are ready (informers synced); only the leader reports gpusched_leader 1.
    assertThat(get(leader, "/readyz").statusCode()).isEqualTo(200);
    assertThat(get(follower, "/readyz").statusCode()).isEqualTo(200);
    assertThat(get(leader, "/metrics").body()).contains("gpusched_leader 1.0");
    assertThat(get(follower, "/metrics").body()).contains("gpusched_leader 0.0");

    var pod = Standalone.gpuPod("ml", "train-0", 2, Map.of());
    String filter = Standalone.filterBody(pod, List.of("node-a"));
    JsonNode fromFollower = Standalone.JSON.readTree(post(follower, "filter", filter).body());
    assertThat(fromFollower.path("Error").asString())
        .isEqualTo(followerId + " is not the leader (leader: " + leaderId + "); retry");
    assertThat(Standalone.JSON.readTree(post(leader, "filter", filter).body()).path("NodeNames").get(0).asString())
        .isEqualTo("node-a");

    HttpResponse<String> prioritize = post(follower, "prioritize", filter);
    assertThat(prioritize.statusCode()).isEqualTo(503);
    assertThat(prioritize.body()).contains("is not the leader");
    HttpResponse<String> preempt = post(follower, "preempt",
        "{\"Pod\":" + dev.gpusched.extender.testing.KubeJson.SERIALIZATION.asJson(pod) + ",\"NodeNameToMetaVictims\":{}}");
    assertThat(preempt.statusCode()).isEqualTo(503);

    var created = api.client().pods().inNamespace("ml").resource(pod).create();
    String bind = "{\"PodName\":\"train-0\",\"PodNamespace\":\"ml\",\"PodUID\":\"" + created.getMetadata().getUid()
        + "\",\"Node\":\"node-a\"}";
    assertThat(Standalone.JSON.readTree(post(follower, "bind", bind).body()).path("Error").asString())
        .contains("is not the leader");
    assertThat(api.client().pods().inNamespace("ml").withName("train-0").get().getSpec().getNodeName()).isNull();
    Await.until("the leader's bind succeeds", Duration.ofSeconds(10), () -> {
      try {
        return Standalone.JSON.readTree(post(leader, "bind", bind).body()).path("Error").asString().isEmpty();
      } catch (Exception e) {
        return false;
      }
    });
    assertThat(api.client().pods().inNamespace("ml").withName("train-0").get().getSpec().getNodeName()).isEqualTo("node-a");
  }

  @Test
  void whenTheLeaderCrashesTheOtherTakesOverWithinTheLeaseDuration() throws Exception {
    replicas.start("gpusched-a", false);
    Await.until("a leads", Duration.ofSeconds(10), () -> replicas.leaders() == 1);
    replicas.start("gpusched-b", false);
    Await.until("b sees a as leader", Duration.ofSeconds(5),
        () -> replicas.app("gpusched-b").leaderElection().leaderIdentity().equals("gpusched-a"));
    assertThat(replicas.app("gpusched-b").isLeader()).isFalse();

    long crashed = System.nanoTime();
    replicas.stop("gpusched-a"); // does not release the lease: b must wait for it to expire
    Await.until("b leads", Duration.ofSeconds(10), () -> replicas.app("gpusched-b").isLeader());
    long tookMillis = (System.nanoTime() - crashed) / 1_000_000;
    System.out.println("leader failover after a crash took " + tookMillis + " ms (lease " + Replicas.LEASE_DURATION.toMillis()
        + " ms)");
    // Within the lease duration plus two retry periods and the catch-up list: generous for a loaded machine.
    assertThat(tookMillis).isLessThan(Replicas.LEASE_DURATION.toMillis() * 3);
    assertThat(replicas.holder()).isEqualTo("gpusched-b");
    Await.until("b labelled leader", Duration.ofSeconds(5), () -> "true".equals(replicas.label("gpusched-b")));
    // The crashed replica's own label is left as it was; a restart sets it to false first.
    replicas.start("gpusched-a", false);
    Await.until("a labelled false on restart", Duration.ofSeconds(5), () -> "false".equals(replicas.label("gpusched-a")));
    assertThat(replicas.leaders()).isEqualTo(1);
    assertThat(replicas.app("gpusched-b").isLeader()).isTrue();
  }

  @Test
  void aGracefulStopHandsOverAtOnce() throws Exception {
    replicas.start("gpusched-a", true);
    Await.until("a leads", Duration.ofSeconds(10), () -> replicas.leaders() == 1);
    replicas.start("gpusched-b", true);
    replicas.stop("gpusched-a");
    Await.until("b leads", Duration.ofSeconds(10), () -> replicas.app("gpusched-b").isLeader());
    assertThat(replicas.label("gpusched-a")).isEqualTo("false");
  }
}
