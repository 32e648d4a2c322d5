package dev.gpusched.extender.gang;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.gang.FilterOutcome;
import dev.gpusched.gang.GangAnnotations;
import dev.gpusched.gang.GangKey;
import dev.gpusched.gang.GangReservation;
import dev.gpusched.gang.GangSpec;
import dev.gpusched.gang.MemberDemand;
import dev.gpusched.gang.MemberPlacement;
import dev.gpusched.gang.Plan;
import dev.gpusched.gang.SlotState;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The recovery adapter: the reservations are rebuilt from the claims pods carry in the cache, then the gate opens. */
class ReservationRecoveryTest {
  private static final GangKey G = new GangKey("ml", "g");
  private final GangRig rig = new GangRig(Duration.ofSeconds(4));
  private final ReservationRecovery recovery = new ReservationRecovery(rig.gangs);

  @AfterEach
  void close() {
    rig.close();
  }

  /** A member of gang ml/g (2 x 4 GPUs on n1, reserved at T0) carrying its claim as the filter wrote it. */
  private Pod claimed(String name, int slot) {
    Pod pod = rig.member(name, "g", 2, 4);
    GangSpec spec = GangRig.spec(pod);
    GangReservation r = GangReservation.of(spec, new Plan.Planned("cluster", "cluster", List.of(
        new MemberPlacement(0, 0, "n1", 0x0FL, new MemberDemand(4, "prefer-nvlink")),
        new MemberPlacement(1, 0, "n1", 0xF0L, new MemberDemand(4, "prefer-nvlink")))), GangRig.T0);
    Map<String, String> ann = new HashMap<>(pod.getMetadata().getAnnotations());
    ann.putAll(GangAnnotations.claim(new FilterOutcome.Assigned(r.slots().get(slot), r, slot == 0)));
    pod.getMetadata().setAnnotations(ann);
    return pod;
  }

  @Test
  void theReservationsAreRebuiltFromTheClaimsOnPodsBeforeTheGateOpens() {
    rig.node("n1").snapshot();
    Pod a = claimed("a", 0);
    Pod b = claimed("b", 1);
    assertThat(rig.gangs.gate().notServing()).startsWith("gpusched is still rebuilding gang reservations");

    recovery.recover();

    GangReservation g = rig.coordinator.reservations().get(G);
    assertThat(g.reservedAt()).isEqualTo(GangRig.T0);
    assertThat(g.slotOf(a.getMetadata().getUid()).node()).isEqualTo("n1");
    assertThat(g.slotOf(a.getMetadata().getUid()).gpuMask()).isEqualTo(0x0FL);
    assertThat(g.slotOf(b.getMetadata().getUid()).gpuMask()).isEqualTo(0xF0L);
    assertThat(g.slotOf(b.getMetadata().getUid()).state()).isEqualTo(SlotState.RESERVED);
    assertThat(rig.reservedInLedger()).containsOnly(Map.entry("n1", 0xFFL));
    assertThat(rig.gangs.gate().notServing()).isNull();
    assertThat(rig.gangPods.keyOf(b.getMetadata().getUid())).isEqualTo("ml/b"); // its pods are known by UID again
  }

  @Test
  void aClaimOnGpusAnotherPodHoldsNowIsNotBookedTwice() {
    rig.node("n1").running("other", "n1", "4");
    rig.snapshot();
    claimed("a", 0);
    claimed("b", 1);

    recovery.recover();

    // restored already expired, so the first sweep releases it and its pods plan the gang again
    assertThat(rig.coordinator.reservations().get(G).expiredAt(rig.clock.instant())).isTrue();
    new GangHousekeeping(rig.gangs, new GangRelease(rig.gangs), rig.topologies, Duration.ofSeconds(5)).sweep();
    assertThat(rig.coordinator.reservations().get(G)).isNull();
    assertThat(rig.reservedInLedger()).isEmpty();
  }

  @Test
  void withNoClaimOnAnyPodNothingIsRestoredAndTheGateOpens() {
    rig.node("n1").snapshot();
    rig.member("a", "g", 2, 4);

    recovery.recover();

    assertThat(rig.coordinator.reservations().size()).isZero();
    assertThat(rig.gangs.gate().serving()).isTrue();
  }
}
