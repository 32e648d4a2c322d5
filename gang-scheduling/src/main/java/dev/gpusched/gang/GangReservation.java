package dev.gpusched.gang;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A gang's plan held for it until {@code deadline}: one {@link ReservedSlot} per member. Immutable.
 *
 * @param spec       the gang
 * @param reservedAt when the plan was reserved
 * @param deadline   {@code reservedAt + spec.timeout()}: by then every member must be bound, or all is released
 * @param slots      one per member, by slot index
 */
public record GangReservation(GangSpec spec, Instant reservedAt, Instant deadline, List<ReservedSlot> slots) {

    public GangReservation {
        slots = List.copyOf(slots);
        for (int i = 0; i < slots.size(); i++) {
            if (slots.get(i).member() != i) {
                throw new IllegalArgumentException("gang " + spec.key() + ": slot " + i + " has member index "
                        + slots.get(i).member());
            }
        }
    }

    /** A fresh reservation of a plan: every slot reserved and unclaimed. */
    public static GangReservation of(GangSpec spec, Plan.Planned plan, Instant now) {
        List<ReservedSlot> slots = new ArrayList<>(plan.placements().size());
        for (MemberPlacement p : plan.placements()) {
            slots.add(new ReservedSlot(p.member(), p.nodeName(), p.gpuMask(), p.demand(), null, SlotState.RESERVED));
        }
        return new GangReservation(spec, now, now.plus(spec.timeout()), slots);
    }

    public GangKey key() {
        return spec.key();
    }

    /** The slot a pod holds, or null. */
    public ReservedSlot slotOf(String podUid) {
        for (ReservedSlot s : slots) {
            if (podUid.equals(s.podUid())) {
                return s;
            }
        }
        return null;
    }

    /** The same reservation with one slot replaced. */
    public GangReservation with(ReservedSlot slot) {
        List<ReservedSlot> copy = new ArrayList<>(slots);
        copy.set(slot.member(), slot);
        return new GangReservation(spec, reservedAt, deadline, copy);
    }

    /** Number of slots in a state. */
    public int count(SlotState state) {
        int c = 0;
        for (ReservedSlot s : slots) {
            if (s.state() == state) {
                c++;
            }
        }
        return c;
    }

    /** True when every slot's pod is bound. */
    public boolean complete() {
        return count(SlotState.BOUND) == slots.size();
    }

    /**
     * True while the barrier is open and no bind has failed: every slot is being bound or bound. Such a gang passed its
     * barrier before its deadline; the binds in flight decide whether it completes.
     */
    public boolean barrierOpened() {
        return count(SlotState.RESERVED) == 0 && count(SlotState.READY) == 0;
    }

    /** True when the deadline has passed. */
    public boolean expiredAt(Instant now) {
        return !now.isBefore(deadline);
    }
}
