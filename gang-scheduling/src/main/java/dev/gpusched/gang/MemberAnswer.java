package dev.gpusched.gang;

import java.util.Arrays;
import java.util.List;

/**
 * What filter answers for a gang member: the only node it may use ({@code node}; null: none) and why, and how that
 * answer falls on the scheduler's candidates.
 *
 * @param node   the member's reserved node, or null when it has none
 * @param reason with a node, why it holds that node; without, why every candidate fails
 */
public record MemberAnswer(String node, String reason) {

    /** The answer for a member the coordinator assigned a place or refused. */
    public static MemberAnswer of(GangKey gang, FilterOutcome outcome) {
        if (outcome instanceof FilterOutcome.Assigned a) {
            return new MemberAnswer(a.slot().node(), "gang " + gang + " reserved node " + a.slot().node() + " (GPUs "
                    + GangPlanCodec.gpuIds(a.slot().gpuMask()) + ") for this member");
        }
        return refused(((FilterOutcome.Refused) outcome).reason());
    }

    /** No node for the member: every candidate fails with {@code reason}. */
    public static MemberAnswer refused(String reason) {
        return new MemberAnswer(null, reason);
    }

    /** A member the API already shows bound: it may use that node only, and claims nothing new. */
    public static MemberAnswer alreadyBound(GangKey gang, String node) {
        return new MemberAnswer(node, "gang " + gang + ": this member is already bound to " + node);
    }

    /** Members hold whole GPUs: a pod asking for a share of one is refused (a share cannot be reserved). */
    public static MemberAnswer shareRefused(GangKey gang, int milliGpu) {
        return refused("gang " + gang + ": members must ask for whole GPUs (nvidia.com/gpu); a share of a GPU ("
                + milliGpu + " milli-GPU) cannot be reserved for a gang");
    }

    /**
     * This answer over the scheduler's candidates, by position: only the reserved node passes, every other candidate
     * gets its reason (all of them when the scheduler did not offer the reserved node). Returns how many failed.
     */
    public int over(GangKey gang, List<String> names, boolean[] passed, String[] reasons) {
        boolean offered = false;
        int failed = 0;
        String elsewhere = node == null ? reason
                : "gang " + gang + " reserved node " + node + " for this member; it may use no other node";
        for (int i = 0; i < passed.length; i++) {
            if (node != null && node.equals(names.get(i))) {
                passed[i] = true;
                offered = true;
            } else {
                reasons[i] = elsewhere;
                failed++;
            }
        }
        if (node != null && !offered) {
            Arrays.fill(reasons, "gang " + gang + " reserved node " + node + " for this member, but the scheduler did "
                    + "not offer it (its own filters rejected it); the member waits for that node");
        }
        return failed;
    }

    /** Prioritize for a member holding a place on {@code node}: {@code maxScore} there, 0 on every other candidate. */
    public static int[] reservedNodeScores(String node, List<String> names, int maxScore) {
        int[] scores = new int[names.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = node.equals(names.get(i)) ? maxScore : 0;
        }
        return scores;
    }
}
