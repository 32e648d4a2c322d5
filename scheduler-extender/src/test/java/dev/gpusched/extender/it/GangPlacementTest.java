package dev.gpusched.extender.it;

import static dev.gpusched.extender.it.GangFixtures.await;
import static dev.gpusched.extender.it.GangFixtures.bindAsync;
import static dev.gpusched.extender.it.GangFixtures.check;
import static dev.gpusched.extender.it.GangFixtures.filter;
import static dev.gpusched.extender.it.GangFixtures.gangs;
import static dev.gpusched.extender.it.GangFixtures.member;
import static dev.gpusched.extender.it.GangFixtures.node;
import static dev.gpusched.extender.it.GangFixtures.nodeOf;
import static dev.gpusched.extender.it.GangFixtures.passed;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** All or nothing through the HTTP verbs: a gang is placed whole or not at all, and bound only when all arrived. */
class GangPlacementTest {
  private Standalone gpusched;

  @AfterEach
  void stop() {
    if (gpusched != null) {
      gpusched.close();
    }
  }

  private List<String> start(int nodes, String... leaves) throws Exception {
    List<HasMetadata> objects = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      String name = "node-" + i;
      objects.add(node(name, leaves.length == 0 ? null : leaves[i]));
      names.add(name);
    }
    gpusched = Standalone.start(objects);
    return names;
  }

  @Test
  void fourEightGpuMembersOnThreeFreeNodesPlaceNoMemberAndSayWhy() throws Exception {
    List<String> nodes = start(3);
    List<Pod> pods = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      pods.add(gpusched.create(member("train-" + i, "train-1", 4, 8)));
    }
    for (Pod p : pods) {
      JsonNode answer = filter(gpusched, p, nodes);
      assertThat(passed(answer)).isEmpty();
      assertThat(answer.path("Error").asString()).isEmpty();
      for (String n : nodes) {
        assertThat(answer.path("FailedNodes").path(n).asString())
            .contains("gang ml/train-1 needs 4 x 8 GPUs").contains("3");
      }
    }
    assertThat(GangFixtures.gangs(gpusched).path("reserved").size()).isZero();
    assertThat(GangFixtures.gangs(gpusched).path("waiting").get(0).path("gang").asString()).isEqualTo("ml/train-1");
    // No member holds a place: a single 8-GPU pod still gets any node.
    Pod single = gpusched.create(Standalone.gpuPod("ml", "single", 8, Map.of()));
    assertThat(passed(filter(gpusched, single, nodes))).hasSize(1).isSubsetOf(nodes); // gpusched's choice alone
    assertThat(GangFixtures.annotation(gpusched, "train-0", "gpusched.dev/reserved-node")).isNull();
  }

  @Test
  void fourMembersOnFourNodesArePlacedOnePerNodeAndBoundOnlyWhenAllArrived() throws Exception {
    List<String> nodes = start(4);
    List<Pod> pods = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      pods.add(gpusched.create(member("train-" + i, "train-1", 4, 8)));
    }
    List<String> planned = new ArrayList<>();
    for (Pod p : pods) {
      List<String> ok = passed(filter(gpusched, p, nodes));
      assertThat(ok).hasSize(1);
      planned.add(ok.get(0));
    }
    assertThat(new HashSet<>(planned)).hasSize(4);
    // Filter again answers the same place (the claim is kept).
    assertThat(passed(filter(gpusched, pods.get(2), nodes))).containsExactly(planned.get(2));
    await("reservation annotations written", check(() -> {
      for (int i = 0; i < 4; i++) {
        if (!planned.get(i).equals(GangFixtures.annotation(gpusched, "train-" + i, "gpusched.dev/reserved-node"))) {
          return false;
        }
      }
      return GangFixtures.annotation(gpusched, "train-0", "gpusched.dev/gang-plan") != null;
    }));
    assertThat(GangFixtures.annotation(gpusched, "train-3", "gpusched.dev/reserved-gpu-ids")).isEqualTo("0,1,2,3,4,5,6,7");
    // Reserved GPUs count as used for everybody else.
    Pod single = gpusched.create(Standalone.gpuPod("ml", "single", 1, Map.of()));
    JsonNode other = filter(gpusched, single, nodes);
    assertThat(passed(other)).isEmpty();
    assertThat(other.path("FailedNodes").path("node-0").asString()).contains("reserved for gang members");
    assertThat(gpusched.bind(single, planned.get(0))).as("bind sees the reservation too")
        .contains("reserved for gang members");
    assertThat(GangFixtures.nodeOf(gpusched, "single")).isNull();
    assertThat(gpusched.inspect(planned.get(0)).path("gpus").get(0).path("state").asString()).isEqualTo("reserved");
    assertThat(gpusched.inspect(planned.get(0)).path("reservations").get(0).path("gang").asString()).isEqualTo("ml/train-1");

    List<CompletableFuture<String>> first = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      first.add(bindAsync(gpusched, pods.get(i), planned.get(i)));
    }
    await("three members ready at the barrier", check(() -> {
      JsonNode g = GangFixtures.gangs(gpusched).path("reserved").get(0);
      return g.path("ready").intValue() == 3;
    }));
    for (int i = 0; i < 3; i++) {
      assertThat(GangFixtures.nodeOf(gpusched, "train-" + i)).as("nothing bound before the last member").isNull();
    }
    assertThat(gpusched.get("/metrics").body()).contains("gpusched_gangs{state=\"reserved\"} 1.0")
        .contains("gpusched_reserved_gpus 32.0").contains("state=\"reserved\"} 8.0");
    String last = bindAsync(gpusched, pods.get(3), planned.get(3)).get(20, TimeUnit.SECONDS);
    assertThat(last).isEmpty();
    for (CompletableFuture<String> f : first) {
      // Answered success when the barrier opened, or (had the 4 s hold bound passed) with the waiting error.
      String error = f.get(20, TimeUnit.SECONDS);
      assertThat(error.isEmpty() || error.contains("is waiting for")).as(error).isTrue();
    }
    for (int i = 0; i < 4; i++) {
      Pod live = GangFixtures.live(gpusched, "train-" + i);
      assertThat(live.getSpec().getNodeName()).isEqualTo(planned.get(i));
      assertThat(live.getMetadata().getAnnotations()).containsEntry("gpusched.dev/gpu-ids", "0,1,2,3,4,5,6,7");
    }
    await("reservation gone once all are bound", check(() -> GangFixtures.gangs(gpusched).path("reserved").isEmpty()));
    // A later bind call of a bound member is answered with success.
    assertThat(gpusched.bind(pods.get(0), planned.get(0))).isEmpty();
    for (String n : nodes) {
      gpusched.awaitSettled(n);
    }
    String metrics = gpusched.get("/metrics").body();
    assertThat(metrics).contains("gpusched_gang_wait_seconds_count 1\n").contains("gpusched_gangs{state=\"bound\"} 1.0");
  }

  @Test
  void sameLeafIsRequiredAcrossTwoLeaves() throws Exception {
    List<String> nodes = start(5, "leaf-a", "leaf-a", "leaf-b", "leaf-b", "leaf-b");
    List<Pod> pods = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      pods.add(gpusched.create(member("leafy-" + i, "leafy", 3, 8, "gpusched.dev/inter-node", "same-leaf")));
    }
    Set<String> used = new HashSet<>();
    for (Pod p : pods) {
      List<String> ok = passed(filter(gpusched, p, nodes));
      assertThat(ok).hasSize(1);
      used.add(ok.get(0));
    }
    assertThat(used).containsExactlyInAnyOrder("node-2", "node-3", "node-4");

    Pod big = gpusched.create(member("wide-0", "wide", 3, 8, "gpusched.dev/inter-node", "same-leaf"));
    JsonNode answer = filter(gpusched, big, nodes);
    assertThat(passed(answer)).isEmpty();
    assertThat(answer.path("FailedNodes").path("node-0").asString())
        .contains("gang ml/wide needs 3 x 8 GPUs in one leaf").contains("leaf-a");
  }

  @Test
  void aBoundMemberFilteredAgainGetsItsOwnNodeAndClaimsNothingNew() throws Exception {
    List<String> nodes = start(3);
    Pod a = gpusched.create(member("pair-0", "pair", 2, 8));
    Pod b = gpusched.create(member("pair-1", "pair", 2, 8));
    String nodeA = passed(filter(gpusched, a, nodes)).get(0);
    String nodeB = passed(filter(gpusched, b, nodes)).get(0);
    var bindA = bindAsync(gpusched, a, nodeA);
    var bindB = bindAsync(gpusched, b, nodeB);
    assertThat(bindA.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEmpty();
    assertThat(bindB.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEmpty();
    await("the informer shows pair-0 bound", check(() -> nodeA.equals(nodeOf(gpusched, "pair-0"))));
    // kube-scheduler filters a member again (say, after a bind answer it took for a failure): its own node, nothing new.
    JsonNode again = filter(gpusched, a, nodes);
    assertThat(passed(again)).containsExactly(nodeA);
    assertThat(gangs(gpusched).path("reserved").toString()).doesNotContain("ml/pair");
  }
}
