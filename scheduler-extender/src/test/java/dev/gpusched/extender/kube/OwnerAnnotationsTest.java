package dev.gpusched.extender.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpusched.extender.it.Standalone;
import dev.gpusched.extender.testing.Await;
import dev.gpusched.extender.testing.MockApiServers;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The owning MLService is read from the configured resource (any group and version kro serves it in) and found through
 * the pod's {@code gpusched.dev/mlservice} label, or through the labels kro puts on objects it creates itself.
 */
class OwnerAnnotationsTest {
  private KubernetesMockServer server;
  private KubernetesClient client;

  @BeforeEach
  void start() {
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    client = server.createClient();
  }

  @AfterEach
  void stop() {
    client.close();
    MockApiServers.stop(server);
  }

  private void createMlService(OwnerAnnotations.Resource resource, String namespace, String name, Map<String, String> annotations) {
    client.genericKubernetesResources(resource.context()).inNamespace(namespace).resource(new GenericKubernetesResourceBuilder()
        .withApiVersion(resource.group() + "/" + resource.version()).withKind("MLService")
        .withNewMetadata().withName(name).withNamespace(namespace).withAnnotations(annotations).endMetadata()
        .build()).create();
  }

  private static Pod pod(String namespace, Map<String, String> labels) {
    Pod p = Standalone.gpuPod(namespace, "worker-0", 1, Map.of());
    p.getMetadata().setLabels(labels);
    return p;
  }

  @Test
  void theResourceIsWrittenAsKubectlNamesIt() {
    assertThat(OwnerAnnotations.Resource.parse("mlservices.v1alpha1.kro.run")).isEqualTo(OwnerAnnotations.Resource.DEFAULT);
    OwnerAnnotations.Resource own = OwnerAnnotations.Resource.parse("mlservices.v1beta2.ml.example.com");
    assertThat(own).isEqualTo(new OwnerAnnotations.Resource("mlservices", "v1beta2", "ml.example.com"));
    assertThat(own.toString()).isEqualTo("mlservices.v1beta2.ml.example.com");
    assertThat(own.context().getKind()).isEqualTo("MLService");
    for (String bad : new String[] {"mlservices", "mlservices.kro.run", "MLServices.v1alpha1.kro.run", "mlservices.1.kro.run",
        "mlservices.v1alpha1.kro..run", ""}) {
      assertThatThrownBy(() -> OwnerAnnotations.Resource.parse(bad)).as(bad)
          .hasMessageContaining("is not plural.version.group")
          .hasMessageContaining("e.g. mlservices.v1alpha1.kro.run");
    }
  }

  @Test
  void theOwnerIsReadFromTheConfiguredGroupAndFoundByTheRgdsLabel() {
    OwnerAnnotations.Resource own = OwnerAnnotations.Resource.parse("mlservices.v1alpha1.gpusched.dev");
    createMlService(own, "ml", "llm", Map.of("gpusched.dev/intra-node", "nvlink"));
    createMlService(OwnerAnnotations.Resource.DEFAULT, "ml", "llm", Map.of("gpusched.dev/intra-node", "any"));
    try (OwnerAnnotations owners = OwnerAnnotations.start(client, own, 10_000)) {
      Await.until("the informer lists the MLService", Duration.ofSeconds(10),
          () -> !owners.of(pod("ml", Map.of("gpusched.dev/mlservice", "llm"))).isEmpty());
      assertThat(owners.of(pod("ml", Map.of("gpusched.dev/mlservice", "llm"))))
          .containsEntry("gpusched.dev/intra-node", "nvlink"); // the configured group's object, not kro.run's
      assertThat(owners.of(pod("other", Map.of("gpusched.dev/mlservice", "llm")))).isEmpty(); // owner in the pod's namespace
      assertThat(owners.of(pod("ml", Map.of("gpusched.dev/mlservice", "nope")))).isEmpty();
      assertThat(owners.of(pod("ml", Map.of()))).isEmpty();
      // Objects kro creates itself (a forEach of Pods) carry kro's own labels.
      assertThat(owners.of(pod("default", Map.of("kro.run/instance-name", "llm", "kro.run/instance-namespace", "ml"))))
          .containsEntry("gpusched.dev/intra-node", "nvlink");
      assertThat(owners.of(pod("ml", Map.of("kro.run/instance-name", "llm", "kro.run/instance-kind", "Notebook")))).isEmpty();
    }
  }
}
