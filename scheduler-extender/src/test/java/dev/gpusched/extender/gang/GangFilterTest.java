package dev.gpusched.extender.gang;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.it.Standalone;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.gang.GangKey;
import dev.gpusched.gang.MemberAnswer;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The filter adapter: plans a gang at its first member, claims each member's place once, and says why when it cannot. */
class GangFilterTest {
  private final GangRig rig = new GangRig(Duration.ofSeconds(4)).serving();
  private final GangFilter filter = rig.filter;

  @AfterEach
  void close() {
    rig.close();
  }

  @Test
  void aGangThatFitsIsPlannedAtItsFirstMemberAndEachMemberClaimsItsOwnNodeOnce() {
    ClusterSnapshot snapshot = rig.node("n1").node("n2").snapshot();
    Pod a = rig.member("a", "g", 2, 8);
    Pod b = rig.member("b", "g", 2, 8);

    MemberAnswer first = filter.filter(a, GangRig.spec(a), GangRig.demand(a), snapshot);
    MemberAnswer again = filter.filter(a, GangRig.spec(a), GangRig.demand(a), snapshot);
    MemberAnswer second = filter.filter(b, GangRig.spec(b), GangRig.demand(b), snapshot);

    assertThat(first.node()).isIn("n1", "n2");
    assertThat(first.reason()).isEqualTo("gang ml/g reserved node " + first.node() + " (GPUs 0,1,2,3,4,5,6,7) for this member");
    assertThat(again).isEqualTo(first);
    assertThat(second.node()).isIn("n1", "n2").isNotEqualTo(first.node());
    rig.flushWrites();
    // one claim per member, the first carrying the whole plan
    assertThat(rig.api.startingWith("annotate ml/a")).singleElement().asString()
        .contains("gpusched.dev/reserved-node=" + first.node()).contains("gpusched.dev/reserved-gpu-ids=0,1,2,3,4,5,6,7")
        .contains("gpusched.dev/gang-slot=0").contains("gpusched.dev/gang-plan=");
    assertThat(rig.api.startingWith("annotate ml/b")).singleElement().asString()
        .contains("gpusched.dev/reserved-node=" + second.node()).contains("gpusched.dev/gang-slot=1");
    // every other pod sees the reserved GPUs as used
    assertThat(rig.reservedInLedger()).containsOnly(Map.entry("n1", 0xFFL), Map.entry("n2", 0xFFL));
  }

  @Test
  void aGangThatDoesNotFitWaitsWithItsReasonAndWritesNothing() {
    rig.node("n1").node("n2").running("other", "n2", "0,1,2,3,4,5,6,7");
    ClusterSnapshot snapshot = rig.snapshot();
    Pod a = rig.member("a", "g", 2, 8);

    MemberAnswer answer = filter.filter(a, GangRig.spec(a), GangRig.demand(a), snapshot);

    assertThat(answer.node()).isNull();
    assertThat(answer.reason()).startsWith("gang ml/g needs 2 x 8 GPUs; the cluster has 1 free 8-GPU node");
    assertThat(rig.coordinator.waiting().get(new GangKey("ml", "g")).podUids())
        .containsExactly(a.getMetadata().getUid());
    rig.flushWrites();
    assertThat(rig.api.writes).isEmpty();
    assertThat(rig.reservedInLedger()).isEmpty();
  }

  @Test
  void aMemberAskingForAShareOfAGpuIsRefused() {
    ClusterSnapshot snapshot = rig.node("n1").snapshot();
    Pod shared = Standalone.sharedPod("ml", "s", 250, Map.of("gpusched.dev/gang", "g", "gpusched.dev/gang-size", "1"));
    shared.getMetadata().setUid("uid-s");

    MemberAnswer answer = filter.filter(shared, GangRig.spec(shared), GangRig.demand(shared), snapshot);

    assertThat(answer).isEqualTo(MemberAnswer.shareRefused(new GangKey("ml", "g"), 250));
    assertThat(rig.coordinator.reservations().size()).isZero();
  }

  @Test
  void aMemberTheApiShowsBoundGetsItsNodeAndClaimsNothing() {
    ClusterSnapshot snapshot = rig.node("n1").snapshot();
    Pod a = rig.member("a", "g", 1, 8);
    a.getSpec().setNodeName("n1");

    MemberAnswer answer = filter.filter(a, GangRig.spec(a), GangRig.demand(a), snapshot);

    assertThat(answer).isEqualTo(MemberAnswer.alreadyBound(new GangKey("ml", "g"), "n1"));
    assertThat(rig.coordinator.reservations().size()).isZero();
  }

  @Test
  void aReplicaThatDoesNotServePlansNothingAndSaysWhy() {
    GangRig starting = new GangRig(Duration.ofSeconds(4));
    try {
      ClusterSnapshot snapshot = starting.node("n1").snapshot();
      Pod a = starting.member("a", "g", 1, 8);
      GangFilter f = starting.filter;
      assertThat(f.filter(a, GangRig.spec(a), GangRig.demand(a), snapshot).reason())
          .isEqualTo("gpusched is still rebuilding gang reservations after its start; the scheduler will retry");
      starting.gangs.gate().recovered();
      starting.gangs.gate().leaderCheck(() -> false);
      assertThat(f.filter(a, GangRig.spec(a), GangRig.demand(a), snapshot).reason())
          .isEqualTo("this gpusched replica is not the leader; gang members are planned and bound by the leader only");
      assertThat(starting.coordinator.reservations().size()).isZero();
    } finally {
      starting.close();
    }
  }

  @Test
  void prioritizeNamesTheMembersReservedNodeOnlyOnceItHoldsAPlace() {
    ClusterSnapshot snapshot = rig.node("n1").snapshot();
    Pod a = rig.member("a", "g", 1, 8);
    assertThat(filter.reservedNodeOf(a, GangRig.spec(a))).isNull();
    filter.filter(a, GangRig.spec(a), GangRig.demand(a), snapshot);
    assertThat(filter.reservedNodeOf(a, GangRig.spec(a))).isEqualTo("n1");
  }
}
