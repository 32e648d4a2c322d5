package dev.gpusched.gang;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.gpusched.gang.TestClusters.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GangRecoveryTest {
    private static final Instant T0 = Instant.parse("2026-01-31T12:00:00Z");

    /** Gang ml/a of three 8-GPU members on n1, n2, n3, planned at T0. */
    private static final GangSpec THREE = spec("a", 3, null);
    private static final String PLAN_OF_THREE = "n1:0,1,2,3,4,5,6,7;n2:0,1,2,3,4,5,6,7;n3:0,1,2,3,4,5,6,7";

    /** A member of {@link #THREE} bound to the node of its place. */
    private static RecordedMember boundOfThree(String uid, int slot) {
        String node = "n" + (slot + 1);
        return new RecordedMember(uid, THREE, slot, node, 0xFFL, T0, node, PLAN_OF_THREE);
    }

    private static RecordedMember member(String uid, GangSpec spec, int slot, String node, Instant at, String plan) {
        return new RecordedMember(uid, spec, slot, node, 0xFFL, at, null, plan);
    }

    @Test
    void theYoungerOfTwoOverlappingGangsIsExpiredSoNothingIsBookedTwice() {
        GangSpec a = spec("a", 1, null);
        GangSpec b = spec("b", 1, null);
        GangRecovery.Result r = GangRecovery.recover(List.of(
                member("b0", b, 0, "n1", T0.plusSeconds(5), "n1:0,1,2,3,4,5,6,7"),
                member("a0", a, 0, "n1", T0, "n1:0,1,2,3,4,5,6,7")), node -> 0L);
        assertThat(r.notes()).containsExactly("gang ml/b restored as expired: GPUs 0,1,2,3,4,5,6,7 of node n1 are "
                + "already reserved for gang ml/a");
        assertThat(r.reservations().get(a.key()).deadline()).isEqualTo(T0.plusSeconds(300));
        assertThat(r.reservations().get(b.key()).deadline()).isEqualTo(T0.plusSeconds(5)); // expired at once
    }

    @Test
    void placesNowUsedByOtherPodsExpireTheGang() {
        GangSpec a = spec("a", 1, null);
        GangRecovery.Result r = GangRecovery.recover(List.of(member("a0", a, 0, "n1", T0, "n1:0,1,2,3,4,5,6,7")),
                node -> 0x3L);
        assertThat(r.notes()).containsExactly("gang ml/a restored as expired: GPUs 0,1 of n1 it reserved are now "
                + "used by other pods");
    }

    @Test
    void completeGangsAreNotRestoredAndTheirRecordsAreReportedForRemoval() {
        GangSpec a = spec("a", 1, null);
        RecordedMember bound = new RecordedMember("a0", a, 0, "n1", 0xFFL, T0, "n1", "n1:0,1,2,3,4,5,6,7");
        GangRecovery.Result r = GangRecovery.recover(List.of(bound), node -> 0L);
        assertThat(r.reservations().size()).isZero();
        assertThat(r.completed()).containsExactly("a0");
    }

    @Test
    void readsTheRecordFromAnnotationsWithClearErrors() {
        GangSpec a = spec("a", 4, null);
        Map<String, String> ann = new HashMap<>(Map.of(GangAnnotations.RESERVED_NODE, "n1",
                GangAnnotations.RESERVED_GPU_IDS, "0,1", GangAnnotations.RESERVED_AT, "2026-01-31T12:00:00Z",
                GangAnnotations.GANG_SLOT, "3"));
        RecordedMember m = RecordedMember.fromAnnotations("u", a, ann, null);
        assertThat(m).isEqualTo(new RecordedMember("u", a, 3, "n1", 0x3L, T0, null, null));
        assertThat(RecordedMember.fromAnnotations("u", a, Map.of(), null)).isNull();
        ann.put(GangAnnotations.GANG_SLOT, "4");
        assertThatThrownBy(() -> RecordedMember.fromAnnotations("u", a, ann, null))
                .hasMessageContaining("gpusched.dev/gang-slot '4' is not a place index 0..3");
        ann.put(GangAnnotations.GANG_SLOT, "1");
        ann.put(GangAnnotations.RESERVED_AT, "yesterday");
        assertThatThrownBy(() -> RecordedMember.fromAnnotations("u", a, ann, null))
                .hasMessageContaining("gpusched.dev/reserved-at 'yesterday' is not an RFC 3339 time");
    }

    @Test
    void aBatchCutShortWhoseUnboundMemberIsGoneIsRestoredSoItsDeadlineReleasesTheBoundOnes() {
        // A crash between Bindings bound a0 and a2 of three; a1, unbound, was deleted before the next leader started.
        // Records of a gang bound whole are removed at completion, so these are a batch cut short.
        GangRecovery.Result r = GangRecovery.recover(List.of(boundOfThree("a0", 0), boundOfThree("a2", 2)), node -> 0L);

        GangReservation g = r.reservations().get(THREE.key());
        assertThat(g.deadline()).isEqualTo(T0.plusSeconds(300));
        assertThat(g.slots()).extracting(ReservedSlot::podUid).containsExactly("a0", null, "a2");
        assertThat(g.slotOf("a0").state()).isEqualTo(SlotState.BOUND);
        assertThat(r.completed()).isEmpty();
        assertThat(r.notes()).containsExactly("gang ml/a: the plan from 2026-01-31T12:00:00Z has 2 of its 3 places "
                + "bound and the pods of the others gone (a bind batch cut short); restored so that its deadline "
                + "releases it");
        BindBarrier.Sweep s = new BindBarrier(java.time.Duration.ofSeconds(4))
                .sweep(r.reservations(), T0.plusSeconds(300));
        assertThat(s.expired()).hasSize(1);
        assertThat(s.expired().get(0).boundToDelete()).extracting(MemberBinding::podUid).containsExactly("a0", "a2");
    }

    @Test
    void aGangBoundWholeWhoseMemberFinishedIsNotReadAsABatchCutShort() {
        // a0, a1, a2 were bound whole; a1 has finished (or is being deleted): its record still shows it held place 1
        GangRecovery.Result r = GangRecovery.recover(List.of(boundOfThree("a0", 0), boundOfThree("a2", 2)),
                List.of(boundOfThree("a1", 1)), node -> 0L);

        assertThat(r.reservations().size()).isZero();
        assertThat(r.completed()).containsExactlyInAnyOrder("a0", "a2");
        assertThat(r.notes()).isEmpty();
    }

    @Test
    void aGangBeingToppedUpIsLeftRunningAndOnlyItsTopUpPlanIsRestored() {
        // a running gang lost a1 before its records were removed; its replacement claimed a top-up plan of one place
        Instant later = T0.plusSeconds(3600);
        RecordedMember replacement = new RecordedMember("a1b", THREE, 0, "n4", 0xFFL, later, null, "n4:0,1,2,3,4,5,6,7");

        GangRecovery.Result r = GangRecovery.recover(List.of(boundOfThree("a0", 0), replacement, boundOfThree("a2", 2)),
                node -> 0L);

        GangReservation g = r.reservations().get(THREE.key());
        assertThat(g.slots()).hasSize(1);
        assertThat(g.slots().get(0).podUid()).isEqualTo("a1b");
        assertThat(g.deadline()).isEqualTo(later.plusSeconds(300));
        assertThat(r.completed()).containsExactlyInAnyOrder("a0", "a2");
        assertThat(r.notes()).isEmpty();
    }
}
