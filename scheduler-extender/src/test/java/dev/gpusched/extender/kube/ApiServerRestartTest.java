package dev.gpusched.extender.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.GpuschedApp;
import dev.gpusched.extender.cycle.FilterAnswer;
import dev.gpusched.extender.it.Standalone;
import dev.gpusched.extender.testing.Await;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The API server goes away and comes back (a new one on the same port, the same objects plus one node): /readyz turns
 * false and filter answers an Error while the watch is lost, and after the relist gpusched is ready again with the new
 * server's objects. No decision is made on a half-synced cache.
 */
class ApiServerRestartTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static KubernetesMockServer apiServer(int port) {
    KubernetesMockServer server =
        new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
    server.init(InetAddress.getLoopbackAddress(), port);
    return server;
  }

  private static void seed(KubernetesClient admin, boolean withExtraNode) {
    admin.nodes().resource(Standalone.gpuNode("node-a", 8, "NVIDIA-H100-80GB-HBM3")).create();
    var held = Standalone.gpuPod("ml", "held", 2, Map.of("gpusched.dev/gpu-ids", "0,1"));
    held.getSpec().setNodeName("node-a");
    admin.pods().inNamespace("ml").resource(held).create();
    if (withExtraNode) {
      admin.nodes().resource(Standalone.gpuNode("node-b", 4, "NVIDIA-H100-80GB-HBM3")).create();
    }
  }

  private static HttpResponse<String> call(int port, String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
    b = body == null ? b.GET() : b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void readinessAndDecisionsFollowTheWatch() throws Exception {
    KubernetesMockServer first = apiServer(0);
    int apiPort = first.getPort();
    KubernetesClient admin = first.createClient();
    seed(admin, false);
    admin.close();
    KubernetesClient client = first.createClient();
    GpuschedApp app = GpuschedApp.start(GpuschedApp.Options.loopback(0).withFilterAnswer(FilterAnswer.ALL_FITTING),
        KubeEdge.of(client)); // every fitting node answered: the relisted one is seen in the answer
    KubernetesMockServer second = null;
    try {
      app.awaitReady(30_000);
      String filter = Standalone.filterBody(Standalone.gpuPod("ml", "p", 1, Map.of()), List.of("node-a", "node-b"));
      assertThat(call(app.port(), "POST", "/scheduler/filter", filter).body()).contains("\"NodeNames\":[\"node-a\"]");

      first.destroy();
      Await.until("/readyz turns 503 after the API server went away", Duration.ofSeconds(20), () -> {
        try {
          return call(app.port(), "GET", "/readyz", null).statusCode() == 503;
        } catch (Exception e) {
          return false;
        }
      });
      // The watch monitor marks the cache unsynced within a poll; from then on filter decides nothing.
      Await.until("filter refuses to decide", Duration.ofSeconds(5), () -> {
        try {
          return call(app.port(), "POST", "/scheduler/filter", filter).body().contains("has not synced");
        } catch (Exception e) {
          return false;
        }
      });
      assertThat(call(app.port(), "POST", "/scheduler/filter", filter).body()).contains("\"NodeNames\":null");
      assertThat(call(app.port(), "POST", "/scheduler/prioritize", filter).statusCode()).isEqualTo(503);
      assertThat(call(app.port(), "GET", "/healthz", null).statusCode()).isEqualTo(200);

      second = apiServer(apiPort);
      KubernetesClient admin2 = second.createClient();
      seed(admin2, true);
      admin2.close();
      Await.until("/readyz 200 after the relist", Duration.ofSeconds(30), () -> {
        try {
          return call(app.port(), "GET", "/readyz", null).statusCode() == 200;
        } catch (Exception e) {
          return false;
        }
      });
      Await.until("the relisted node is known", Duration.ofSeconds(10), () -> {
        try {
          return call(app.port(), "POST", "/scheduler/filter", filter).body().contains("\"NodeNames\":[\"node-a\",\"node-b\"]");
        } catch (Exception e) {
          return false;
        }
      });
      assertThat(app.source().resyncs()).isGreaterThanOrEqualTo(1);
      // The pod held on node-a is in the ledger again: 6 of 8 GPUs free.
      assertThat(call(app.port(), "GET", "/inspect/node-a", null).body()).contains("held");
    } finally {
      app.close();
      client.close();
      if (second != null) {
        second.destroy();
      }
    }
  }
}
