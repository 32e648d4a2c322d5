package dev.gpusched.gang;

import dev.gpusched.topology.cluster.ClusterTopology;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;

import static dev.gpusched.gang.TestClusters.ALL8;
import static dev.gpusched.gang.TestClusters.EIGHT;
import static dev.gpusched.gang.TestClusters.spec;
import static org.assertj.core.api.Assertions.assertThat;

class BindBarrierTest {

    private static final Instant T0 = Instant.parse("2026-01-31T12:00:00Z");
    private final BindBarrier barrier = new BindBarrier(Duration.ofSeconds(4));

    /** A gang of 4 x 8 GPUs reserved on four nodes, members p0..p3 claiming places 0..3. */
    private static Reservations reservedAndClaimed(GangSpec spec) {
        ClusterTopology t = TestClusters.leaves(4);
        Plan.Planned plan = (Plan.Planned) new GangPlanner().plan(spec, Collections.nCopies(spec.size(), EIGHT),
                TestClusters.firstFree(t, 4));
        GangReservation g = GangReservation.of(spec, plan, T0);
        for (int i = 0; i < spec.size(); i++) {
            g = g.with(g.slots().get(i).claimedBy("p" + i));
        }
        return Reservations.EMPTY.with(g);
    }

    private static String nodeOf(Reservations r, GangKey k, String pod) {
        return r.get(k).slotOf(pod).node();
    }

    @Test
    void membersWaitUntilTheLastArrivesThenAllBindAtOnce() {
        GangSpec spec = spec("g", 4, "any");
        GangKey k = spec.key();
        Reservations r = reservedAndClaimed(spec);
        for (int i = 0; i < 3; i++) {
            BindBarrier.Step s = barrier.arrive(r, k, "p" + i, nodeOf(r, k, "p" + i), T0.plusSeconds(i));
            assertThat(s.decision()).isEqualTo(new BarrierDecision.Wait(T0.plusSeconds(i + 4), i + 1, 4));
            r = s.next();
        }
        BindBarrier.Step last = barrier.arrive(r, k, "p3", nodeOf(r, k, "p3"), T0.plusSeconds(10));
        assertThat(last.decision()).isInstanceOf(BarrierDecision.BindAll.class);
        assertThat(((BarrierDecision.BindAll) last.decision()).members())
                .extracting(MemberBinding::podUid).containsExactly("p0", "p1", "p2", "p3");
        r = last.next();
        // a retried call of a member being bound is answered with success
        assertThat(barrier.arrive(r, k, "p1", nodeOf(r, k, "p1"), T0.plusSeconds(11)).decision())
                .isInstanceOf(BarrierDecision.AlreadyBound.class);
        assertThat(barrier.holdExpired(r, k, "p0")).isInstanceOf(BarrierDecision.AlreadyBound.class);
        for (int i = 0; i < 4; i++) {
            r = barrier.bindSucceeded(r, k, "p" + i);
        }
        assertThat(r.get(k)).isNull();
    }

    @Test
    void aHeldCallGetsAnErrorAtItsBoundButTheMemberKeepsItsPlace() {
        GangSpec spec = spec("g", 4, "any");
        GangKey k = spec.key();
        Reservations r = reservedAndClaimed(spec);
        r = barrier.arrive(r, k, "p0", nodeOf(r, k, "p0"), T0).next();
        BarrierDecision d = barrier.holdExpired(r, k, "p0");
        assertThat(d).isInstanceOf(BarrierDecision.Reject.class);
        assertThat(((BarrierDecision.Reject) d).reason()).contains("waiting for 3 of 4 members to reach bind");
        assertThat(r.get(k).slotOf("p0").state()).isEqualTo(SlotState.READY);
        // the retried pod arrives again and still waits
        assertThat(barrier.arrive(r, k, "p0", nodeOf(r, k, "p0"), T0.plusSeconds(5)).decision())
                .isInstanceOf(BarrierDecision.Wait.class);
    }

    @Test
    void holdNeverOutlivesTheDeadline() {
        GangSpec spec = spec("g", 2, "any");
        Reservations r = reservedAndClaimed(spec);
        Instant late = T0.plusSeconds(298);
        BarrierDecision d = barrier.arrive(r, spec.key(), "p0", nodeOf(r, spec.key(), "p0"), late).decision();
        assertThat(((BarrierDecision.Wait) d).holdUntil()).isEqualTo(T0.plusSeconds(300));
        BarrierDecision tooLate = barrier.arrive(r, spec.key(), "p0", nodeOf(r, spec.key(), "p0"),
                T0.plusSeconds(300)).decision();
        assertThat(((BarrierDecision.Reject) tooLate).reason()).contains("timed out after 300s");
    }

    @Test
    void wrongNodeOrUnknownPodOrGangIsRejected() {
        GangSpec spec = spec("g", 2, "any");
        Reservations r = reservedAndClaimed(spec);
        String other = nodeOf(r, spec.key(), "p1");
        assertThat(((BarrierDecision.Reject) barrier.arrive(r, spec.key(), "p0", other, T0).decision()).reason())
                .contains("is reserved on node " + nodeOf(r, spec.key(), "p0") + ", not " + other);
        assertThat(barrier.arrive(r, spec.key(), "stranger", "nowhere", T0).decision())
                .isInstanceOf(BarrierDecision.Reject.class);
        assertThat(((BarrierDecision.Reject) barrier.arrive(r, new GangKey("ml", "none"), "p0", other, T0)
                .decision()).reason()).contains("holds no reservation");
    }

    @Test
    void aGangWhoseBarrierOpenedIsNotReleasedWhileItsMembersAreBeingBound() {
        GangSpec spec = spec("g", 2, "any");
        GangKey k = spec.key();
        Reservations r = reservedAndClaimed(spec);
        r = barrier.arrive(r, k, "p0", nodeOf(r, k, "p0"), T0.plusSeconds(296)).next();
        BindBarrier.Step last = barrier.arrive(r, k, "p1", nodeOf(r, k, "p1"), T0.plusSeconds(299));
        assertThat(last.decision()).isInstanceOf(BarrierDecision.BindAll.class);
        r = last.next();
        // the deadline passes while both members are being bound (a slow API server)
        assertThat(barrier.sweep(r, T0.plusSeconds(301)).expired()).isEmpty();
        r = barrier.bindSucceeded(r, k, "p0");
        assertThat(barrier.sweep(r, T0.plusSeconds(302)).expired()).isEmpty();
        // one bind fails: the gang is incomplete past its deadline and is released, p0 reported for deletion
        Reservations failed = barrier.bindFailed(r, k, "p1");
        BindBarrier.Sweep s = barrier.sweep(failed, T0.plusSeconds(303));
        assertThat(s.expired()).singleElement().satisfies(e ->
                assertThat(e.boundToDelete()).extracting(MemberBinding::podUid).containsExactly("p0"));
        // both succeed: the gang is complete and leaves the state
        assertThat(barrier.bindSucceeded(r, k, "p1").get(k)).isNull();
    }

    @Test
    void abandonReleasesAtOnceDeletingOnlyMembersBoundInAnEarlierRound() {
        GangSpec spec = spec("g", 4, "any");
        GangKey k = spec.key();
        Reservations r = reservedAndClaimed(spec);
        for (int i = 0; i < 4; i++) {
            r = barrier.arrive(r, k, "p" + i, nodeOf(r, k, "p" + i), T0.plusSeconds(1)).next();
        }
        r = barrier.bindSucceeded(r, k, "p0");   // bound in the first round
        r = barrier.bindFailed(r, k, "p3");      // its API write failed: back to RESERVED, still claimed
        // p3 comes back: the barrier opens again for it alone, and p1, p2 are still being bound
        BindBarrier.Step again = barrier.arrive(r, k, "p3", nodeOf(r, k, "p3"), T0.plusSeconds(2));
        assertThat(again.decision()).isInstanceOf(BarrierDecision.BindAll.class);
        BindBarrier.Sweep s = barrier.abandon(again.next(), k, "place taken");
        assertThat(s.next().get(k)).isNull();
        assertThat(s.expired()).hasSize(1);
        ExpiredGang e = s.expired().get(0);
        assertThat(e.boundToDelete()).extracting(MemberBinding::podUid).containsExactly("p0");
        assertThat(e.waitingPodUids()).containsExactly("p1", "p2", "p3");
        assertThat(e.claimedPodUids()).containsExactly("p0", "p1", "p2", "p3");
        assertThat(e.reason()).isEqualTo("place taken");
        // before its deadline and whatever its state: abandon does not wait for the sweep
        assertThat(barrier.abandon(Reservations.EMPTY, k, "x").expired()).isEmpty();
    }

    @Test
    void timeoutReleasesAndReportsBoundMembersForDeletion() {
        GangSpec spec = spec("g", 4, "any");
        GangKey k = spec.key();
        Reservations r = reservedAndClaimed(spec);
        for (int i = 0; i < 4; i++) {
            r = barrier.arrive(r, k, "p" + i, nodeOf(r, k, "p" + i), T0).next();
        }
        r = barrier.bindSucceeded(r, k, "p0");
        r = barrier.bindSucceeded(r, k, "p1");
        r = barrier.bindFailed(r, k, "p2");   // p2's Binding failed: it must reach bind again
        // p3 is still being bound when the deadline passes
        assertThat(barrier.sweep(r, T0.plusSeconds(299)).expired()).isEmpty();
        BindBarrier.Sweep s = barrier.sweep(r, T0.plusSeconds(300));
        assertThat(s.next().get(k)).isNull();
        ExpiredGang e = s.expired().get(0);
        assertThat(e.boundToDelete()).extracting(MemberBinding::podUid).containsExactly("p0", "p1", "p3");
        assertThat(e.claimedPodUids()).containsExactly("p0", "p1", "p2", "p3");
        assertThat(e.reason()).isEqualTo("gang ml/g timed out after 300s with 3 of 4 members at bind; its "
                + "reservation is released and its 3 bound members are deleted");
    }

    @Test
    void placesCountAsUsedForOthersUntilBound() {
        GangSpec spec = spec("g", 2, "any");
        GangKey k = spec.key();
        Reservations r = reservedAndClaimed(spec);
        String n0 = nodeOf(r, k, "p0");
        assertThat(r.reservedMaskOnNode(n0, null)).isEqualTo(ALL8);
        assertThat(r.reservedMaskOnNode(n0, new GangKey("ml", "other"))).isEqualTo(ALL8);
        assertThat(r.reservedMaskOnNode(n0, k)).isZero();
        r = barrier.arrive(r, k, "p0", n0, T0).next();
        r = barrier.arrive(r, k, "p1", nodeOf(r, k, "p1"), T0).next();
        r = barrier.bindSucceeded(r, k, "p0");
        assertThat(r.reservedMaskOnNode(n0, null)).isZero(); // the ledger counts the bound pod now
        assertThat(r.reservedMaskOnNode(nodeOf(r, k, "p1"), null)).isEqualTo(ALL8);
    }
}
