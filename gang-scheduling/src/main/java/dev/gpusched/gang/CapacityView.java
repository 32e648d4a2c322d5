package dev.gpusched.gang;

import dev.gpusched.topology.cluster.ClusterTopology;

/**
 * The planner's read-only view of the cluster, implemented by the caller over its snapshot. Capacity seen through it
 * must already exclude GPUs in use, GPUs reserved by <em>other</em> gangs, and nodes held for another starving gang.
 * Node indices are those of {@link #topology()}.
 */
public interface CapacityView {

    /** Number of nodes, equal to {@code topology().nodeCount()}. */
    int nodeCount();

    /** The name of a node. */
    String nodeName(int node);

    /** The inter-node topology whose node indices this view uses. */
    ClusterTopology topology();

    /**
     * GPUs free for this gang on a node: an upper bound used to skip nodes cheaply (0 for nodes that cannot take gang
     * members at all, e.g. unhealthy or cordoned).
     */
    int freeGpus(int node);

    /** All GPUs of a node, free or not (used to judge whether a domain could ever hold the gang). */
    int totalGpus(int node);

    /**
     * Chooses GPUs for one more member on a node, given the GPUs this plan already took there.
     *
     * @param gpusAlreadyTakenByThisPlan bitmask of GPU indices already given to other members of this plan
     * @return the chosen GPUs as a bitmask (bit i = GPU i, exactly {@code d.gpus()} bits), or 0 if the node cannot
     *         host the member; must be deterministic for equal arguments
     */
    long placeMember(int node, MemberDemand d, long gpusAlreadyTakenByThisPlan);
}
