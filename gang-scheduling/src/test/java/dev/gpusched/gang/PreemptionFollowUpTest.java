package dev.gpusched.gang;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The follow-up of a whole-gang eviction, step by step, for gang ml/lg of two pods: lg-0 on p1 (the preemption's node,
 * evicted by kube-scheduler) and lg-1 on p2 (evicted by gpusched), decided at 12:00:00.
 */
class PreemptionFollowUpTest {
    private static final Instant T = Instant.parse("2026-01-31T12:00:00Z");
    private static final PreemptedGang DECISION = new PreemptedGang(new GangKey("ml", "lg"), "prod/big", "p1", T, 2);
    private static final PreemptionFollowUp.Timing TIMING =
            new PreemptionFollowUp.Timing(Duration.ofSeconds(10), Duration.ofSeconds(60));

    private static PreemptionFollowUp.Member alive(String uid, String node) {
        return new PreemptionFollowUp.Member(uid, node, false);
    }

    private static PreemptionFollowUp.Member terminating(String uid, String node) {
        return new PreemptionFollowUp.Member(uid, node, true);
    }

    private static PreemptionFollowUp.Step at(int seconds, int othersAlive, PreemptionFollowUp.Member... carrying) {
        return PreemptionFollowUp.next(DECISION, List.of(carrying), othersAlive, T.plusSeconds(seconds), TIMING);
    }

    @Test
    void whileNothingIsGoneItWaits() {
        assertThat(at(1, 0, alive("lg-0", "p1"), alive("lg-1", "p2"))).isEqualTo(new PreemptionFollowUp.Wait());
    }

    @Test
    void onceKubeSchedulerEvictsTheNodesMemberTheRestIsEvicted() {
        assertThat(at(2, 0, terminating("lg-0", "p1"), alive("lg-1", "p2")))
                .isEqualTo(new PreemptionFollowUp.Evict(List.of("lg-1")));
        // lg-0 is gone from the API altogether: the same
        assertThat(at(2, 0, alive("lg-1", "p2"))).isEqualTo(new PreemptionFollowUp.Evict(List.of("lg-1")));
    }

    @Test
    void whenEverythingIsGoneTheDecisionIsDone() {
        assertThat(at(3, 0, terminating("lg-1", "p2"))).isEqualTo(new PreemptionFollowUp.Done());
        assertThat(at(3, 0)).isEqualTo(new PreemptionFollowUp.Done());
    }

    @Test
    void aDecisionNothingCameOfIsUndoneAfterTheDelay() {
        // the deciding replica stopped before kube-scheduler had its answer: nothing is evicted
        assertThat(at(59, 0, alive("lg-0", "p1"), alive("lg-1", "p2"))).isEqualTo(new PreemptionFollowUp.Wait());
        assertThat(at(60, 0, alive("lg-0", "p1"), alive("lg-1", "p2")))
                .isEqualTo(new PreemptionFollowUp.Undo(List.of("lg-0", "lg-1")));
    }

    @Test
    void aRecordWrittenOnPartOfTheGangShowsNothingGone() {
        // the write on lg-1 failed: lg-1 runs without the record, so nothing is gone and the record is undone
        assertThat(at(5, 1, alive("lg-0", "p1"))).isEqualTo(new PreemptionFollowUp.Wait());
        assertThat(at(60, 1, alive("lg-0", "p1"))).isEqualTo(new PreemptionFollowUp.Undo(List.of("lg-0")));
    }

    @Test
    void theNodesMembersAreLeftToKubeSchedulerForTheGrace() {
        // lg-1 went (evicted by someone else); lg-0 on the preemption's node is kube-scheduler's to evict first
        assertThat(at(9, 0, alive("lg-0", "p1"))).isEqualTo(new PreemptionFollowUp.Wait());
        assertThat(at(10, 0, alive("lg-0", "p1"))).isEqualTo(new PreemptionFollowUp.Evict(List.of("lg-0")));
    }

    @Test
    void theRecordRoundTripsThroughItsAnnotations() {
        Map<String, String> ann = DECISION.annotations();
        assertThat(ann).containsExactly(Map.entry("gpusched.dev/preempted-by", "prod/big"),
                Map.entry("gpusched.dev/preempted-on", "p1"),
                Map.entry("gpusched.dev/preempted-at", "2026-01-31T12:00:00Z"),
                Map.entry("gpusched.dev/preempted-pods", "2"));
        assertThat(PreemptedGang.fromAnnotations(DECISION.gang(), ann)).isEqualTo(DECISION);
        assertThat(PreemptedGang.fromAnnotations(DECISION.gang(), Map.of())).isNull();
        assertThat(PreemptedGang.removed()).containsOnlyKeys(ann.keySet()).containsValue(null);
    }

    @Test
    void aMalformedRecordIsRefusedByName() {
        assertThatThrownBy(() -> PreemptedGang.fromAnnotations(DECISION.gang(), Map.of(
                "gpusched.dev/preempted-by", "prod/big", "gpusched.dev/preempted-on", "p1",
                "gpusched.dev/preempted-at", "noon", "gpusched.dev/preempted-pods", "2")))
                .hasMessage("gpusched.dev/preempted-at=\"noon\" is not an RFC 3339 time");
        assertThatThrownBy(() -> PreemptedGang.fromAnnotations(DECISION.gang(), Map.of(
                "gpusched.dev/preempted-by", "prod/big")))
                .hasMessageStartingWith("gpusched.dev/preempted-by without");
    }
}
