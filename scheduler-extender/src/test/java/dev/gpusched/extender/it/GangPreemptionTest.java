package dev.gpusched.extender.it;

import static dev.gpusched.extender.it.GangFixtures.bindAsync;
import static dev.gpusched.extender.it.GangFixtures.filter;
import static dev.gpusched.extender.it.GangFixtures.member;
import static dev.gpusched.extender.it.GangFixtures.node;
import static dev.gpusched.extender.it.GangFixtures.passed;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The preempt verb never evicts part of a gang. */
class GangPreemptionTest {
  private Standalone gpusched;

  @AfterEach
  void stop() {
    if (gpusched != null) {
      gpusched.close();
    }
  }

  private List<Pod> placeAndBind(String gang, int size, int gpus, List<String> nodes) throws Exception {
    List<Pod> pods = new ArrayList<>();
    List<String> planned = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      Pod p = gpusched.create(member(gang + "-" + i, gang, size, gpus));
      pods.add(p);
      planned.add(passed(filter(gpusched, p, nodes)).get(0));
    }
    List<CompletableFuture<String>> binds = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      binds.add(bindAsync(gpusched, pods.get(i), planned.get(i)));
    }
    for (CompletableFuture<String> b : binds) {
      assertThat(b.get(20, TimeUnit.SECONDS)).isEmpty();
    }
    return pods;
  }

  @Test
  void victimsFromAGangBringTheirGangOrDropTheNode() throws Exception {
    List<String> nodes = List.of("node-0", "node-1", "node-2");
    gpusched = Standalone.start(List.of(node("node-0", null), node("node-1", null), node("node-2", null)));
    List<Pod> split = placeAndBind("split", 2, 8, nodes); // one member on each of two nodes
    List<Pod> together = placeAndBind("together", 2, 4, nodes); // both members share the third node
    for (String n : nodes) {
      gpusched.awaitSettled(n);
    }
    String splitNode = GangFixtures.nodeOf(gpusched, "split-0");
    String togetherNode = GangFixtures.nodeOf(gpusched, "together-0");
    assertThat(GangFixtures.nodeOf(gpusched, "together-1")).isEqualTo(togetherNode);

    Pod preemptor = Standalone.gpuPod("ml", "urgent", 8, Map.of());
    Map<String, Object> victims = new LinkedHashMap<>();
    victims.put(splitNode, Map.of("Pods", List.of(Map.of("UID", uid(split.get(0)))), "NumPDBViolations", 0));
    victims.put(togetherNode, Map.of("Pods", List.of(Map.of("UID", uid(together.get(0)))), "NumPDBViolations", 0));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("Pod", preemptor);
    body.put("NodeNameToMetaVictims", victims);
    JsonNode answer = gpusched.json(gpusched.post("/scheduler/preempt",
        dev.gpusched.extender.testing.KubeJson.SERIALIZATION.asJson(body)));
    JsonNode result = answer.path("NodeNameToMetaVictims");
    assertThat(result.has(splitNode)).as("evicting there would split gang split").isFalse();
    List<String> evicted = new ArrayList<>();
    for (JsonNode p : result.path(togetherNode).path("Pods")) {
      evicted.add(p.path("UID").asString());
    }
    assertThat(evicted).containsExactlyInAnyOrder(uid(together.get(0)), uid(together.get(1)));
  }

  private String uid(Pod p) {
    return gpusched.client.pods().inNamespace("ml").withName(p.getMetadata().getName()).get().getMetadata().getUid();
  }
}
