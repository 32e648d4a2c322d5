package dev.gpusched.gang;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which preemption candidates gpusched answers, when some take a gang that also runs on other nodes. Pure.
 *
 * <p>kube-scheduler picks one of the candidates an extender answers by the victims it sees on each node
 * ({@code pickOneNodeForPreemption}: fewest PDB violations, then the lowest highest victim priority, the lowest sum of
 * priorities, the fewest victims, the latest start of the highest-priority victims, else the first). A candidate
 * that takes a gang whole also evicts that gang's pods on other nodes, which the extender protocol cannot show it, so
 * kube-scheduler would rank such a candidate too cheap. Hence:
 * <ol>
 *   <li>when some candidates split no gang, those are answered, all of them, and the others dropped: kube-scheduler
 *   sees the whole cost of each, so its own pick among them is right;</li>
 *   <li>else the candidates are ranked by kube-scheduler's own criteria applied to every pod each one evicts, its
 *   gangs' pods on other nodes included ({@link #TRUE_COST}), and the caller answers the first that may be taken,
 *   alone: the one kube-scheduler then picks is the one gpusched completes.</li>
 * </ol>
 */
public final class PreemptionChoice {
    private PreemptionChoice() {
    }

    /**
     * A pod preemption would evict.
     *
     * @param priority  its {@code spec.priority} (0 when unset, as kube-scheduler reads it)
     * @param startTime its {@code status.startTime}, or the time of the call when it has none (as kube-scheduler does)
     */
    public record Victim(String podUid, int priority, Instant startTime) {
    }

    /**
     * A feasible candidate with its victims.
     *
     * @param onNode        the victims on the node, which kube-scheduler evicts
     * @param offNode       the pods of the gangs it takes that run on other nodes, which gpusched evicts
     * @param pdbViolations how many of the node's victims kube-scheduler counted as violating a PodDisruptionBudget
     */
    public record Weighed(String node, List<Victim> onNode, List<Victim> offNode, long pdbViolations) {
        public Weighed {
            onNode = List.copyOf(onNode);
            offNode = List.copyOf(offNode);
        }

        public boolean splitsGang() {
            return !offNode.isEmpty();
        }

        /** Every pod the candidate evicts: on the node, then elsewhere. */
        public List<Victim> all() {
            List<Victim> all = new ArrayList<>(onNode);
            all.addAll(offNode);
            return all;
        }

        /** The cost as kube-scheduler's criteria read it, over every pod evicted. */
        public String cost() {
            List<Victim> all = all();
            long sum = 0;
            for (Victim v : all) {
                sum += v.priority();
            }
            return all.size() + " pods (" + offNode.size() + " on other nodes), highest priority " + highest(all)
                    + ", priorities summing to " + sum + ", " + pdbViolations + " PDB violations";
        }
    }

    /**
     * The answer.
     *
     * @param unsplit     the candidates that split no gang, in the input order: answer all of them when any
     * @param splitRanked when none splits no gang, the candidates from the least costly on: answer the first that may
     *                    be taken, alone
     */
    public record Choice(List<Weighed> unsplit, List<Weighed> splitRanked) {
        public Choice {
            unsplit = List.copyOf(unsplit);
            splitRanked = List.copyOf(splitRanked);
        }
    }

    /** kube-scheduler's {@code MoreImportantPod}: higher priority first, then the one that started earlier. */
    public static final Comparator<Victim> MORE_IMPORTANT_FIRST = Comparator.comparingInt(Victim::priority).reversed()
            .thenComparing(Victim::startTime);

    /**
     * kube-scheduler's candidate order, least costly first, over every pod a candidate evicts: PDB violations, highest
     * victim priority, sum of priorities, number of victims (all ascending), then the earliest start among the
     * highest-priority victims (the latest first). Equal candidates keep their order (kube-scheduler takes the first).
     */
    public static final Comparator<Weighed> TRUE_COST = Comparator.comparingLong(Weighed::pdbViolations)
            .thenComparingInt(w -> highest(w.all()))
            .thenComparingLong(w -> sumOfPriorities(w.all()))
            .thenComparingInt(w -> w.all().size())
            .thenComparing(w -> earliestStartOfHighest(w.all()), Comparator.reverseOrder());

    /** Sorts the feasible candidates into the answer; see the class comment. */
    public static Choice weigh(List<Weighed> feasible) {
        List<Weighed> unsplit = new ArrayList<>();
        for (Weighed w : feasible) {
            if (!w.splitsGang()) {
                unsplit.add(w);
            }
        }
        if (!unsplit.isEmpty()) {
            return new Choice(unsplit, List.of());
        }
        List<Weighed> ranked = new ArrayList<>(feasible);
        ranked.sort(TRUE_COST); // List.sort is stable
        return new Choice(List.of(), ranked);
    }

    static int highest(List<Victim> victims) {
        int max = Integer.MIN_VALUE;
        for (Victim v : victims) {
            max = Math.max(max, v.priority());
        }
        return max;
    }

    /** The sum kube-scheduler compares: each priority plus 2^31, so that negative priorities cannot lower it. */
    static long sumOfPriorities(List<Victim> victims) {
        long sum = 0;
        for (Victim v : victims) {
            sum += (long) v.priority() + (1L << 31);
        }
        return sum;
    }

    static Instant earliestStartOfHighest(List<Victim> victims) {
        int top = highest(victims);
        Instant earliest = Instant.MAX;
        for (Victim v : victims) {
            if (v.priority() == top && v.startTime().isBefore(earliest)) {
                earliest = v.startTime();
            }
        }
        return earliest;
    }
}
