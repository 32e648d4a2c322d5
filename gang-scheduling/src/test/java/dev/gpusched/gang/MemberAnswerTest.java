package dev.gpusched.gang;

import static dev.gpusched.gang.TestClusters.spec;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A gang member's filter answer over the scheduler's candidates, and its scores. */
class MemberAnswerTest {
    private static final GangKey G = new GangKey("ml", "g");
    private static final List<String> NAMES = List.of("n1", "n2", "n3");

    @Test
    void onlyTheReservedNodePassesAndEveryOtherCandidateSaysWhy() {
        boolean[] passed = new boolean[3];
        String[] reasons = new String[3];
        int failed = new MemberAnswer("n2", "held").over(G, NAMES, passed, reasons);
        assertThat(failed).isEqualTo(2);
        assertThat(passed).containsExactly(false, true, false);
        assertThat(reasons).containsExactly("gang ml/g reserved node n2 for this member; it may use no other node", null,
                "gang ml/g reserved node n2 for this member; it may use no other node");
    }

    @Test
    void aReservedNodeTheSchedulerDidNotOfferFailsEveryCandidateWithThatReason() {
        boolean[] passed = new boolean[3];
        String[] reasons = new String[3];
        assertThat(new MemberAnswer("n9", "held").over(G, NAMES, passed, reasons)).isEqualTo(3);
        assertThat(passed).containsExactly(false, false, false);
        assertThat(reasons).containsOnly("gang ml/g reserved node n9 for this member, but the scheduler did not offer it "
                + "(its own filters rejected it); the member waits for that node");
    }

    @Test
    void withoutANodeEveryCandidateFailsWithTheRefusal() {
        boolean[] passed = new boolean[3];
        String[] reasons = new String[3];
        assertThat(MemberAnswer.refused("no room").over(G, NAMES, passed, reasons)).isEqualTo(3);
        assertThat(reasons).containsOnly("no room");
        assertThat(MemberAnswer.shareRefused(G, 250).reason()).isEqualTo("gang ml/g: members must ask for whole GPUs "
                + "(nvidia.com/gpu); a share of a GPU (250 milli-GPU) cannot be reserved for a gang");
        assertThat(MemberAnswer.alreadyBound(G, "n1")).isEqualTo(new MemberAnswer("n1",
                "gang ml/g: this member is already bound to n1"));
    }

    @Test
    void anAssignedPlaceNamesItsNodeAndGpus() {
        GangSpec spec = spec("g", 1, null);
        Plan.Planned plan = new Plan.Planned("cluster", "cluster",
                List.of(new MemberPlacement(0, 0, "n3", 0b1100L, new MemberDemand(2, ""))));
        GangReservation r = GangReservation.of(spec, plan, Instant.parse("2026-01-31T12:00:00Z"));
        MemberAnswer a = MemberAnswer.of(G, new FilterOutcome.Assigned(r.slots().get(0), r, true));
        assertThat(a).isEqualTo(new MemberAnswer("n3", "gang ml/g reserved node n3 (GPUs 2,3) for this member"));
        assertThat(MemberAnswer.of(G, new FilterOutcome.Refused("why"))).isEqualTo(MemberAnswer.refused("why"));
    }

    @Test
    void aMemberScoresTheMaximumOnItsNodeAndZeroElsewhere() {
        assertThat(MemberAnswer.reservedNodeScores("n2", NAMES, 10)).containsExactly(0, 10, 0);
        assertThat(MemberAnswer.reservedNodeScores("n9", NAMES, 10)).containsExactly(0, 0, 0);
    }
}
