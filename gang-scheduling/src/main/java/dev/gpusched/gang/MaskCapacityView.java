package dev.gpusched.gang;

import dev.gpusched.topology.IntraNodePolicy;
import dev.gpusched.topology.WholeGpuChoice;
import dev.gpusched.topology.cluster.ClusterTopology;

import java.util.Set;

/**
 * A {@link CapacityView} over one free-GPU bitmask per node that gives each member the lowest-numbered free GPUs (as
 * {@link WholeGpuChoice} does on a node whose topology is unknown).
 * For tests, benchmarks and simple simulations; the extender's own view applies intra-node policies instead.
 * Immutable: the arrays are copied.
 */
public final class MaskCapacityView implements CapacityView {
    private final ClusterTopology topology;
    private final long[] freeMasks;
    private final int[] totalGpus;

    /**
     * @param freeMasks  free GPUs of each node (bit i = GPU i), already without other gangs' reservations
     * @param totalGpus  all GPUs of each node
     */
    public MaskCapacityView(ClusterTopology topology, long[] freeMasks, int[] totalGpus) {
        if (freeMasks.length != topology.nodeCount() || totalGpus.length != topology.nodeCount()) {
            throw new IllegalArgumentException("need one free mask and one GPU count per node of the topology ("
                    + topology.nodeCount() + "), got " + freeMasks.length + " and " + totalGpus.length);
        }
        this.topology = topology;
        this.freeMasks = freeMasks.clone();
        this.totalGpus = totalGpus.clone();
    }

    /**
     * This view as one gang sees it: without GPUs reserved by other gangs and without nodes held for another gang.
     *
     * @param forGang   the gang planning (null for a pod of no gang)
     * @param heldNodes nodes held against this gang, e.g. {@code guard.nodesHeldAgainst(forGang)}
     */
    public MaskCapacityView without(Reservations reservations, GangKey forGang, Set<String> heldNodes) {
        long[] free = freeMasks.clone();
        for (int node = 0; node < free.length; node++) {
            String name = topology.nodeName(node);
            if (heldNodes.contains(name)) {
                free[node] = 0;
            } else if (reservations.hasReservationOn(name)) {
                free[node] &= ~reservations.reservedMaskOnNode(name, forGang);
            }
        }
        return new MaskCapacityView(topology, free, totalGpus);
    }

    /** The free GPUs of a node as a bitmask. */
    public long freeMask(int node) {
        return freeMasks[node];
    }

    @Override
    public int nodeCount() {
        return freeMasks.length;
    }

    @Override
    public String nodeName(int node) {
        return topology.nodeName(node);
    }

    @Override
    public ClusterTopology topology() {
        return topology;
    }

    @Override
    public int freeGpus(int node) {
        return Long.bitCount(freeMasks[node]);
    }

    @Override
    public int totalGpus(int node) {
        return totalGpus[node];
    }

    @Override
    public long placeMember(int node, MemberDemand d, long gpusAlreadyTakenByThisPlan) {
        long available = freeMasks[node] & ~gpusAlreadyTakenByThisPlan;
        return WholeGpuChoice.choose(null, available, d.gpus(), IntraNodePolicy.ANY);
    }
}
