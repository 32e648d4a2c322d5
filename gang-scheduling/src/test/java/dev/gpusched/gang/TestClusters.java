package dev.gpusched.gang;

import dev.gpusched.topology.cluster.ClusterTopology;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Small clusters of 8-GPU nodes for gang tests. */
final class TestClusters {
    static final String CLIQUE = "nvidia.com/gpu.clique";
    static final String LEAF = "network.topology.nvidia.com/leaf";
    static final String SPINE = "network.topology.nvidia.com/spine";
    static final long ALL8 = 0xFFL;

    private TestClusters() {
    }

    /**
     * Nodes named {@code leaf-L-nI} in leaves {@code leaf-L} (all in spine-0), two nodes per clique; {@code
     * nodesPerLeaf[L]} nodes in leaf L.
     */
    static ClusterTopology leaves(int... nodesPerLeaf) {
        List<String> names = new ArrayList<>();
        List<Map<String, String>> labels = new ArrayList<>();
        for (int l = 0; l < nodesPerLeaf.length; l++) {
            for (int i = 0; i < nodesPerLeaf[l]; i++) {
                names.add("leaf-" + l + "-n" + i);
                Map<String, String> m = new HashMap<>();
                m.put(LEAF, "leaf-" + l);
                m.put(SPINE, "spine-0");
                m.put(CLIQUE, "clique-" + l + "-" + (i / 2));
                labels.add(m);
            }
        }
        return ClusterTopology.of(ClusterTopology.DEFAULT_LEVEL_KEYS, names, labels);
    }

    /** Every node's free mask; totals 8 GPUs. */
    static MaskCapacityView view(ClusterTopology t, long... free) {
        int[] totals = new int[t.nodeCount()];
        java.util.Arrays.fill(totals, 8);
        return new MaskCapacityView(t, free, totals);
    }

    /** {@code freeNodes} nodes wholly free, the rest full. */
    static MaskCapacityView firstFree(ClusterTopology t, int freeNodes) {
        long[] free = new long[t.nodeCount()];
        for (int i = 0; i < freeNodes; i++) {
            free[i] = ALL8;
        }
        return view(t, free);
    }

    static GangSpec spec(String name, int size, String policy) {
        return new GangSpec("ml", name, size, Duration.ofSeconds(300),
                dev.gpusched.topology.cluster.InterNodePolicy.parse(policy));
    }

    static final MemberDemand EIGHT = new MemberDemand(8, "");

    /** A clock the test moves. */
    static final class TestClock implements InstantSource {
        Instant now = Instant.parse("2026-01-31T12:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }
}
