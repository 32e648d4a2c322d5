package dev.gpusched.topology.cluster;

import java.util.Arrays;

/**
 * Capacity queries over a {@link ClusterTopology}'s domains, for gang planning: which nodes of a domain to fill first,
 * and which domains of a level can hold a list of member demands, best fit first. Capacity and demand are in one unit
 * of the caller's choice (free GPUs, or member slots with every demand 1).
 */
public final class DomainFitting {

    private DomainFitting() {
    }

    /**
     * Nodes of a domain whose capacity is at least {@code minCapacity}, fullest first (least capacity first, so
     * binpacking fills nearly full nodes before opening empty ones); equal capacity ordered by node name.
     *
     * @param capacityPerNode capacity of every node of the cluster, indexed by node, in any unit
     */
    public static int[] nodesFullestFirst(ClusterTopology topology, int level, int domain, int[] capacityPerNode,
            int minCapacity) {
        checkCapacity(topology, capacityPerNode);
        int size = topology.domainSize(level, domain);
        int count = 0;
        for (int i = 0; i < size; i++) {
            int c = capacityPerNode[topology.nodeInDomain(level, domain, i)];
            if (c >= minCapacity && c > 0) {
                count++;
            }
        }
        // The domain lists its nodes by name: sorting (capacity, position) orders equal capacities by name.
        long[] keys = new long[count];
        int k = 0;
        for (int i = 0; i < size; i++) {
            int c = capacityPerNode[topology.nodeInDomain(level, domain, i)];
            if (c >= minCapacity && c > 0) {
                keys[k++] = ((long) c << 32) | i;
            }
        }
        Arrays.sort(keys);
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = topology.nodeInDomain(level, domain, (int) keys[i]);
        }
        return out;
    }

    /**
     * Which domains of a level can hold the given member demands, best fit first.
     *
     * <p>A domain holds the members when first-fit-decreasing packs every demand into its nodes' capacities, nodes
     * taken fullest first ({@link #nodesFullestFirst}). When all demands are equal this is exact: a node of
     * capacity c holds c / d members. Best fit is the feasible domain with the least total capacity (least left
     * over), ties broken by domain order.
     *
     * @param capacityPerNode capacity of every node (length {@link ClusterTopology#nodeCount()}), negative counts as 0
     * @param memberDemands   demand of each member, each at least 1
     */
    public static DomainFits fitDomains(ClusterTopology topology, int level, int[] capacityPerNode,
            int[] memberDemands) {
        checkCapacity(topology, capacityPerNode);
        if (level < 0 || level > topology.clusterLevel()) {
            throw new IllegalArgumentException("level " + level + " is outside 0.." + topology.clusterLevel());
        }
        int m = memberDemands.length;
        int[] demands = memberDemands.clone();
        Arrays.sort(demands);
        for (int i = 0; i < m / 2; i++) { // descending
            int t = demands[i];
            demands[i] = demands[m - 1 - i];
            demands[m - 1 - i] = t;
        }
        if (m > 0 && demands[m - 1] < 1) {
            throw new IllegalArgumentException("member demands must be at least 1, got " + demands[m - 1]);
        }
        int domains = topology.domainCount(level);
        long[] held = new long[domains];
        long[] total = new long[domains];
        int[] hostNodes = new int[domains];
        boolean uniform = m == 0 || demands[0] == demands[m - 1];
        if (uniform) {
            int d = m == 0 ? 1 : demands[0];
            for (int node = 0; node < topology.nodeCount(); node++) {
                int dn = topology.domainOf(node, level);
                int c = capacityPerNode[node];
                if (dn < 0 || c <= 0) {
                    continue;
                }
                int slots = c / d;
                held[dn] += slots;
                total[dn] += c;
                if (slots > 0) {
                    hostNodes[dn]++;
                }
            }
            for (int dn = 0; dn < domains; dn++) {
                held[dn] = Math.min(held[dn], m);
            }
        } else {
            for (int dn = 0; dn < domains; dn++) {
                int[] nodes = nodesFullestFirst(topology, level, dn, capacityPerNode, 1);
                int[] left = new int[nodes.length];
                boolean[] used = new boolean[nodes.length];
                for (int i = 0; i < nodes.length; i++) {
                    left[i] = capacityPerNode[nodes[i]];
                    total[dn] += left[i];
                }
                int placed = 0;
                int cursor = 0;
                int cursorDemand = -1;
                for (int j = 0; j < m; j++) {
                    int d = demands[j];
                    if (d != cursorDemand) {
                        cursorDemand = d;
                        cursor = 0;
                    }
                    while (cursor < nodes.length && left[cursor] < d) {
                        cursor++;
                    }
                    if (cursor < nodes.length) {
                        left[cursor] -= d;
                        if (!used[cursor]) {
                            used[cursor] = true;
                            hostNodes[dn]++;
                        }
                        placed++;
                    }
                }
                held[dn] = placed;
            }
        }
        int feasibleCount = 0;
        int largest = -1;
        for (int dn = 0; dn < domains; dn++) {
            if (held[dn] == m) {
                feasibleCount++;
            }
            if (largest < 0 || held[dn] > held[largest] || (held[dn] == held[largest] && total[dn] > total[largest])) {
                largest = dn;
            }
        }
        long[] keys = new long[feasibleCount];
        int k = 0;
        for (int dn = 0; dn < domains; dn++) {
            if (held[dn] == m) {
                keys[k++] = (total[dn] << 24) | dn;
            }
        }
        Arrays.sort(keys);
        int[] feasible = new int[feasibleCount];
        for (int i = 0; i < feasibleCount; i++) {
            feasible[i] = (int) (keys[i] & 0xFFFFFF);
        }
        return new DomainFits(level, feasible, largest, largest < 0 ? 0 : (int) held[largest],
                largest < 0 ? 0 : hostNodes[largest], m);
    }

    private static void checkCapacity(ClusterTopology topology, int[] capacityPerNode) {
        if (capacityPerNode.length != topology.nodeCount()) {
            throw new IllegalArgumentException("capacity array has " + capacityPerNode.length + " entries but the "
                    + "topology has " + topology.nodeCount() + " nodes; give one capacity per node index");
        }
    }
}
