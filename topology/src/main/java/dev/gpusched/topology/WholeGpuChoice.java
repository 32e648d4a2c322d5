package dev.gpusched.topology;

/**
 * Which {@code k} whole GPUs a pod gets out of a node's free GPUs: its topology class's best set under the pod's
 * intra-node policy, or the {@code k} lowest-numbered on a node whose topology is unknown. The one rule behind a single
 * pod's bind and a gang member's planned place, so both give a pod the same GPUs.
 */
public final class WholeGpuChoice {
    private WholeGpuChoice() {
    }

    /**
     * The chosen GPUs as a bitmask ({@code k} bits), or 0 when fewer than {@code k} are free or the policy cannot be met.
     *
     * @param topology the node's topology class, or null when it is unknown
     * @param free     the GPUs the pod may take (bit i = GPU i)
     */
    public static long choose(TopologyClass topology, long free, int k, IntraNodePolicy policy) {
        if (k < 1 || Long.bitCount(free) < k) {
            return 0;
        }
        return topology == null ? lowest(free, k) : topology.choose(free, k, policy);
    }

    /** The {@code k} lowest GPUs of {@code free} (all of them when fewer): the choice where no topology is known. */
    public static long lowest(long free, int k) {
        long chosen = 0;
        for (int i = 0; i < k && free != 0; i++) {
            long low = Long.lowestOneBit(free);
            chosen |= low;
            free &= ~low;
        }
        return chosen;
    }
}
