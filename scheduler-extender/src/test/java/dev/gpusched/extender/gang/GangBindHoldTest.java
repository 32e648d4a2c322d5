package dev.gpusched.extender.gang;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.gang.GangKey;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The bind adapters: a member's call waits at its gang's barrier, the last member's call binds the whole gang through the
 * bind port, and no Binding is written when a place was taken or a claim never reached the API.
 */
class GangBindHoldTest {
  private static final GangKey G = new GangKey("ml", "g");
  private final GangRig rig = new GangRig(Duration.ofMillis(300)).serving();
  private final GangFilter filter = rig.filter;
  private final GangBindHold bindHold = rig.bindHold;
  private Pod a;
  private Pod b;

  @AfterEach
  void close() {
    rig.close();
  }

  /** Plans gang ml/g of two 4-GPU members on node n1; returns a's node. */
  private String planTwoMembers() {
    ClusterSnapshot snapshot = rig.node("n1").snapshot();
    a = rig.member("a", "g", 2, 4);
    b = rig.member("b", "g", 2, 4);
    filter.filter(a, GangRig.spec(a), GangRig.demand(a), snapshot);
    return filter.filter(b, GangRig.spec(b), GangRig.demand(b), snapshot).node();
  }

  @Test
  void theFirstMemberWaitsAndTheLastBindsTheWholeGang() throws Exception {
    String node = planTwoMembers();

    CompletableFuture<String> first = bindHold.bind(a, GangRig.spec(a), node);
    assertThat(first).isNotDone();
    assertThat(rig.binds.writes).isEmpty();
    String last = bindHold.bind(b, GangRig.spec(b), node).get(5, TimeUnit.SECONDS);

    assertThat(last).isNull();
    assertThat(first.get(5, TimeUnit.SECONDS)).isNull();
    assertThat(rig.binds.writes).containsExactlyInAnyOrder("bind ml/a n1 0,1,2,3", "bind ml/b n1 4,5,6,7");
    assertThat(rig.coordinator.reservations().get(G)).isNull();
    // a retried call of a bound member is answered success at once
    assertThat(bindHold.bind(a, GangRig.spec(a), node).get(1, TimeUnit.SECONDS)).isNull();
  }

  @Test
  void aCallHeldAloneIsAnsweredAtItsHoldBoundAndTheMemberKeepsItsPlace() throws Exception {
    String node = planTwoMembers();

    String answer = bindHold.bind(a, GangRig.spec(a), node).get(5, TimeUnit.SECONDS);

    assertThat(answer).startsWith("gang ml/g is waiting for 1 of 2 members to reach bind; this pod keeps its place on n1");
    assertThat(rig.binds.writes).isEmpty();
    assertThat(rig.coordinator.reservations().get(G).slotOf(a.getMetadata().getUid())).isNotNull();
  }

  @Test
  void aPlaceTakenMeanwhileReleasesTheGangAndBindsNoMember() throws Exception {
    String node = planTwoMembers();
    rig.running("intruder", node, "4"); // a bind the plan's cache had not seen yet
    rig.snapshot();

    CompletableFuture<String> first = bindHold.bind(a, GangRig.spec(a), node);
    String last = bindHold.bind(b, GangRig.spec(b), node).get(5, TimeUnit.SECONDS);

    assertThat(last).isEqualTo("gang ml/g cannot be bound as planned: GPUs 4 of n1 reserved for ml/b are now held by "
        + "[ml/intruder] or unusable; no member was bound, and the gang is planned again");
    assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(last);
    assertThat(rig.binds.writes).isEmpty();
    assertThat(rig.coordinator.reservations().get(G)).isNull();
    rig.flushWrites();
    assertThat(rig.api.startingWith("annotate ml/a")).last().asString().contains("gpusched.dev/reserved-node=null");
    assertThat(rig.api.startingWith("annotate ml/b")).last().asString().contains("gpusched.dev/reserved-node=null");
    assertThat(rig.metrics.scrape()).contains("gpusched_gang_replans_total 1.0");
  }

  @Test
  void aClaimThatNeverReachedTheApiSendsEveryMemberBackToBind() throws Exception {
    rig.api.refusing.add("b");
    String node = planTwoMembers();
    rig.flushWrites();

    CompletableFuture<String> first = bindHold.bind(a, GangRig.spec(a), node);
    String last = bindHold.bind(b, GangRig.spec(b), node).get(5, TimeUnit.SECONDS);

    assertThat(last).isEqualTo("the reservation annotations of member(s) " + b.getMetadata().getUid()
        + " of gang ml/g are not recorded in the API yet; no member was bound, and each is retried");
    assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(last);
    assertThat(rig.binds.writes).isEmpty();
    assertThat(rig.coordinator.reservations().get(G).slots()).hasSize(2); // both keep their places
  }
}
