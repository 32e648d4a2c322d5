package dev.gpusched.gang;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The weighing rule, on hand-computed examples: candidates that split no gang are answered whenever there are any;
 * else kube-scheduler's own criteria rank the candidates over every pod each evicts, gang-mates on other nodes
 * included.
 */
class PreemptionChoiceTest {
    private static final Instant NINE = Instant.parse("2026-01-31T09:00:00Z");
    private static final Instant TEN = Instant.parse("2026-01-31T10:00:00Z");
    private static final Instant ELEVEN = Instant.parse("2026-01-31T11:00:00Z");

    private static PreemptionChoice.Victim v(String uid, int priority) {
        return new PreemptionChoice.Victim(uid, priority, TEN);
    }

    private static PreemptionChoice.Victim v(String uid, int priority, Instant start) {
        return new PreemptionChoice.Victim(uid, priority, start);
    }

    private static PreemptionChoice.Weighed w(String node, List<PreemptionChoice.Victim> on,
                                              List<PreemptionChoice.Victim> off) {
        return new PreemptionChoice.Weighed(node, on, off, 0);
    }

    private static List<String> nodes(List<PreemptionChoice.Weighed> ws) {
        return ws.stream().map(PreemptionChoice.Weighed::node).toList();
    }

    @Test
    void theIssuesThirdNodeWinsBecauseItSplitsNoGang() {
        // p1, p2: a 4-GPU pod and one member of gang lg each; p3: one 8-GPU pod. All priority 0.
        PreemptionChoice.Weighed p1 = w("p1", List.of(v("a1", 0), v("lg-0", 0)), List.of(v("lg-1", 0)));
        PreemptionChoice.Weighed p2 = w("p2", List.of(v("a2", 0), v("lg-1", 0)), List.of(v("lg-0", 0)));
        PreemptionChoice.Weighed p3 = w("p3", List.of(v("b", 0)), List.of());

        PreemptionChoice.Choice c = PreemptionChoice.weigh(List.of(p1, p2, p3));

        assertThat(nodes(c.unsplit())).containsExactly("p3");
        assertThat(c.splitRanked()).isEmpty();
    }

    @Test
    void everyUnsplitCandidateIsAnsweredForKubeSchedulerToPickAmong() {
        PreemptionChoice.Weighed a = w("a", List.of(v("x", 5)), List.of());
        PreemptionChoice.Weighed b = w("b", List.of(v("g-0", 0)), List.of(v("g-1", 0)));
        PreemptionChoice.Weighed c = w("c", List.of(v("y", 1), v("z", 1)), List.of());

        assertThat(nodes(PreemptionChoice.weigh(List.of(a, b, c)).unsplit())).containsExactly("a", "c");
    }

    @Test
    void anUnsplitCandidateIsPreferredEvenWithAHigherPriorityVictim() {
        // kube-scheduler alone would take b (highest victim priority 0 < 100); gpusched answers a: no gang is split
        // while a candidate spares every gang.
        PreemptionChoice.Weighed a = w("a", List.of(v("important", 100)), List.of());
        PreemptionChoice.Weighed b = w("b", List.of(v("g-0", 0)), List.of(v("g-1", 0)));

        PreemptionChoice.Choice c = PreemptionChoice.weigh(List.of(b, a));

        assertThat(nodes(c.unsplit())).containsExactly("a");
    }

    @Test
    void theIssuesTwoNodesTieAndTheFirstIsTaken() {
        // p1: a1 (started 10:00), lg-0 and elsewhere lg-1 (both 09:00); p2: a2 (11:00), lg-1 and elsewhere lg-0.
        // Each evicts 3 pods of priority 0: sum 3 x 2^31 each; earliest start of the highest-priority victims 09:00
        // for both. A full tie: the first candidate is taken, as kube-scheduler takes the first.
        PreemptionChoice.Weighed p1 = w("p1", List.of(v("a1", 0, TEN), v("lg-0", 0, NINE)), List.of(v("lg-1", 0, NINE)));
        PreemptionChoice.Weighed p2 = w("p2", List.of(v("a2", 0, ELEVEN), v("lg-1", 0, NINE)),
                List.of(v("lg-0", 0, NINE)));

        assertThat(nodes(PreemptionChoice.weigh(List.of(p1, p2)).splitRanked())).containsExactly("p1", "p2");
    }

    @Test
    void gangMatesOnOtherNodesCountAsVictims() {
        // kube-scheduler sees 1 victim on n1 and 2 on n2 and would take n1; with the gang-mates n1 evicts 4 pods
        // (gang A of 4) and n2 3 (x and gang B of 2): n2 is less costly.
        PreemptionChoice.Weighed n1 = w("n1", List.of(v("A-0", 0)), List.of(v("A-1", 0), v("A-2", 0), v("A-3", 0)));
        PreemptionChoice.Weighed n2 = w("n2", List.of(v("x", 0), v("B-0", 0)), List.of(v("B-1", 0)));

        assertThat(nodes(PreemptionChoice.weigh(List.of(n1, n2)).splitRanked())).containsExactly("n2", "n1");
    }

    @Test
    void aGangMateOfHigherPriorityElsewhereRaisesTheCandidatesHighestPriority() {
        // n1's only visible victim has priority 0, but its gang-mate elsewhere runs at 50: highest 50.
        // n2 evicts three pods of priority 10: highest 10 < 50, so n2 comes first despite more pods.
        PreemptionChoice.Weighed n1 = w("n1", List.of(v("G-0", 0)), List.of(v("G-1", 50)));
        PreemptionChoice.Weighed n2 = w("n2", List.of(v("H-0", 10), v("y", 10)), List.of(v("H-1", 10)));

        assertThat(nodes(PreemptionChoice.weigh(List.of(n1, n2)).splitRanked())).containsExactly("n2", "n1");
    }

    @Test
    void pdbViolationsComeFirstAsInKubeScheduler() {
        PreemptionChoice.Weighed n1 = new PreemptionChoice.Weighed("n1", List.of(v("G-0", 0)), List.of(v("G-1", 0)), 1);
        PreemptionChoice.Weighed n2 = new PreemptionChoice.Weighed("n2",
                List.of(v("a", 5), v("b", 5), v("H-0", 5)), List.of(v("H-1", 5), v("H-2", 5)), 0);

        assertThat(nodes(PreemptionChoice.weigh(List.of(n1, n2)).splitRanked())).containsExactly("n2", "n1");
    }

    @Test
    void negativePrioritiesAreShiftedSoFewerPodsCostLess() {
        // highest -10 on both; each priority is shifted by 2^31 before summing, so n2, one pod fewer, sums lower
        PreemptionChoice.Weighed n1 = w("n1", List.of(v("G-0", -10), v("a", -10)), List.of(v("G-1", -10)));
        PreemptionChoice.Weighed n2 = w("n2", List.of(v("H-0", -10)), List.of(v("H-1", -10)));

        assertThat(PreemptionChoice.sumOfPriorities(n1.all())).isEqualTo(3 * ((1L << 31) - 10));
        assertThat(PreemptionChoice.sumOfPriorities(n2.all())).isEqualTo(2 * ((1L << 31) - 10));
        assertThat(nodes(PreemptionChoice.weigh(List.of(n1, n2)).splitRanked())).containsExactly("n2", "n1");
    }

    @Test
    void atEqualCostTheCandidateWhoseOldestTopVictimStartedLatestComesFirst() {
        PreemptionChoice.Weighed early = w("early", List.of(v("G-0", 0, NINE)), List.of(v("G-1", 0, ELEVEN)));
        PreemptionChoice.Weighed late = w("late", List.of(v("H-0", 0, TEN)), List.of(v("H-1", 0, ELEVEN)));

        assertThat(nodes(PreemptionChoice.weigh(List.of(early, late)).splitRanked())).containsExactly("late", "early");
    }

    @Test
    void victimsAreOrderedMostImportantFirstAsKubeSchedulerExpects() {
        List<PreemptionChoice.Victim> sorted = java.util.stream.Stream.of(v("a", 0, TEN), v("b", 5, ELEVEN),
                v("c", 0, NINE)).sorted(PreemptionChoice.MORE_IMPORTANT_FIRST).toList();

        assertThat(sorted).extracting(PreemptionChoice.Victim::podUid).containsExactly("b", "c", "a");
    }

    @Test
    void theCostIsSaidInKubeSchedulersTerms() {
        PreemptionChoice.Weighed n = w("n", List.of(v("a", 3), v("G-0", 1)), List.of(v("G-1", 1)));

        assertThat(n.cost()).isEqualTo("3 pods (1 on other nodes), highest priority 3, priorities summing to 5, "
                + "0 PDB violations");
    }
}
