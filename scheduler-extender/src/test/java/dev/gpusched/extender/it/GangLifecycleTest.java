package dev.gpusched.extender.it;

import static dev.gpusched.extender.it.GangFixtures.annotation;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Competing gangs, timeout release, a member deleted mid-gang, and the prompt-retry nudge, through HTTP. */
class GangLifecycleTest {
  private Standalone gpusched;

  @AfterEach
  void stop() {
    if (gpusched != null) {
      gpusched.close();
    }
  }

  private List<String> start(int nodes, HasMetadata... more) throws Exception {
    List<HasMetadata> objects = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      objects.add(node("node-" + i, null));
      names.add("node-" + i);
    }
    objects.addAll(List.of(more));
    gpusched = Standalone.start(objects);
    return names;
  }

  @Test
  void twoCompetingGangsOneCompletesTheOtherWaitsWithNoMemberPlaced() throws Exception {
    List<String> nodes = start(3);
    Pod a0 = gpusched.create(member("a-0", "gang-a", 2, 8));
    Pod a1 = gpusched.create(member("a-1", "gang-a", 2, 8));
    Pod b0 = gpusched.create(member("b-0", "gang-b", 2, 8));
    Pod b1 = gpusched.create(member("b-1", "gang-b", 2, 8));
    List<String> a0Nodes = passed(filter(gpusched, a0, nodes));
    JsonNode b0Answer = filter(gpusched, b0, nodes);
    List<String> a1Nodes = passed(filter(gpusched, a1, nodes));
    JsonNode b1Answer = filter(gpusched, b1, nodes);
    assertThat(a0Nodes).hasSize(1);
    assertThat(a1Nodes).hasSize(1).doesNotContainAnyElementsOf(a0Nodes);
    assertThat(passed(b0Answer)).isEmpty();
    assertThat(passed(b1Answer)).isEmpty();
    assertThat(b0Answer.path("FailedNodes").path("node-0").asString()).contains("gang ml/gang-b needs 2 x 8 GPUs");
    JsonNode inspect = gangs(gpusched);
    assertThat(inspect.path("reserved")).hasSize(1);
    assertThat(inspect.path("reserved").get(0).path("gang").asString()).isEqualTo("ml/gang-a");
    assertThat(inspect.path("waiting").get(0).path("gang").asString()).isEqualTo("ml/gang-b");
    CompletableFuture<String> first = bindAsync(gpusched, a0, a0Nodes.get(0));
    assertThat(bindAsync(gpusched, a1, a1Nodes.get(0)).get(20, TimeUnit.SECONDS)).isEmpty();
    assertThat(first.get(20, TimeUnit.SECONDS)).isEmpty();
    assertThat(nodeOf(gpusched, "a-0")).isEqualTo(a0Nodes.get(0));
    assertThat(nodeOf(gpusched, "a-1")).isEqualTo(a1Nodes.get(0));
    // Bound whole, gang A needs its claims no more: they are removed (recovery reads claims left on bound members with
    // places missing as a bind batch cut short).
    await("gang A's claims removed", check(() -> annotation(gpusched, "a-0", "gpusched.dev/reserved-node") == null
        && annotation(gpusched, "a-1", "gpusched.dev/reserved-node") == null));
    assertThat(annotation(gpusched, "a-0", "gpusched.dev/gpu-ids")).isNotNull();
    // Gang B still cannot be placed whole, so none of its members is.
    assertThat(passed(filter(gpusched, b0, nodes))).isEmpty();
    assertThat(annotation(gpusched, "b-0", "gpusched.dev/reserved-node")).isNull();
    assertThat(annotation(gpusched, "b-1", "gpusched.dev/reserved-node")).isNull();
  }

  @Test
  void timeoutReleasesTheReservationAndAnswersTheHeldBind() throws Exception {
    List<String> nodes = start(2);
    Pod m0 = gpusched.create(member("t-0", "short", 2, 8, "gpusched.dev/gang-timeout", "3s"));
    Pod m1 = gpusched.create(member("t-1", "short", 2, 8, "gpusched.dev/gang-timeout", "3s"));
    String n0 = passed(filter(gpusched, m0, nodes)).get(0);
    assertThat(passed(filter(gpusched, m1, nodes))).hasSize(1);
    await("claims written", check(() -> annotation(gpusched, "t-1", "gpusched.dev/reserved-node") != null));
    String error = bindAsync(gpusched, m0, n0).get(20, TimeUnit.SECONDS);
    assertThat(error).contains("gang ml/short");
    await("reservation released", check(() -> gangs(gpusched).path("reserved").isEmpty()));
    await("reservation annotations cleared", check(() -> annotation(gpusched, "t-0", "gpusched.dev/reserved-node") == null
        && annotation(gpusched, "t-1", "gpusched.dev/reserved-node") == null));
    assertThat(nodeOf(gpusched, "t-0")).isNull();
    assertThat(gpusched.get("/metrics").body()).contains("gpusched_gang_timeouts_total 1.0");
    // The GPUs are free again for everybody.
    Pod single = gpusched.create(Standalone.gpuPod("ml", "single", 8, Map.of()));
    assertThat(passed(filter(gpusched, single, nodes))).hasSize(1).isSubsetOf(nodes); // gpusched's choice alone
  }

  @Test
  void aPlaceTakenBeforeTheBarrierOpensReleasesTheGangWithNoMemberBoundAndItIsPlannedAgain() throws Exception {
    List<String> nodes = start(2);
    Pod m0 = gpusched.create(member("s-0", "stale", 2, 4));
    Pod m1 = gpusched.create(member("s-1", "stale", 2, 4));
    String n0 = passed(filter(gpusched, m0, nodes)).get(0);
    String n1 = passed(filter(gpusched, m1, nodes)).get(0);
    await("claims written", check(() -> annotation(gpusched, "s-1", "gpusched.dev/reserved-gpu-ids") != null));
    String takenIds = annotation(gpusched, "s-1", "gpusched.dev/reserved-gpu-ids");
    CompletableFuture<String> first = bindAsync(gpusched, m0, n0);
    // Another replica, whose cache had not seen this gang's plan, bound a pod onto s-1's reserved GPUs.
    Pod foreign = Standalone.gpuPod("ml", "foreign", 4, Map.of("gpusched.dev/gpu-ids", takenIds));
    foreign.getSpec().setNodeName(n1);
    foreign.getStatus().setPhase("Running");
    gpusched.create(foreign);
    String error = bindAsync(gpusched, m1, n1).get(20, TimeUnit.SECONDS);
    assertThat(error).contains("gang ml/stale cannot be bound as planned").contains("foreign")
        .contains("no member was bound");
    assertThat(first.get(20, TimeUnit.SECONDS)).contains("cannot be bound as planned");
    assertThat(nodeOf(gpusched, "s-0")).isNull();
    assertThat(nodeOf(gpusched, "s-1")).isNull();
    assertThat(gangs(gpusched).path("reserved")).isEmpty();
    assertThat(gpusched.get("/metrics").body()).contains("gpusched_gang_replans_total 1.0");
    await("reservation annotations cleared", check(() -> annotation(gpusched, "s-0", "gpusched.dev/reserved-node") == null
        && annotation(gpusched, "s-1", "gpusched.dev/reserved-node") == null));
    // Planned again around the foreign pod, and bound whole.
    String again0 = passed(filter(gpusched, m0, nodes)).get(0);
    String again1 = passed(filter(gpusched, m1, nodes)).get(0);
    CompletableFuture<String> bound0 = bindAsync(gpusched, m0, again0);
    assertThat(bindAsync(gpusched, m1, again1).get(20, TimeUnit.SECONDS)).isEmpty();
    assertThat(bound0.get(20, TimeUnit.SECONDS)).isEmpty();
    assertThat(nodeOf(gpusched, "s-0")).isEqualTo(again0);
    assertThat(nodeOf(gpusched, "s-1")).isEqualTo(again1);
    java.util.Set<String> foreignGpus = java.util.Set.of(takenIds.split(","));
    for (String[] member : new String[][] {{"s-0", again0}, {"s-1", again1}}) {
      String ids = annotation(gpusched, member[0], "gpusched.dev/gpu-ids");
      assertThat(ids).isNotNull();
      if (member[1].equals(n1)) {
        assertThat(java.util.Set.of(ids.split(","))).doesNotContainAnyElementsOf(foreignGpus);
      }
    }
  }

  @Test
  void aMemberDeletedMidGangLeavesItsPlaceToItsReplacement() throws Exception {
    List<String> nodes = start(3);
    Pod m0 = gpusched.create(member("d-0", "del", 2, 8));
    Pod m1 = gpusched.create(member("d-1", "del", 2, 8));
    String n0 = passed(filter(gpusched, m0, nodes)).get(0);
    String n1 = passed(filter(gpusched, m1, nodes)).get(0);
    gpusched.client.pods().inNamespace("ml").withName("d-1").delete();
    await("place of the deleted member unclaimed", check(() -> {
      JsonNode g = gangs(gpusched).path("reserved").get(0);
      return g.path("placed").intValue() == 1 && g.path("missing").intValue() == 1;
    }));
    Pod replacement = gpusched.create(member("d-1b", "del", 2, 8));
    assertThat(passed(filter(gpusched, replacement, nodes))).containsExactly(n1);
    CompletableFuture<String> first = bindAsync(gpusched, m0, n0);
    assertThat(bindAsync(gpusched, replacement, n1).get(20, TimeUnit.SECONDS)).isEmpty();
    assertThat(first.get(20, TimeUnit.SECONDS)).isEmpty();
    assertThat(nodeOf(gpusched, "d-0")).isEqualTo(n0);
    assertThat(nodeOf(gpusched, "d-1b")).isEqualTo(n1);
  }

  @Test
  void aRefusedGangIsNudgedToRetryWhenCapacityFrees() throws Exception {
    Pod foreign = Standalone.gpuPod("ml", "foreign", 8, Map.of());
    foreign.getSpec().setNodeName("node-1");
    foreign.getStatus().setPhase("Running");
    List<String> nodes = start(2, foreign);
    Pod m0 = gpusched.create(member("r-0", "retry", 2, 8));
    Pod m1 = gpusched.create(member("r-1", "retry", 2, 8));
    assertThat(passed(filter(gpusched, m0, nodes))).isEmpty();
    assertThat(passed(filter(gpusched, m1, nodes))).isEmpty();
    assertThat(annotation(gpusched, "r-0", "gpusched.dev/retry-after")).isNull();
    gpusched.client.pods().inNamespace("ml").withName("foreign").delete();
    await("both waiting pods nudged", check(() -> annotation(gpusched, "r-0", "gpusched.dev/retry-after") != null
        && annotation(gpusched, "r-1", "gpusched.dev/retry-after") != null));
    assertThat(passed(filter(gpusched, m0, nodes))).hasSize(1);
  }

  @Test
  void aStarvingGangHoldsNodesAgainstOtherPods() throws Exception {
    Pod foreign = Standalone.gpuPod("ml", "foreign", 8, Map.of());
    foreign.getSpec().setNodeName("node-1");
    foreign.getStatus().setPhase("Running");
    gpusched = Standalone.start(List.of(node("node-0", null), node("node-1", null), foreign),
        dev.gpusched.extender.http.ServerLimits.DEFAULT, dev.gpusched.extender.gang.GangScheduling.Settings.DEFAULT
            .withStarvation(dev.gpusched.gang.StarvationGuard.create(java.time.Duration.ZERO,
                java.time.Duration.ofMinutes(15), java.time.Duration.ofMinutes(5))));
    List<String> nodes = List.of("node-0", "node-1");
    Pod m0 = gpusched.create(member("s-0", "starving", 2, 8));
    JsonNode refused = filter(gpusched, m0, nodes);
    assertThat(passed(refused)).isEmpty();
    assertThat(refused.path("FailedNodes").path("node-0").asString()).contains("against other pods until it fits");
    assertThat(gangs(gpusched).path("hold").path("gang").asString()).isEqualTo("ml/starving");
    // node-0 is free, but held for the starving gang: a pod outside it may not take it.
    Pod small = gpusched.create(Standalone.gpuPod("ml", "small", 1, Map.of()));
    JsonNode other = filter(gpusched, small, nodes);
    assertThat(passed(other)).isEmpty();
    assertThat(other.path("FailedNodes").path("node-0").asString()).contains("held for a gang");
  }
}
