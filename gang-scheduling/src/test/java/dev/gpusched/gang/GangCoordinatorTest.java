package dev.gpusched.gang;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.gpusched.gang.TestClusters.ALL8;
import static dev.gpusched.gang.TestClusters.EIGHT;
import static dev.gpusched.gang.TestClusters.spec;
import static org.assertj.core.api.Assertions.assertThat;

/** The gang issue's scenarios, played through the coordinator as the extender will. */
class GangCoordinatorTest {

    @Test
    void fourMembersOnThreeFreeNodesGetNothingAndOnFourEachGetsItsPlannedNode() {
        Harness h = new Harness(TestClusters.leaves(3, 3)).withFreeNodes(3);
        GangSpec spec = spec("train-1", 4, null);
        for (int i = 0; i < 4; i++) {
            FilterOutcome out = h.filter(spec, "p" + i);
            assertThat(out).isInstanceOf(FilterOutcome.Refused.class);
            assertThat(((FilterOutcome.Refused) out).reason())
                    .startsWith("gang ml/train-1 needs 4 x 8 GPUs; the cluster has 3 free 8-GPU nodes");
        }
        assertThat(h.coordinator.reservations().size()).isZero();

        h.withFreeNodes(4);
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            FilterOutcome out = h.filter(spec, "p" + i);
            assertThat(((FilterOutcome.Assigned) out).newlyPlanned()).isEqualTo(i == 0);
            nodes.add(h.node(out));
        }
        Set<String> planned = new HashSet<>();
        for (ReservedSlot s : h.coordinator.reservations().get(spec.key()).slots()) {
            planned.add(s.node());
        }
        assertThat(new HashSet<>(nodes)).hasSize(4).isEqualTo(planned);
        // a member asking again gets the same node
        assertThat(h.node(h.filter(spec, "p2"))).isEqualTo(nodes.get(2));
        for (int i = 0; i < 3; i++) {
            assertThat(h.bind("p" + i)).isInstanceOf(BarrierDecision.Wait.class);
        }
        assertThat(h.boundNode).isEmpty();
        assertThat(h.bind("p3")).isInstanceOf(BarrierDecision.BindAll.class);
        assertThat(h.boundNode).hasSize(4);
        for (int i = 0; i < 4; i++) {
            assertThat(h.boundNode.get("p" + i)).isEqualTo(nodes.get(i));
        }
        assertThat(h.coordinator.reservations().size()).isZero();
    }

    @Test
    void twoGangsWantingTheSameCapacityNeverBothHalfPlaced() {
        Harness h = new Harness(TestClusters.leaves(4)).withFreeNodes(4);
        GangSpec a = spec("a", 3, null);
        GangSpec b = spec("b", 3, null);
        // members of both gangs reach filter interleaved
        for (int i = 0; i < 3; i++) {
            assertThat(h.filter(a, "a" + i)).isInstanceOf(FilterOutcome.Assigned.class);
            FilterOutcome ob = h.filter(b, "b" + i);
            assertThat(ob).isInstanceOf(FilterOutcome.Refused.class);
            assertThat(((FilterOutcome.Refused) ob).reason())
                    .startsWith("gang ml/b needs 3 x 8 GPUs; the cluster has 1 free 8-GPU node");
        }
        assertThat(h.coordinator.reservations().get(b.key())).isNull();
        // a plan made on a stale view (not excluding a's places) cannot be reserved
        MaskCapacityView stale = new MaskCapacityView(h.topology, new long[] {ALL8, ALL8, ALL8, ALL8},
                new int[] {8, 8, 8, 8});
        FilterOutcome conflict = h.coordinator.assign(b, "b0", EIGHT, stale);
        assertThat(((FilterOutcome.Refused) conflict).reason()).contains("already reserved for gang ml/a");
        for (int i = 0; i < 3; i++) {
            h.bind("a" + i);
        }
        assertThat(h.boundNode.keySet()).containsExactlyInAnyOrder("a0", "a1", "a2");
        assertThat(h.filter(b, "b0")).isInstanceOf(FilterOutcome.Refused.class);
        // a finishes: b completes
        for (int i = 0; i < 3; i++) {
            h.podFinished("a" + i);
        }
        for (int i = 0; i < 3; i++) {
            assertThat(h.filter(b, "b" + i)).isInstanceOf(FilterOutcome.Assigned.class);
        }
        for (int i = 0; i < 3; i++) {
            h.bind("b" + i);
        }
        assertThat(h.boundNode.keySet()).containsExactlyInAnyOrder("b0", "b1", "b2");
    }

    @Test
    void timeoutReleasesTheReservationAndAnswersWaitingMembers() {
        Harness h = new Harness(TestClusters.leaves(4)).withFreeNodes(4);
        GangSpec spec = spec("g", 4, null);
        for (int i = 0; i < 3; i++) {
            h.filter(spec, "p" + i);
            assertThat(h.bind("p" + i)).isInstanceOf(BarrierDecision.Wait.class);
        }
        assertThat(h.viewFor(null).freeGpus(0) + h.viewFor(null).freeGpus(1)).isZero();
        h.clock.advance(Duration.ofSeconds(299));
        assertThat(h.coordinator.sweep()).isEmpty();
        h.clock.advance(Duration.ofSeconds(1));
        List<ExpiredGang> expired = h.coordinator.sweep();
        assertThat(expired).hasSize(1);
        assertThat(expired.get(0).waitingPodUids()).containsExactly("p0", "p1", "p2");
        assertThat(expired.get(0).boundToDelete()).isEmpty();
        assertThat(h.coordinator.reservations().size()).isZero();
        for (int node = 0; node < 4; node++) {
            assertThat(h.viewFor(null).freeGpus(node)).isEqualTo(8);
        }
        // a late member's bind is refused; the gang is planned again at the next filter
        assertThat(h.coordinator.arrive(spec.key(), "p3", "leaf-0-n3")).isInstanceOf(BarrierDecision.Reject.class);
        assertThat(((FilterOutcome.Assigned) h.filter(spec, "p3")).newlyPlanned()).isTrue();
    }

    @Test
    void aMemberDeletedMidGangLeavesItsPlaceToItsReplacement() {
        Harness h = new Harness(TestClusters.leaves(4)).withFreeNodes(3);
        GangSpec spec = spec("g", 3, null);
        String n1 = null;
        for (int i = 0; i < 3; i++) {
            String node = h.node(h.filter(spec, "p" + i));
            if (i == 1) {
                n1 = node;
            }
        }
        h.bind("p0");
        h.bind("p1");
        h.coordinator.podDeleted(spec.key(), "p1");
        ReservedSlot freed = h.coordinator.reservations().get(spec.key()).slots().get(1);
        assertThat(freed.podUid()).isNull();
        assertThat(h.coordinator.reservations().reservedMaskOnNode(n1, null)).isEqualTo(ALL8); // still held
        assertThat(h.bind("p2")).isInstanceOf(BarrierDecision.Wait.class);
        assertThat(h.node(h.filter(spec, "p1-replacement"))).isEqualTo(n1);
        assertThat(h.bind("p1-replacement")).isInstanceOf(BarrierDecision.BindAll.class);
        assertThat(h.boundNode.keySet()).containsExactlyInAnyOrder("p0", "p1-replacement", "p2");
    }

    @Test
    void aRunningGangThatLostAMemberPlansOnlyTheReplacementNextToTheOthers() {
        Harness h = new Harness(TestClusters.leaves(3, 3)).withFreeNodes(6);
        GangSpec spec = spec("g", 2, "same-leaf");
        h.filter(spec, "p0");
        h.filter(spec, "p1");
        h.bind("p0");
        h.bind("p1");
        String leaf = h.boundNode.get("p0").substring(0, 6);
        h.podFinished("p1"); // p1 died; its controller makes p1b
        int[] running = {h.topology.nodeIndex(h.boundNode.get("p0"))};
        FilterOutcome out = h.coordinator.assign(spec, "p1b", EIGHT, () -> h.viewFor(spec.key()), running);
        assertThat(h.node(out)).startsWith(leaf);
        assertThat(((FilterOutcome.Assigned) out).reservation().slots()).hasSize(1);
    }

    @Test
    void aRestartMidGangKeepsEveryPlaceAndBooksNothingTwice() {
        Harness h = new Harness(TestClusters.leaves(6)).withFreeNodes(5);
        GangSpec spec = spec("g", 4, null);
        List<String> planned = new ArrayList<>();
        for (ReservedSlot s : ((FilterOutcome.Assigned) h.filter(spec, "p0")).reservation().slots()) {
            planned.add(s.node());
        }
        h.filter(spec, "p1");
        assertThat(h.bind("p0")).isInstanceOf(BarrierDecision.Wait.class);

        // restart: the state is rebuilt from the pods' annotations alone
        h.clock.advance(Duration.ofSeconds(30));
        GangRecovery.Result rec = GangRecovery.recover(h.recordedMembers(), h::usedByOthers);
        assertThat(rec.notes()).isEmpty();
        h.coordinator = h.newCoordinator();
        h.coordinator.restore(rec.reservations());
        GangReservation g = h.coordinator.reservations().get(spec.key());
        assertThat(g.slots()).extracting(ReservedSlot::node).containsExactlyElementsOf(planned);
        assertThat(g.deadline()).isEqualTo(h.clock.now.minusSeconds(30).plusSeconds(300));
        // the places not yet claimed are held too: only the fifth free node is left for anyone else
        GangSpec rival = spec("rival", 2, null);
        assertThat(((FilterOutcome.Refused) h.filter(rival, "r0")).reason())
                .startsWith("gang ml/rival needs 2 x 8 GPUs; the cluster has 1 free 8-GPU node");
        // the rest of the gang goes on where it was
        assertThat(h.node(h.filter(spec, "p2"))).isEqualTo(planned.get(2));
        assertThat(h.node(h.filter(spec, "p3"))).isEqualTo(planned.get(3));
        for (String p : List.of("p0", "p1", "p2")) {
            assertThat(h.bind(p)).isInstanceOf(BarrierDecision.Wait.class);
        }
        assertThat(h.bind("p3")).isInstanceOf(BarrierDecision.BindAll.class);
        assertThat(h.boundNode).hasSize(4);
    }

    @Test
    void aRestartAfterTheDeadlineDeletesTheBoundPartOfTheGang() {
        Harness h = new Harness(TestClusters.leaves(4)).withFreeNodes(4);
        GangSpec spec = spec("g", 3, null);
        for (int i = 0; i < 3; i++) {
            h.filter(spec, "p" + i);
            h.bind("p" + i);
        }
        // the extender bound p0 and p1 through BindAll... simulate a crash right after those two Bindings
        assertThat(h.boundNode).hasSize(3);
        h.boundNode.remove("p2");
        h.clock.advance(Duration.ofMinutes(10));
        GangRecovery.Result rec = GangRecovery.recover(h.recordedMembers(), h::usedByOthers);
        h.coordinator = h.newCoordinator();
        h.coordinator.restore(rec.reservations());
        List<ExpiredGang> expired = h.coordinator.sweep();
        assertThat(expired).hasSize(1);
        assertThat(expired.get(0).boundToDelete()).extracting(MemberBinding::podUid)
                .containsExactlyInAnyOrder("p0", "p1");
    }

    @Test
    void aRestartWithoutThePlanExpiresTheGangAtOnce() {
        Harness h = new Harness(TestClusters.leaves(4)).withFreeNodes(4);
        GangSpec spec = spec("g", 3, null);
        h.filter(spec, "p0");
        h.filter(spec, "p1");
        h.annotations.values().forEach(a -> a.remove(GangAnnotations.GANG_PLAN));
        GangRecovery.Result rec = GangRecovery.recover(h.recordedMembers(), h::usedByOthers);
        assertThat(rec.notes()).containsExactly(
                "gang ml/g restored as expired: place 2 is not recorded anywhere (no plan annotation)");
        h.coordinator = h.newCoordinator();
        h.coordinator.restore(rec.reservations());
        assertThat(h.coordinator.sweep()).hasSize(1);
        assertThat(h.coordinator.reservations().size()).isZero();
    }

    @Test
    void theKroLabelFormIsAGangToo() {
        Harness h = new Harness(TestClusters.leaves(3)).withFreeNodes(3);
        GangSpec spec = GangSpec.fromPod("ml", Map.of(), Map.of("kro.run/instance-name", "llama-ft",
                "kro.run/collection-size", "2"), Map.of("gpusched.dev/gang", "true"));
        assertThat(h.filter(spec, "w0")).isInstanceOf(FilterOutcome.Assigned.class);
        assertThat(h.filter(spec, "w1")).isInstanceOf(FilterOutcome.Assigned.class);
        assertThat(h.coordinator.reservations().get(new GangKey("ml", "llama-ft")).slots()).hasSize(2);
        h.bind("w0");
        assertThat(h.bind("w1")).isInstanceOf(BarrierDecision.BindAll.class);
    }

    @Test
    void aStarvingGangHoldsNodesAgainstSmallPodsUntilItFits() {
        Harness h = new Harness(TestClusters.leaves(4)).withFreeNodes(4);
        h.used[0] = 0x01L; // one small pod on node 0
        GangSpec big = spec("big", 4, null);
        FilterOutcome first = h.filter(big, "b0");
        assertThat(first).isInstanceOf(FilterOutcome.Refused.class);
        assertThat(h.coordinator.starvation().nodesHeldAgainst(null)).isEmpty();
        h.clock.advance(Duration.ofSeconds(61));
        FilterOutcome again = h.filter(big, "b0");
        assertThat(((FilterOutcome.Refused) again).reason()).contains("it now holds 4 nodes of leaf leaf-0 against other pods");
        // small pods see no room on held nodes; the big gang's own view still sees them
        assertThat(h.coordinator.starvation().nodesHeldAgainst(null)).hasSize(4);
        assertThat(h.viewFor(null).freeGpus(1)).isZero();
        assertThat(h.viewFor(big.key()).freeGpus(1)).isEqualTo(8);
        // the small pod finishes; the big gang fits and the hold ends
        h.used[0] = 0;
        assertThat(h.filter(big, "b0")).isInstanceOf(FilterOutcome.Assigned.class);
        assertThat(h.coordinator.starvation().hold()).isNull();
        assertThat(h.coordinator.starvation().waiting()).isEmpty();
    }

    @Test
    void aGangThatCanNeverFitIsToldSoAndDoesNotWait() {
        Harness h = new Harness(TestClusters.leaves(4)).withFreeNodes(4);
        FilterOutcome out = h.filter(spec("huge", 5, null), "h0");
        assertThat(((FilterOutcome.Refused) out).reason())
                .isEqualTo("gang ml/huge needs 5 x 8 GPUs; even with every node empty, the cluster has 4 free "
                        + "8-GPU nodes");
        assertThat(h.coordinator.starvation().waiting()).isEmpty();
    }

    @Test
    void aRefusedGangWaitsWithItsPodsAndReasonUntilAMemberGetsAPlace() {
        Harness h = new Harness(TestClusters.leaves(3)).withFreeNodes(1);
        GangSpec spec = spec("w", 2, null);
        h.filter(spec, "w0");
        h.clock.advance(Duration.ofSeconds(3));
        h.filter(spec, "w1");
        WaitingGangs.Gang w = h.coordinator.waiting().get(spec.key());
        assertThat(w.podUids()).containsExactly("w0", "w1");
        assertThat(w.since()).isEqualTo(h.clock.now.minusSeconds(3));
        assertThat(w.reason()).startsWith("gang ml/w needs 2 x 8 GPUs; the cluster has 1 free 8-GPU node");
        h.coordinator.podDeleted(null, "w0");
        assertThat(h.coordinator.waiting().get(spec.key()).podUids()).containsExactly("w1");

        h.withFreeNodes(2);
        assertThat(h.filter(spec, "w1")).isInstanceOf(FilterOutcome.Assigned.class);
        assertThat(h.coordinator.waiting().get(spec.key())).isNull();
    }

    @Test
    void theRetryNudgeAsksWhetherAWaitingGangWouldBePlacedWithoutReservingIt() {
        Harness h = new Harness(TestClusters.leaves(3)).withFreeNodes(1);
        GangSpec spec = spec("w", 2, null);
        h.filter(spec, "w0");
        assertThat(h.coordinator.retryDue(1, Duration.ofSeconds(5))).extracting(WaitingGangs.Gang::key)
                .containsExactly(spec.key());
        assertThat(h.coordinator.wouldPlace(spec, EIGHT, h.viewFor(spec.key()), new int[0])).isFalse();

        h.withFreeNodes(2);
        assertThat(h.coordinator.retryDue(1, Duration.ofSeconds(5))).isEmpty(); // the cluster version did not change
        assertThat(h.coordinator.retryDue(2, Duration.ofSeconds(5))).hasSize(1);
        assertThat(h.coordinator.wouldPlace(spec, EIGHT, h.viewFor(spec.key()), new int[0])).isTrue();
        assertThat(h.coordinator.reservations().size()).isZero();
        h.coordinator.retryNudged(spec.key());
        assertThat(h.coordinator.waiting().get(spec.key()).lastNudge()).isEqualTo(h.clock.now);
        assertThat(h.coordinator.retryDue(3, Duration.ofSeconds(5))).isEmpty(); // nudged less than 5 s ago
        // a gang with every member running is never placed again
        assertThat(h.coordinator.wouldPlace(spec, EIGHT, h.viewFor(spec.key()), new int[] {0, 1})).isFalse();
        h.coordinator.gangDeleted(spec.key());
        assertThat(h.coordinator.waiting().size()).isZero();
    }
}
