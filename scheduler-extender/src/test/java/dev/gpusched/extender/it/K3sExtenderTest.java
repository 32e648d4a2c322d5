package dev.gpusched.extender.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.GpuschedApp;
import dev.gpusched.extender.kube.KubeEdge;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Against a real API server (K3s) where Docker exists; skipped cleanly without a Docker engine. The same behaviours
 * (informer sync, ledger, bind with a real Binding) are covered here without Docker by BindAndLedgerTest on the mock.
 */
@Testcontainers(disabledWithoutDocker = true)
class K3sExtenderTest {
  @Container
  static final K3sContainer K3S = new K3sContainer(DockerImageName.parse("rancher/k3s:v1.31.4-k3s1"));

  @Test
  void bindsThroughTheRealBindingSubresource() throws Exception {
    Config config = Config.fromKubeconfig(K3S.getKubeConfigYaml());
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
      String node = client.nodes().list().getItems().get(0).getMetadata().getName();
      Pod pod = client.pods().inNamespace("default").resource(new PodBuilder()
          .withNewMetadata().withName("plain").endMetadata()
          .withNewSpec().withSchedulerName("gpusched").addNewContainer().withName("c").withImage("pause").endContainer()
          .endSpec().build()).create();
      try (GpuschedApp app = GpuschedApp.start(GpuschedApp.Options.loopback(0), KubeEdge.of(client))) {
        app.awaitReady(60_000);
        String body = "{\"PodName\":\"plain\",\"PodNamespace\":\"default\",\"PodUID\":\"" + pod.getMetadata().getUid()
            + "\",\"Node\":\"" + node + "\"}";
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + app.port() + "/scheduler/bind")).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.body()).isEqualTo("{\"Error\":\"\"}");
        assertThat(client.pods().inNamespace("default").withName("plain").get().getSpec().getNodeName()).isEqualTo(node);
      }
    }
  }
}
