package dev.gpusched.extender.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.gang.GangDisruptions;
import dev.gpusched.extender.gang.PodRef;
import dev.gpusched.extender.testing.KubeApiServer;
import dev.gpusched.extender.testing.RequiresTool;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The eviction port against a real kube-apiserver, which checks PodDisruptionBudgets on the eviction subresource (the
 * mock API server does not): a budget that allows no disruption refuses with 429 and its own words, a dry run changes
 * nothing, a re-created pod is not evicted, and the API server accepts the events gpusched writes. No controllers
 * run, so the budget's status is set here as the disruption controller would set it.
 */
@RequiresTool({"kube-apiserver", "etcd"})
class KubernetesGangDisruptionsTest {
  private static KubeApiServer server;
  private static KubernetesClient client;
  private static GangDisruptions port;

  @BeforeAll
  static void start() {
    server = KubeApiServer.start();
    client = server.client();
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("ml").endMetadata().build()).create();
    // no controller-manager: the default ServiceAccount pods are admitted with is created by hand
    client.serviceAccounts().inNamespace("ml").resource(new ServiceAccountBuilder().withNewMetadata().withName("default")
        .endMetadata().build()).create();
    port = new KubernetesGangDisruptions(client, "gpusched-test");
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  /** A running, ready pod labelled app={@code app} (a Pending or unready pod is evicted without a budget check). */
  private static PodRef running(String name, String app) {
    Pod created = client.pods().inNamespace("ml").resource(new PodBuilder().withNewMetadata().withName(name)
        .withLabels(Map.of("app", app)).endMetadata().withNewSpec().addNewContainer().withName("main").withImage("cuda")
        .endContainer().endSpec().build()).create();
    created.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Running")
        .addNewCondition().withType("Ready").withStatus("True").endCondition().build());
    client.pods().inNamespace("ml").resource(created).updateStatus();
    return PodRef.of(created);
  }

  /** A budget over app={@code app} whose status allows {@code allowed} disruptions, as the disruption controller says. */
  private static void budget(String app, int allowed) {
    var pdbs = client.policy().v1().podDisruptionBudget().inNamespace("ml");
    PodDisruptionBudget pdb = pdbs.withName(app + "-pdb").get();
    if (pdb == null) {
      pdb = pdbs.resource(new PodDisruptionBudgetBuilder().withNewMetadata().withName(app + "-pdb").endMetadata()
          .withNewSpec().withMinAvailable(new IntOrString(1)).withNewSelector().withMatchLabels(Map.of("app", app))
          .endSelector().endSpec().build()).create();
    }
    pdb.setStatus(new io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatusBuilder()
        .withObservedGeneration(pdb.getMetadata().getGeneration()).withDisruptionsAllowed(allowed)
        .withCurrentHealthy(1 + allowed).withDesiredHealthy(1).withExpectedPods(1 + allowed).build());
    pdbs.resource(pdb).updateStatus();
  }

  private static Pod live(PodRef ref) {
    return client.pods().inNamespace(ref.namespace()).withName(ref.name()).get();
  }

  @Test
  void aBudgetAllowingNoDisruptionRefusesWithItsWordsAndADryRunChangesNothing() {
    PodRef lg = running("lg-1", "lg");
    budget("lg", 0);

    GangDisruptions.Eviction dry = port.evict(lg, true);
    assertThat(dry.outcome()).isEqualTo(GangDisruptions.Outcome.REFUSED);
    assertThat(dry.message()).isEqualTo("Cannot evict pod as it would violate the pod's disruption budget. "
        + "The disruption budget lg-pdb needs 1 healthy pods and has 1 currently");
    assertThat(port.evict(lg, false).outcome()).isEqualTo(GangDisruptions.Outcome.REFUSED);
    assertThat(live(lg).getMetadata().getDeletionTimestamp()).isNull();

    budget("lg", 1);
    assertThat(port.evict(lg, true)).isEqualTo(GangDisruptions.Eviction.EVICTED);
    assertThat(live(lg).getMetadata().getDeletionTimestamp()).as("a dry run evicts nothing").isNull();
    assertThat(port.evict(lg, false)).isEqualTo(GangDisruptions.Eviction.EVICTED);
    Pod after = live(lg);
    assertThat(after == null || after.getMetadata().getDeletionTimestamp() != null).as("evicted").isTrue();
  }

  @Test
  void aPodReCreatedUnderTheSameNameIsNotEvictedAndAMissingOneIsGone() {
    PodRef first = running("re", "re");
    PodRef stale = new PodRef(first.namespace(), first.name(), "00000000-0000-0000-0000-000000000000");

    assertThat(port.evict(stale, false)).isEqualTo(GangDisruptions.Eviction.GONE);
    assertThat(live(first).getMetadata().getDeletionTimestamp()).isNull();
    assertThat(port.evict(new PodRef("ml", "never-was", "x"), true)).isEqualTo(GangDisruptions.Eviction.GONE);
  }

  @Test
  void theApiServerAcceptsGpuschedsEvents() {
    PodRef pod = running("told", "told");

    port.event(pod, "Normal", "GangPreempted", "gang ml/lg is evicted whole: the preemption by pod ml/big on node p1 "
        + "takes one of its members");

    Event e = client.v1().events().inNamespace("ml").list().getItems().stream()
        .filter(x -> "told".equals(x.getInvolvedObject().getName())).findFirst().orElseThrow();
    assertThat(e.getReason()).isEqualTo("GangPreempted");
    assertThat(e.getSource().getComponent()).isEqualTo("gpusched");
    assertThat(e.getInvolvedObject().getUid()).isEqualTo(pod.uid());
  }
}
