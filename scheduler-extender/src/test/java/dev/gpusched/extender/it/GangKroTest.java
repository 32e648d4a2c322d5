package dev.gpusched.extender.it;

import static dev.gpusched.extender.it.GangFixtures.await;
import static dev.gpusched.extender.it.GangFixtures.check;
import static dev.gpusched.extender.it.GangFixtures.filter;
import static dev.gpusched.extender.it.GangFixtures.gangs;
import static dev.gpusched.extender.it.GangFixtures.node;
import static dev.gpusched.extender.it.GangFixtures.passed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.kube.OwnerAnnotations;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The kro form: a gang named and sized by kro's labels, asked for by the owning MLService or by the pod. */
class GangKroTest {
  private static final List<String> NODES = List.of("node-0", "node-1", "node-2");
  private Standalone gpusched;

  @BeforeEach
  void start() throws Exception {
    gpusched = Standalone.start(List.of(node("node-0", "leaf-a"), node("node-1", "leaf-b"), node("node-2", "leaf-b")));
  }

  @AfterEach
  void stop() {
    gpusched.close();
  }

  private static Pod kroPod(String name, String instance, Map<String, String> annotations) {
    Pod p = Standalone.gpuPod("ml", name, 8, annotations);
    p.getMetadata().setLabels(Map.of("kro.run/instance-name", instance, "kro.run/instance-kind", "MLService",
        "kro.run/collection-size", "2"));
    return p;
  }

  @Test
  void theOwningMlServiceAsksForTheGangAndGivesItsPolicy() throws Exception {
    GenericKubernetesResource svc = new GenericKubernetesResourceBuilder()
        .withApiVersion("kro.run/v1alpha1").withKind("MLService")
        .withNewMetadata().withName("trainer").withNamespace("ml")
        .withAnnotations(Map.of("gpusched.dev/gang", "true", "gpusched.dev/inter-node", "same-leaf")).endMetadata()
        .build();
    gpusched.client.genericKubernetesResources(OwnerAnnotations.Resource.DEFAULT.context()).inNamespace("ml").resource(svc).create();
    Pod w0 = gpusched.create(kroPod("trainer-0", "trainer", Map.of()));
    Pod w1 = gpusched.create(kroPod("trainer-1", "trainer", Map.of()));
    // Until gpusched's MLService informer has the owner, the pod is no gang member and passes every node.
    await("owner seen: the pod is placed as a gang member", check(() -> passed(filter(gpusched, w0, NODES)).size() == 1));
    Set<String> used = new HashSet<>(passed(filter(gpusched, w0, NODES)));
    used.addAll(passed(filter(gpusched, w1, NODES)));
    assertThat(used).containsExactlyInAnyOrder("node-1", "node-2"); // both in leaf-b, as the MLService asks
    assertThat(gangs(gpusched).path("reserved").get(0).path("gang").asString()).isEqualTo("ml/trainer");
    assertThat(gangs(gpusched).path("reserved").get(0).path("interNode").asString()).isEqualTo("same-leaf");
  }

  @Test
  void thePodAsksForTheKroFormItself() throws Exception {
    Pod w0 = gpusched.create(kroPod("solo-0", "solo", Map.of("gpusched.dev/gang-from-kro", "true")));
    assertThat(passed(filter(gpusched, w0, NODES))).hasSize(1);
    assertThat(gangs(gpusched).path("reserved").get(0).path("gang").asString()).isEqualTo("ml/solo");
    assertThat(gangs(gpusched).path("reserved").get(0).path("size").intValue()).isEqualTo(2);
    Pod broken = Standalone.gpuPod("ml", "broken", 8, Map.of("gpusched.dev/gang-from-kro", "true"));
    String reason = filter(gpusched, gpusched.create(broken), NODES).path("FailedNodes").path("node-0").asString();
    assertThat(reason).contains("kro.run/instance-name");
  }
}
