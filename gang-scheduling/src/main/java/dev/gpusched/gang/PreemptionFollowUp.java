package dev.gpusched.gang;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What remains to do for a recorded {@link PreemptedGang}, from what the API shows now: the rule by which the leader
 * (the one that decided, or one that took over after a crash) finishes the whole-gang eviction or undoes it. Pure.
 *
 * <p>The decision is recorded on the gang's pods before any of them is evicted, and before kube-scheduler gets the
 * answer that lets it evict the pods on the preemption's node. So:
 * <ul>
 *   <li>once any pod the decision covers is gone (deleted, or terminating), the eviction has begun and is finished:
 *   every pod still carrying the record is evicted, those on the preemption's node only after
 *   {@link Timing#nodeVictimGrace} (kube-scheduler evicts them itself, at once);</li>
 *   <li>while none is gone after {@link Timing#undoAfter}, neither gpusched nor kube-scheduler acted on it (the
 *   deciding replica stopped before answering, or the answer was not acted on): the record is removed and the gang
 *   runs on;</li>
 *   <li>else it waits.</li>
 * </ul>
 */
public final class PreemptionFollowUp {
    private PreemptionFollowUp() {
    }

    /**
     * A pod carrying the decision.
     *
     * @param terminating it is being deleted already (it has a deletion timestamp, or has finished)
     */
    public record Member(String podUid, String node, boolean terminating) {
    }

    /**
     * @param nodeVictimGrace how long kube-scheduler is left to evict the gang's pods on the preemption's node
     * @param undoAfter       how long a decision nothing came of is kept before it is undone
     */
    public record Timing(Duration nodeVictimGrace, Duration undoAfter) {
        /**
         * kube-scheduler evicts its victims as soon as it has the extender's answer, which it waits for at most its
         * extender httpTimeout (10 s in the shipped configuration): a minute is far beyond both.
         */
        public static final Timing DEFAULT = new Timing(Duration.ofSeconds(10), Duration.ofSeconds(60));
    }

    /** The next step for one decision. */
    public sealed interface Step {
    }

    /** Evict these pods (through the Eviction API). */
    public record Evict(List<String> podUids) implements Step {
        public Evict {
            podUids = List.copyOf(podUids);
        }
    }

    /** Nothing was evicted and nothing will be: remove the record from these pods. */
    public record Undo(List<String> podUids) implements Step {
        public Undo {
            podUids = List.copyOf(podUids);
        }
    }

    /** Nothing to do now; look again later. */
    public record Wait() implements Step {
    }

    /** Every pod the decision covers is gone or going: forget the decision. */
    public record Done() implements Step {
    }

    /**
     * @param carrying    the pods that carry this decision's record now
     * @param othersAlive running pods of the gang that do not carry the record (a record write that failed part-way
     *                    leaves some; they show that nothing is gone)
     */
    public static Step next(PreemptedGang decision, List<Member> carrying, int othersAlive, Instant now,
                            Timing timing) {
        List<Member> alive = new ArrayList<>();
        for (Member m : carrying) {
            if (!m.terminating()) {
                alive.add(m);
            }
        }
        if (alive.isEmpty()) {
            return new Done();
        }
        if (alive.size() + othersAlive >= decision.pods()) {
            if (!now.isBefore(decision.at().plus(timing.undoAfter()))) {
                return new Undo(alive.stream().map(Member::podUid).toList());
            }
            return new Wait();
        }
        boolean nodeGraceOver = !now.isBefore(decision.at().plus(timing.nodeVictimGrace()));
        List<String> evict = new ArrayList<>();
        for (Member m : alive) {
            if (nodeGraceOver || !m.node().equals(decision.node())) {
                evict.add(m.podUid());
            }
        }
        return evict.isEmpty() ? new Wait() : new Evict(evict);
    }
}
