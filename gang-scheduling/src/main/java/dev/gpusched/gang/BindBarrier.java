package dev.gpusched.gang;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The bind barrier as pure transitions over {@link Reservations}: members are bound only when every member holds its
 * reserved place, within the gang's deadline.
 *
 * <p>kube-scheduler binds each pod in its own goroutine and waits for an extender's bind answer only up to the
 * extender's httpTimeout (5 s by default), while a gang may wait minutes for its last member. So a member that
 * reaches bind becomes {@link SlotState#READY} and keeps its place until the gang's deadline, whatever happens to its
 * HTTP call: the call is held at most {@code holdBound} (set it below httpTimeout); if the barrier has not opened by
 * then the call is answered with an error, kube-scheduler retries the pod, its filter answers the same reserved node
 * and its next bind call arrives again. When the last member becomes ready, the barrier opens: every ready member is
 * returned for binding at once ({@link BarrierDecision.BindAll}), the extender binds them all through the API, and
 * answers the held calls. At the deadline {@link #sweep} releases an incomplete gang and reports members already
 * bound, for deletion.
 */
public final class BindBarrier {

    private final Duration holdBound;

    /** @param holdBound how long one bind call may be held; below kube-scheduler's extender httpTimeout */
    public BindBarrier(Duration holdBound) {
        if (holdBound.isNegative() || holdBound.isZero()) {
            throw new IllegalArgumentException("bind hold bound must be positive, got " + holdBound);
        }
        this.holdBound = holdBound;
    }

    public Duration holdBound() {
        return holdBound;
    }

    /** A new state and what to do. */
    public record Step(Reservations next, BarrierDecision decision) {
    }

    /** The state after a sweep and the gangs it released. */
    public record Sweep(Reservations next, List<ExpiredGang> expired) {
        public Sweep {
            expired = List.copyOf(expired);
        }
    }

    /**
     * A member's bind call arrived for {@code node}. A pod without a claimed place (e.g. after a restart that lost
     * no reservation but the pod's claim) takes a free place on that node.
     */
    public Step arrive(Reservations r, GangKey gang, String podUid, String node, Instant now) {
        GangReservation g = r.get(gang);
        if (g == null) {
            return new Step(r, new BarrierDecision.Reject("gang " + gang + " holds no reservation (it timed out or "
                    + "was released); the scheduler will plan the gang again"));
        }
        if (g.expiredAt(now) && !g.complete()) {
            return new Step(r, new BarrierDecision.Reject("gang " + gang + " timed out after "
                    + g.spec().timeout().toSeconds() + "s before all " + g.slots().size()
                    + " members reached bind; its reservation is being released"));
        }
        ReservedSlot slot = g.slotOf(podUid);
        if (slot == null) {
            for (ReservedSlot s : g.slots()) {
                if (s.podUid() == null && s.node().equals(node)) {
                    slot = s.claimedBy(podUid);
                    break;
                }
            }
            if (slot == null) {
                return new Step(r, new BarrierDecision.Reject("pod " + podUid + " holds no place of gang " + gang
                        + " on node " + node + "; the scheduler will retry it"));
            }
        }
        if (!slot.node().equals(node)) {
            return new Step(r, new BarrierDecision.Reject("pod " + podUid + " of gang " + gang + " is reserved on node "
                    + slot.node() + ", not " + node + "; the scheduler will retry it"));
        }
        if (slot.state() == SlotState.BINDING || slot.state() == SlotState.BOUND) {
            return new Step(r, new BarrierDecision.AlreadyBound(slot.binding()));
        }
        g = g.with(slot.withState(SlotState.READY));
        if (g.count(SlotState.RESERVED) > 0) {
            int ready = g.slots().size() - g.count(SlotState.RESERVED);
            Instant until = now.plus(holdBound);
            if (until.isAfter(g.deadline())) {
                until = g.deadline();
            }
            return new Step(r.with(g), new BarrierDecision.Wait(until, ready, g.slots().size()));
        }
        List<MemberBinding> toBind = new ArrayList<>();
        for (ReservedSlot s : g.slots()) {
            if (s.state() == SlotState.READY) {
                toBind.add(s.binding());
                g = g.with(s.withState(SlotState.BINDING));
            }
        }
        return new Step(r.with(g), new BarrierDecision.BindAll(toBind));
    }

    /**
     * A held bind call reached its hold bound. The member stays ready (it keeps its place until the deadline); the
     * call is answered with the returned error, unless the barrier opened meanwhile.
     */
    public BarrierDecision holdExpired(Reservations r, GangKey gang, String podUid) {
        GangReservation g = r.get(gang);
        ReservedSlot slot = g == null ? null : g.slotOf(podUid);
        if (slot == null) {
            return new BarrierDecision.Reject("gang " + gang + " no longer holds a place for pod " + podUid
                    + "; the scheduler will retry it");
        }
        if (slot.state() == SlotState.BINDING || slot.state() == SlotState.BOUND) {
            return new BarrierDecision.AlreadyBound(slot.binding());
        }
        int waiting = g.count(SlotState.RESERVED);
        return new BarrierDecision.Reject("gang " + gang + " is waiting for " + waiting + " of "
                + g.slots().size() + " members to reach bind; this pod keeps its place on " + slot.node()
                + " until " + g.deadline() + " and will be retried");
    }

    /** The extender bound a member: its place becomes BOUND; a gang whose members are all bound leaves the state. */
    public Reservations bindSucceeded(Reservations r, GangKey gang, String podUid) {
        GangReservation g = r.get(gang);
        ReservedSlot slot = g == null ? null : g.slotOf(podUid);
        if (slot == null) {
            return r;
        }
        g = g.with(slot.withState(SlotState.BOUND));
        return g.complete() ? r.without(gang) : r.with(g);
    }

    /**
     * The extender could not bind a member (API error): the pod keeps its claim, back to RESERVED, and must reach
     * bind again before the deadline.
     */
    public Reservations bindFailed(Reservations r, GangKey gang, String podUid) {
        GangReservation g = r.get(gang);
        ReservedSlot slot = g == null ? null : g.slotOf(podUid);
        if (slot == null) {
            return r;
        }
        return r.with(g.with(slot.withState(SlotState.RESERVED)));
    }

    /**
     * A member pod was deleted: its place is freed for a replacement pod (unclaimed, reserved again, counted as held),
     * and the gang's deadline is unchanged. A pod with no place changes nothing.
     */
    public Reservations memberDeleted(Reservations r, GangKey gang, String podUid) {
        GangReservation g = r.get(gang);
        ReservedSlot slot = g == null ? null : g.slotOf(podUid);
        if (slot == null) {
            return r;
        }
        return r.with(g.with(slot.released()));
    }

    /**
     * Releases a gang whose barrier opened but whose places cannot all be bound: a member's reserved GPUs were taken
     * meanwhile (the plan was made on a cache that had not yet seen another binding). Released before any Binding of
     * this round is written, so only members bound in an earlier round are reported for deletion; members being bound
     * now are answered with {@code reason} like those still at the barrier, and every pod that held a place plans
     * again. A gang without a reservation releases nothing.
     */
    public Sweep abandon(Reservations r, GangKey gang, String reason) {
        GangReservation g = r.get(gang);
        if (g == null) {
            return new Sweep(r, List.of());
        }
        return new Sweep(r.without(gang), List.of(released(g, false, bound -> reason)));
    }

    /** Releases every incomplete gang whose deadline has passed. */
    public Sweep sweep(Reservations r, Instant now) {
        List<GangReservation> expired = r.expired(now);
        if (expired.isEmpty()) {
            return new Sweep(r, List.of());
        }
        List<ExpiredGang> out = new ArrayList<>(expired.size());
        Reservations next = r;
        for (GangReservation g : expired) {
            int ready = g.slots().size() - g.count(SlotState.RESERVED);
            out.add(released(g, true, bound -> "gang " + g.key() + " timed out after " + g.spec().timeout().toSeconds()
                    + "s with " + ready + " of " + g.slots().size() + " members at bind; its reservation is released"
                    + (bound == 0 ? "" : " and its " + bound + " bound member" + (bound == 1 ? " is" : "s are")
                    + " deleted")));
            next = next.without(g.key());
        }
        return new Sweep(next, out);
    }

    /**
     * What releasing the gang means for its pods: those bound (with {@code bindingIsBound}, also those being bound: at a
     * timeout their Binding may be written already) are to be deleted, those at the barrier answered, every claimant's
     * annotations cleared.
     *
     * @param reason the reason in words, given how many members are to be deleted
     */
    private static ExpiredGang released(GangReservation g, boolean bindingIsBound, IntFunction<String> reason) {
        List<MemberBinding> bound = new ArrayList<>();
        List<String> waiting = new ArrayList<>();
        List<String> claimed = new ArrayList<>();
        for (ReservedSlot s : g.slots()) {
            if (s.podUid() == null) {
                continue;
            }
            claimed.add(s.podUid());
            SlotState state = s.state();
            if (state == SlotState.BOUND || (bindingIsBound && state == SlotState.BINDING)) {
                bound.add(s.binding());
            } else if (state == SlotState.READY || state == SlotState.BINDING) {
                waiting.add(s.podUid());
            }
        }
        return new ExpiredGang(g.key(), bound, waiting, claimed, reason.apply(bound.size()));
    }
}
