package dev.gpusched.gang;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The bounded-wait rule that keeps a big gang from being starved by a stream of small pods. Immutable.
 *
 * <p>The rule: a gang whose plan failed is <em>waiting</em> from its first failure. Once the oldest waiting gang has
 * waited {@code holdAfter}, it gets a <em>hold</em> on a set of nodes chosen by {@link GangPlanner#planHold} (a domain
 * its policy allows that could hold it once emptied, most free nodes first). While the hold lasts, held nodes take
 * no new pods except that gang's members: GPUs freed there by finishing pods accumulate until the gang's plan
 * succeeds, which ends the hold. One gang holds at a time, oldest waiter first (two half-holds could deadlock). A hold
 * lasts at most {@code maxHold}; then it is dropped and the gang goes to the back of the queue (waiting anew), so
 * others are not starved either. A gang that stops trying for {@code forgetAfter} is forgotten.
 *
 * <p>Bound: a gang that keeps retrying gets its hold after at most {@code holdAfter} plus {@code maxHold} for each
 * gang that started waiting before it; how long the hold then takes to drain depends on the run time of the pods
 * already on the held nodes, which the scheduler does not preempt.
 */
public final class StarvationGuard {

    /** Why a node held for a gang fails every pod outside that gang. */
    public static final String HELD_AGAINST_OTHERS = "held for a gang that has waited longest (starvation rule); it "
            + "takes no other pods until that gang fits";

    /** A gang waiting for a plan. */
    public record Waiting(Instant since, Instant lastAttempt) {
    }

    /** Nodes held for one gang since a time. */
    public record Hold(GangKey gang, Set<String> nodes, Instant since) {
        public Hold {
            nodes = Collections.unmodifiableSet(new LinkedHashSet<>(nodes));
        }
    }

    private final Duration holdAfter;
    private final Duration maxHold;
    private final Duration forgetAfter;
    private final Map<GangKey, Waiting> waiting;
    private final Hold hold;

    private StarvationGuard(Duration holdAfter, Duration maxHold, Duration forgetAfter, Map<GangKey, Waiting> waiting,
                            Hold hold) {
        this.holdAfter = holdAfter;
        this.maxHold = maxHold;
        this.forgetAfter = forgetAfter;
        this.waiting = Collections.unmodifiableMap(waiting);
        this.hold = hold;
    }

    /**
     * @param holdAfter   how long the oldest waiting gang waits before it gets a hold (e.g. 60 s)
     * @param maxHold     how long a hold lasts at most (e.g. 15 min)
     * @param forgetAfter a waiting gang with no attempt for this long is forgotten (e.g. 5 min)
     */
    public static StarvationGuard create(Duration holdAfter, Duration maxHold, Duration forgetAfter) {
        if (holdAfter.isNegative() || maxHold.isNegative() || maxHold.isZero() || forgetAfter.isNegative()
                || forgetAfter.isZero()) {
            throw new IllegalArgumentException("starvation rule needs holdAfter >= 0 and positive maxHold and "
                    + "forgetAfter, got " + holdAfter + ", " + maxHold + ", " + forgetAfter);
        }
        return new StarvationGuard(holdAfter, maxHold, forgetAfter, new TreeMap<>(), null);
    }

    /** The gang's plan failed now: it is waiting (since its first failure). */
    public StarvationGuard planFailed(GangKey gang, Instant now) {
        TreeMap<GangKey, Waiting> copy = new TreeMap<>(waiting);
        Waiting w = copy.get(gang);
        copy.put(gang, new Waiting(w == null ? now : w.since(), now));
        return new StarvationGuard(holdAfter, maxHold, forgetAfter, copy, hold);
    }

    /** The gang was planned, deleted or can never fit: it stops waiting and its hold ends. */
    public StarvationGuard forget(GangKey gang) {
        if (!waiting.containsKey(gang) && (hold == null || !hold.gang().equals(gang))) {
            return this;
        }
        TreeMap<GangKey, Waiting> copy = new TreeMap<>(waiting);
        copy.remove(gang);
        return new StarvationGuard(holdAfter, maxHold, forgetAfter, copy,
                hold != null && hold.gang().equals(gang) ? null : hold);
    }

    /** True when the gang should get a hold now: no hold exists and it is the oldest waiting gang, waiting long enough. */
    public boolean shouldHold(GangKey gang, Instant now) {
        if (hold != null) {
            return false;
        }
        Waiting w = waiting.get(gang);
        if (w == null || now.isBefore(w.since().plus(holdAfter))) {
            return false;
        }
        for (Map.Entry<GangKey, Waiting> e : waiting.entrySet()) {
            Waiting o = e.getValue();
            if (!e.getKey().equals(gang) && (o.since().isBefore(w.since())
                    || (o.since().equals(w.since()) && e.getKey().compareTo(gang) < 0))) {
                return false;
            }
        }
        return true;
    }

    /** The gang holds these nodes from now on. */
    public StarvationGuard withHold(GangKey gang, List<String> nodes, Instant now) {
        return new StarvationGuard(holdAfter, maxHold, forgetAfter, waiting, new Hold(gang, Set.copyOf(nodes), now));
    }

    /** The current hold, or null. */
    public Hold hold() {
        return hold;
    }

    /** The waiting gangs. */
    public Map<GangKey, Waiting> waiting() {
        return waiting;
    }

    /**
     * Nodes a pod may not use because another gang holds them: the hold's nodes unless the pod belongs to the
     * holding gang ({@code podGang} null for a pod of no gang).
     */
    public Set<String> nodesHeldAgainst(GangKey podGang) {
        if (hold == null || hold.gang().equals(podGang)) {
            return Set.of();
        }
        return hold.nodes();
    }

    /** Ends a hold older than maxHold (its gang waits anew, at the back) and forgets gangs that stopped trying. */
    public StarvationGuard sweep(Instant now) {
        TreeMap<GangKey, Waiting> copy = new TreeMap<>(waiting);
        boolean changed = copy.entrySet().removeIf(e -> !now.isBefore(e.getValue().lastAttempt().plus(forgetAfter)));
        Hold h = hold;
        if (h != null && !copy.containsKey(h.gang())) {
            h = null;
            changed = true;
        } else if (h != null && !now.isBefore(h.since().plus(maxHold))) {
            copy.put(h.gang(), new Waiting(now, now));
            h = null;
            changed = true;
        }
        return changed ? new StarvationGuard(holdAfter, maxHold, forgetAfter, copy, h) : this;
    }
}
