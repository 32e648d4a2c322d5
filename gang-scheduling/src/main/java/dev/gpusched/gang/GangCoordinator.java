package dev.gpusched.gang;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Collections;
import java.util.List;

/**
 * The one stateful object of gang scheduling: it holds the current {@link Reservations}, {@link StarvationGuard} and
 * {@link WaitingGangs} and applies the pure steps of {@link GangPlanner}, {@link BindBarrier}, the guard and the
 * retry-nudge rule to them.
 *
 * <p>Thread-safe: every change runs under this object's lock (changes are rare: a plan per gang, one step per member
 * bind), and the resulting immutable values are published through volatile fields, so the filter hot path reads
 * {@link #reservations()} and {@link #starvation()} without locking. Time comes from the injected clock.
 */
public final class GangCoordinator {

    private final GangPlanner planner;
    private final BindBarrier barrier;
    private final InstantSource clock;
    private volatile Reservations reservations = Reservations.EMPTY;
    private volatile StarvationGuard starvation;
    private volatile WaitingGangs waiting = WaitingGangs.NONE;

    /**
     * @param holdBound  how long a bind call may be held (below kube-scheduler's extender httpTimeout, e.g. 4 s)
     * @param starvation the bounded-wait rule's parameters, e.g. {@code StarvationGuard.create(60s, 15min, 5min)}
     */
    public GangCoordinator(GangPlanner planner, InstantSource clock, Duration holdBound, StarvationGuard starvation) {
        this.planner = planner;
        this.barrier = new BindBarrier(holdBound);
        this.clock = clock;
        this.starvation = starvation;
    }

    /** The current reservations (immutable; no lock). */
    public Reservations reservations() {
        return reservations;
    }

    /** The current starvation state (immutable; no lock): nodes held against other pods. */
    public StarvationGuard starvation() {
        return starvation;
    }

    /** The gangs whose last plan failed (immutable; no lock). */
    public WaitingGangs waiting() {
        return waiting;
    }

    /**
     * Filter for a gang member: its place if the gang holds a reservation, else plans the whole gang on {@code view}
     * and reserves it. Members not yet seen are assumed to ask what this pod asks.
     *
     * @param view free capacity for this gang: without used GPUs, without other gangs' reservations
     *             ({@code reservations().reservedMaskOnNode(node, spec.key())}) and without nodes held for another
     *             gang ({@code starvation().nodesHeldAgainst(spec.key())})
     */
    public FilterOutcome assign(GangSpec spec, String podUid, MemberDemand demand, CapacityView view) {
        return assign(spec, podUid, demand, () -> view, new int[0]);
    }

    /**
     * As {@link #assign(GangSpec, String, MemberDemand, CapacityView)} for a gang some of whose members are already
     * bound and running (one was deleted and recreated): only the missing members are planned, next to the running
     * ones. A refusal makes the gang {@link #waiting()} (with the pod and the reason); a place ends its wait.
     *
     * @param view             the capacity view, built only when the gang must be planned (a member of a planned gang
     *                         only claims its place: building a view visits every node)
     * @param boundMemberNodes view node indices of the gang's bound, running members (one entry per member)
     */
    public synchronized FilterOutcome assign(GangSpec spec, String podUid, MemberDemand demand,
                                             java.util.function.Supplier<? extends CapacityView> view,
                                             int[] boundMemberNodes) {
        Instant now = clock.instant();
        FilterOutcome outcome = decide(spec, podUid, demand, view, boundMemberNodes, now);
        if (outcome instanceof FilterOutcome.Refused refused) {
            waiting = waiting.refused(spec, podUid, refused.reason(), now);
        } else {
            waiting = waiting.placed(spec.key());
        }
        return outcome;
    }

    private FilterOutcome decide(GangSpec spec, String podUid, MemberDemand demand,
                                 java.util.function.Supplier<? extends CapacityView> view, int[] boundMemberNodes,
                                 Instant now) {
        GangKey key = spec.key();
        GangReservation existing = reservations.get(key);
        if (existing != null) {
            return claim(existing, spec, podUid, demand, now);
        }
        int missing = spec.size() - boundMemberNodes.length;
        if (missing <= 0) {
            return new FilterOutcome.Refused("gang " + key + " already has " + boundMemberNodes.length
                    + " bound members of " + spec.size() + "; this pod is one too many");
        }
        List<MemberDemand> members = Collections.nCopies(missing, demand);
        CapacityView capacity = view.get();
        Plan plan = planner.plan(spec, members, capacity, boundMemberNodes);
        if (plan instanceof Plan.Infeasible infeasible) {
            return refuseAndMaybeHold(spec, members, capacity, infeasible.reason(), now);
        }
        GangReservation fresh = GangReservation.of(spec, (Plan.Planned) plan, now);
        String conflict = reservations.conflictWith(fresh);
        if (conflict != null) {
            return new FilterOutcome.Refused("gang " + key + " was planned on capacity taken meanwhile (" + conflict
                    + "); it will be planned again");
        }
        ReservedSlot slot = fresh.slots().get(0).claimedBy(podUid);
        fresh = fresh.with(slot);
        reservations = reservations.with(fresh);
        starvation = starvation.forget(key);
        return new FilterOutcome.Assigned(slot, fresh, true);
    }

    private FilterOutcome claim(GangReservation g, GangSpec spec, String podUid, MemberDemand demand, Instant now) {
        if (g.expiredAt(now) && !g.complete()) {
            return new FilterOutcome.Refused("gang " + g.key() + " timed out; its reservation is being released and "
                    + "the gang will be planned again");
        }
        if (g.spec().size() != spec.size()) { // pods of one gang must agree
            return new FilterOutcome.Refused("pods of gang " + g.key() + " disagree on its size: the reservation "
                    + "has " + g.spec().size() + " members, this pod says " + spec.size());
        }
        ReservedSlot mine = g.slotOf(podUid);
        if (mine != null) {
            return new FilterOutcome.Assigned(mine, g, false);
        }
        ReservedSlot free = null;
        boolean anyUnclaimed = false;
        for (ReservedSlot s : g.slots()) {
            if (s.podUid() == null) {
                anyUnclaimed = true;
                if (s.demand().equals(demand)) {
                    free = s;
                    break;
                }
            }
        }
        if (free == null) {
            return new FilterOutcome.Refused(anyUnclaimed
                    ? "gang " + g.key() + " has no free place for a member asking " + demand
                    + "; its free places were planned for other demands"
                    : "gang " + g.key() + " already has all " + g.slots().size() + " places claimed by other pods");
        }
        ReservedSlot slot = free.claimedBy(podUid);
        GangReservation next = g.with(slot);
        reservations = reservations.with(next);
        return new FilterOutcome.Assigned(slot, next, false);
    }

    private FilterOutcome refuseAndMaybeHold(GangSpec spec, List<MemberDemand> members, CapacityView view,
                                             String reason, Instant now) {
        GangKey key = spec.key();
        HoldPlan hold = planner.planHold(spec, members, view);
        if (!hold.possible()) {
            starvation = starvation.forget(key);
            return new FilterOutcome.Refused(hold.neverFitsReason());
        }
        StarvationGuard s = starvation.planFailed(key, now);
        String suffix = "";
        if (s.shouldHold(key, now)) {
            s = s.withHold(key, hold.nodes(), now);
            suffix = "; waiting too long, it now holds " + hold.nodes().size() + " node"
                    + (hold.nodes().size() == 1 ? "" : "s") + " of " + hold.levelName() + " " + hold.domainName()
                    + " against other pods until it fits";
        } else if (s.hold() != null && s.hold().gang().equals(key)) {
            suffix = "; it holds " + s.hold().nodes().size() + " nodes against other pods until it fits";
        }
        starvation = s;
        return new FilterOutcome.Refused(reason + suffix);
    }

    /**
     * Whether the gang's missing members would be placed on {@code view} now, reserving nothing: what the retry nudge
     * asks of a gang {@link WaitingGangs#dueForRetry due} for a check.
     *
     * @param boundMemberNodes view node indices of the gang's bound, running members
     */
    public boolean wouldPlace(GangSpec spec, MemberDemand demand, CapacityView view, int[] boundMemberNodes) {
        int missing = spec.size() - boundMemberNodes.length;
        if (missing <= 0) {
            return false;
        }
        return planner.plan(spec, Collections.nCopies(missing, demand), view, boundMemberNodes) instanceof Plan.Planned;
    }

    /**
     * The waiting gangs due for a retry check now (see {@link WaitingGangs#dueForRetry}), marked checked against this
     * cluster version and the current reservations; forgotten gangs are dropped.
     */
    public synchronized List<WaitingGangs.Gang> retryDue(long clusterVersion, Duration retryMinInterval) {
        WaitingGangs.RetryCheck check = waiting.dueForRetry(clock.instant(), clusterVersion, reservations,
                retryMinInterval);
        waiting = check.next();
        return check.due();
    }

    /** The gang's waiting pods were asked to retry now. */
    public synchronized void retryNudged(GangKey gang) {
        waiting = waiting.nudged(gang, clock.instant());
    }

    /** A member's bind call: see {@link BindBarrier#arrive}. */
    public synchronized BarrierDecision arrive(GangKey gang, String podUid, String node) {
        BindBarrier.Step step = barrier.arrive(reservations, gang, podUid, node, clock.instant());
        reservations = step.next();
        return step.decision();
    }

    /** A held bind call reached its hold bound: see {@link BindBarrier#holdExpired}. */
    public BarrierDecision holdExpired(GangKey gang, String podUid) {
        return barrier.holdExpired(reservations, gang, podUid);
    }

    /** The extender bound a member returned by {@link BarrierDecision.BindAll}. */
    public synchronized void bindSucceeded(GangKey gang, String podUid) {
        reservations = barrier.bindSucceeded(reservations, gang, podUid);
    }

    /** The extender failed to bind a member returned by {@link BarrierDecision.BindAll}. */
    public synchronized void bindFailed(GangKey gang, String podUid) {
        reservations = barrier.bindFailed(reservations, gang, podUid);
    }

    /**
     * A gang whose barrier opened cannot bind: a place it reserved is taken. Its reservation goes at once (see
     * {@link BindBarrier#abandon}); empty when it holds none.
     */
    public synchronized List<ExpiredGang> abandon(GangKey gang, String reason) {
        BindBarrier.Sweep s = barrier.abandon(reservations, gang, reason);
        reservations = s.next();
        return s.expired();
    }

    /**
     * A pod was deleted: no gang waits for it any more, and if it is a member of {@code gang} (null: of no gang known)
     * its place waits for a replacement pod until the gang's deadline.
     */
    public synchronized void podDeleted(GangKey gang, String podUid) {
        waiting = waiting.podGone(podUid);
        if (gang != null) {
            reservations = barrier.memberDeleted(reservations, gang, podUid);
        }
    }

    /** The last pod of a gang was deleted: its reservation and waiting state go at once. */
    public synchronized GangReservation gangDeleted(GangKey gang) {
        GangReservation g = reservations.get(gang);
        reservations = reservations.without(gang);
        starvation = starvation.forget(gang);
        waiting = waiting.gangGone(gang);
        return g;
    }

    /** Releases gangs past their deadline (call every second or so) and applies the starvation rule's timeouts. */
    public synchronized List<ExpiredGang> sweep() {
        Instant now = clock.instant();
        BindBarrier.Sweep s = barrier.sweep(reservations, now);
        reservations = s.next();
        starvation = starvation.sweep(now);
        return s.expired();
    }

    /** Replaces the reservations with those rebuilt by {@link GangRecovery} (at start, before serving). */
    public synchronized void restore(Reservations recovered) {
        reservations = recovered;
    }
}
