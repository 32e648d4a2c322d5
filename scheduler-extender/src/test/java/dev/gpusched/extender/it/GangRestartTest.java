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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Reservations survive a restart of gpusched, rebuilt from pod annotations, and nothing is booked twice. */
class GangRestartTest {
  private Standalone gpusched;

  @AfterEach
  void stop() {
    if (gpusched != null) {
      gpusched.close();
    }
  }

  @Test
  void restartMidGangKeepsTheReservationAndBooksNothingTwice() throws Exception {
    List<HasMetadata> objects = new ArrayList<>();
    List<String> nodes = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      objects.add(node("node-" + i, null));
      nodes.add("node-" + i);
    }
    gpusched = Standalone.start(objects);
    List<Pod> pods = new ArrayList<>();
    List<String> planned = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Pod p = gpusched.create(member("job-" + i, "job", 3, 8));
      pods.add(p);
      planned.add(passed(filter(gpusched, p, nodes)).get(0));
    }
    await("claims written", check(() -> annotation(gpusched, "job-2", "gpusched.dev/reserved-node") != null
        && annotation(gpusched, "job-0", "gpusched.dev/reserved-node") != null
        && annotation(gpusched, "job-1", "gpusched.dev/reserved-node") != null));
    String reservedAt = gangs(gpusched).path("reserved").get(0).path("reservedAt").asString();
    // One member waits at the barrier when gpusched stops: its held call does not survive, its place does.
    CompletableFuture<String> early = bindAsync(gpusched, pods.get(0), planned.get(0)).exceptionally(t -> "connection closed");
    await("first member ready at the barrier", check(() -> gangs(gpusched).path("reserved").get(0).path("ready").intValue() == 1));

    gpusched.stopGpusched();
    assertThat(early.get(20, TimeUnit.SECONDS)).isNotEmpty(); // answered with an error (or cut): kube-scheduler retries
    gpusched.startGpusched();
    assertThat(nodeOf(gpusched, "job-0")).isNull();

    JsonNode restored = gangs(gpusched).path("reserved");
    assertThat(restored).hasSize(1);
    assertThat(restored.get(0).path("reservedAt").asString()).isEqualTo(reservedAt);
    assertThat(restored.get(0).path("placed").intValue()).isEqualTo(3);
    // The reserved GPUs are still used for everybody else: only the fourth node is free.
    Pod single = gpusched.create(Standalone.gpuPod("ml", "single", 8, Map.of()));
    List<String> free = new ArrayList<>(nodes);
    free.removeAll(planned);
    assertThat(passed(filter(gpusched, single, nodes))).containsExactlyElementsOf(free);
    List<CompletableFuture<String>> binds = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      assertThat(passed(filter(gpusched, pods.get(i), nodes))).containsExactly(planned.get(i));
      binds.add(bindAsync(gpusched, pods.get(i), planned.get(i)));
    }
    for (CompletableFuture<String> b : binds) {
      String error = b.get(20, TimeUnit.SECONDS);
      assertThat(error.isEmpty() || error.contains("is waiting for")).as(error).isTrue();
    }
    for (int i = 0; i < 3; i++) {
      int k = i;
      await("job-" + i + " bound", check(() -> planned.get(k).equals(nodeOf(gpusched, "job-" + k))));
    }
  }

  @Test
  void aGangFoundPastItsDeadlineAtStartIsReleasedAndItsBoundMemberDeleted() throws Exception {
    String reservedAt = Instant.now().minusSeconds(60).toString();
    String plan = "node-0:0,1,2,3,4,5,6,7;node-1:0,1,2,3,4,5,6,7";
    Pod bound = member("old-0", "old", 2, 8, "gpusched.dev/gang-timeout", "3s",
        "gpusched.dev/reserved-node", "node-0", "gpusched.dev/reserved-gpu-ids", "0,1,2,3,4,5,6,7",
        "gpusched.dev/reserved-at", reservedAt, "gpusched.dev/gang-slot", "0", "gpusched.dev/gang-plan", plan,
        "gpusched.dev/gpu-ids", "0,1,2,3,4,5,6,7");
    bound.getSpec().setNodeName("node-0");
    bound.getStatus().setPhase("Running");
    Pod waiting = member("old-1", "old", 2, 8, "gpusched.dev/gang-timeout", "3s",
        "gpusched.dev/reserved-node", "node-1", "gpusched.dev/reserved-gpu-ids", "0,1,2,3,4,5,6,7",
        "gpusched.dev/reserved-at", reservedAt, "gpusched.dev/gang-slot", "1", "gpusched.dev/gang-plan", plan);
    gpusched = Standalone.start(List.of(node("node-0", null), node("node-1", null), bound, waiting));
    await("the bound member of the timed-out gang is deleted",
        check(() -> gpusched.client.pods().inNamespace("ml").withName("old-0").get() == null));
    await("the waiting member's claim is cleared", check(() -> annotation(gpusched, "old-1", "gpusched.dev/reserved-node") == null));
    assertThat(gangs(gpusched).path("reserved")).isEmpty();
    assertThat(gpusched.get("/metrics").body()).contains("gpusched_gang_timeouts_total 1.0");
  }

  /**
   * ChaosTest's partial gang: a leader crashed partway through a gang's bind batch (two of three members bound, the
   * third not), and the unbound member was deleted (its controller gave up) before the next leader started. The bound
   * two must not run on as a partial gang: the next leader restores the plan and, its deadline past, deletes them.
   */
  @Test
  void aGangWhoseBatchWasCutShortAndWhoseUnboundMemberIsGoneIsReleasedAtStart() throws Exception {
    List<HasMetadata> objects = threeNodesAndBoundMembersOfGangCut(0, 1);
    gpusched = Standalone.start(objects);
    await("both bound members of the cut-short gang are deleted", check(() ->
        gpusched.client.pods().inNamespace("ml").withName("cut-0").get() == null
            && gpusched.client.pods().inNamespace("ml").withName("cut-1").get() == null));
  }

  /**
   * The same records, but the third member was bound too and has finished (Succeeded, still listed): the gang was
   * bound whole before the restart, so its running members stay and only their claims are cleared.
   */
  @Test
  void aGangBoundWholeWhoseMemberFinishedRunsOnAfterARestart() throws Exception {
    List<HasMetadata> objects = threeNodesAndBoundMembersOfGangCut(0, 1, 2);
    ((Pod) objects.get(objects.size() - 1)).getStatus().setPhase("Succeeded");
    gpusched = Standalone.start(objects);
    await("the running members' claims are cleared", check(() ->
        annotation(gpusched, "cut-0", "gpusched.dev/reserved-node") == null
            && annotation(gpusched, "cut-1", "gpusched.dev/reserved-node") == null));
    for (String running : List.of("cut-0", "cut-1")) {
      Pod p = gpusched.client.pods().inNamespace("ml").withName(running).get();
      assertThat(p).as(running).isNotNull();
      assertThat(p.getMetadata().getDeletionTimestamp()).as(running).isNull();
    }
    assertThat(gangs(gpusched).path("reserved")).isEmpty();
  }

  /** Nodes node-0..2 and members cut-i of the 3 x 8-GPU gang ml/cut (timeout 6 s, planned a minute ago), bound. */
  private static List<HasMetadata> threeNodesAndBoundMembersOfGangCut(int... slots) {
    String reservedAt = Instant.now().minusSeconds(60).toString();
    String plan = "node-0:0,1,2,3,4,5,6,7;node-1:0,1,2,3,4,5,6,7;node-2:0,1,2,3,4,5,6,7";
    List<HasMetadata> objects = new java.util.ArrayList<>(List.of(node("node-0", null), node("node-1", null),
        node("node-2", null)));
    for (int i : slots) {
      Pod bound = member("cut-" + i, "cut", 3, 8, "gpusched.dev/gang-timeout", "6s",
          "gpusched.dev/reserved-node", "node-" + i, "gpusched.dev/reserved-gpu-ids", "0,1,2,3,4,5,6,7",
          "gpusched.dev/reserved-at", reservedAt, "gpusched.dev/gang-slot", Integer.toString(i),
          "gpusched.dev/gang-plan", plan, "gpusched.dev/gpu-ids", "0,1,2,3,4,5,6,7");
      bound.getSpec().setNodeName("node-" + i);
      bound.getStatus().setPhase("Running");
      objects.add(bound);
    }
    return objects;
  }
}
