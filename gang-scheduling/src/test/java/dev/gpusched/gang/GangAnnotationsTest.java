package dev.gpusched.gang;

import static dev.gpusched.gang.TestClusters.spec;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a claim writes on a member pod, and what a release removes; and the reserved GPUs per node for the ledger. */
class GangAnnotationsTest {
    private static final Instant T0 = Instant.parse("2026-01-31T12:00:00Z");

    private static GangReservation twoMembers() {
        return GangReservation.of(spec("g", 2, null), new Plan.Planned("cluster", "cluster", List.of(
                new MemberPlacement(0, 0, "n1", 0b0011L, new MemberDemand(2, "")),
                new MemberPlacement(1, 1, "n2", 0b1100L, new MemberDemand(2, "nvlink")))), T0);
    }

    @Test
    void aClaimRecordsTheNodeGpusTimeSlotAndWholePlan() {
        GangReservation r = twoMembers();
        ReservedSlot second = r.slots().get(1);
        assertThat(GangAnnotations.claim(new FilterOutcome.Assigned(second, r, false))).containsExactly(
                java.util.Map.entry(GangAnnotations.RESERVED_NODE, "n2"),
                java.util.Map.entry(GangAnnotations.RESERVED_GPU_IDS, "2,3"),
                java.util.Map.entry(GangAnnotations.RESERVED_AT, "2026-01-31T12:00:00Z"),
                java.util.Map.entry(GangAnnotations.GANG_SLOT, "1"),
                java.util.Map.entry(GangAnnotations.GANG_PLAN, "n1:0,1;n2:2,3@nvlink"));
    }

    @Test
    void aReleaseRemovesEveryClaimAnnotation() {
        assertThat(GangAnnotations.claimRemoved()).containsOnlyKeys(GangAnnotations.RESERVED_NODE,
                GangAnnotations.RESERVED_GPU_IDS, GangAnnotations.RESERVED_AT, GangAnnotations.GANG_SLOT,
                GangAnnotations.GANG_PLAN);
        assertThat(GangAnnotations.claimRemoved().values()).containsOnlyNulls();
    }

    @Test
    void theLedgerSeesEveryPlaceNotYetBoundAsUsed() {
        Reservations r = Reservations.EMPTY.with(twoMembers());
        assertThat(r.maskByNode()).containsOnly(java.util.Map.entry("n1", 0b0011L), java.util.Map.entry("n2", 0b1100L));
        assertThat(Reservations.EMPTY.maskByNode()).isEmpty();
    }
}
