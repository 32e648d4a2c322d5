package dev.gpusched.extender.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpusched.extender.testing.Await;
import dev.gpusched.extender.testing.KubeApiServer;
import dev.gpusched.extender.testing.RequiresTool;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A bind is one write: {@link KubernetesClusterWriter}'s Binding carries the pod's UID and {@code gpusched.dev/gpu-ids},
 * and the API server sets the node, merges the annotation and marks the pod scheduled in one update, or refuses it and
 * changes nothing. The same rules hold against a real kube-apiserver (v1.24, the harness's) and against the embedded
 * API server of standalone mode and the tests ({@link BindingDispatcher}).
 */
class KubernetesBindTest {
  private static final String NS = "ml";

  /** The rules, over the client of one API server. */
  abstract static class Rules {
    abstract KubernetesClient client();

    private int pods;

    private Pod pod(Map<String, String> annotations) {
      String name = "p" + ++pods;
      return client().pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName(name).withNamespace(NS)
          .withAnnotations(annotations).endMetadata().withNewSpec().addNewContainer().withName("main").withImage("x")
          .endContainer().endSpec().build()).create();
    }

    private Pod live(Pod pod) {
      return client().pods().inNamespace(NS).withName(pod.getMetadata().getName()).get();
    }

    private void bind(Pod pod, String uid, String node, String gpuIds) {
      new KubernetesClusterWriter(client()).bind(NS, pod.getMetadata().getName(), uid, node, gpuIds);
    }

    private static String scheduled(Pod pod) {
      return pod.getStatus() == null || pod.getStatus().getConditions() == null ? null
          : pod.getStatus().getConditions().stream().filter(c -> "PodScheduled".equals(c.getType()))
              .map(PodCondition::getStatus).findFirst().orElse(null);
    }

    @Test
    void oneUpdateSetsTheNodeTheGpuIdsAndPodScheduled() throws Exception {
      Pod pod = pod(Map.of("team", "vision"));
      List<Pod> updates = new CopyOnWriteArrayList<>();
      try (Watch ignored = client().pods().inNamespace(NS).withName(pod.getMetadata().getName())
          .watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod p) {
              if (action == Action.MODIFIED) {
                updates.add(p);
              }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
          })) {
        bind(pod, pod.getMetadata().getUid(), "node-a", "2,3");
        Await.until("the bound pod's update", Duration.ofSeconds(10), () -> !updates.isEmpty());
        Thread.sleep(300); // a second update, were there one, arrives by now
      }
      assertThat(updates).as("pod updates seen by a watch").hasSize(1);
      Pod bound = updates.get(0);
      assertThat(bound.getSpec().getNodeName()).isEqualTo("node-a");
      assertThat(bound.getMetadata().getAnnotations()).containsEntry("gpusched.dev/gpu-ids", "2,3")
          .containsEntry("team", "vision");
      assertThat(scheduled(bound)).isEqualTo("True");
      assertThat(live(pod).getMetadata().getResourceVersion()).isEqualTo(bound.getMetadata().getResourceVersion());
    }

    @Test
    void aBindingWithAnotherPodsUidIsRefusedAndChangesNothing() {
      Pod pod = pod(Map.of());
      assertThatThrownBy(() -> bind(pod, "uid-of-a-pod-deleted-since", "node-a", "0"))
          .isInstanceOf(KubernetesClientException.class)
          .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(409))
          .hasMessageContaining("UID");
      Pod after = live(pod);
      assertThat(after.getSpec().getNodeName()).isNull();
      assertThat(after.getMetadata().getAnnotations()).doesNotContainKey("gpusched.dev/gpu-ids");
      assertThat(after.getMetadata().getResourceVersion()).isEqualTo(pod.getMetadata().getResourceVersion());
    }

    @Test
    void aBoundPodIsNotBoundAgainNorItsGpuIdsOverwritten() {
      Pod pod = pod(Map.of());
      bind(pod, pod.getMetadata().getUid(), "node-a", "0,1");
      assertThatThrownBy(() -> bind(pod, pod.getMetadata().getUid(), "node-b", "4,5"))
          .isInstanceOf(KubernetesClientException.class)
          .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(409))
          .hasMessageContaining("already assigned to node \"node-a\"");
      Pod after = live(pod);
      assertThat(after.getSpec().getNodeName()).isEqualTo("node-a");
      assertThat(after.getMetadata().getAnnotations()).containsEntry("gpusched.dev/gpu-ids", "0,1");
    }

    @Test
    void aPodWithoutGpusIsBoundWithoutTheAnnotation() {
      Pod pod = pod(Map.of("team", "vision"));
      bind(pod, pod.getMetadata().getUid(), "node-a", "");
      Pod after = live(pod);
      assertThat(after.getSpec().getNodeName()).isEqualTo("node-a");
      assertThat(after.getMetadata().getAnnotations()).containsOnlyKeys("team");
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  @RequiresTool({"kube-apiserver", "etcd"})
  class AgainstKubeApiServer extends Rules {
    private KubeApiServer server;
    private KubernetesClient client;

    @BeforeAll
    void start() {
      server = KubeApiServer.start();
      client = server.client();
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
      // no controller-manager: nobody creates the ServiceAccount pod admission asks for
      client.serviceAccounts().inNamespace(NS)
          .resource(new ServiceAccountBuilder().withNewMetadata().withName("default").endMetadata().build()).create();
    }

    @AfterAll
    void stop() {
      client.close();
      server.close();
    }

    @Override
    KubernetesClient client() {
      return client;
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class AgainstEmbeddedApiServer extends Rules {
    private EmbeddedApiServer server;

    @BeforeAll
    void start() {
      server = EmbeddedApiServer.start();
      server.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
          .create();
    }

    @AfterAll
    void stop() {
      server.close();
    }

    @Override
    KubernetesClient client() {
      return server.client();
    }
  }
}
