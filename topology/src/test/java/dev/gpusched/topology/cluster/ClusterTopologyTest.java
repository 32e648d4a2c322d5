package dev.gpusched.topology.cluster;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClusterTopologyTest {

    private static final String CLIQUE = "nvidia.com/gpu.clique";
    private static final String LEAF = "network.topology.nvidia.com/leaf";
    private static final String SPINE = "network.topology.nvidia.com/spine";
    private static final String ZONE = "topology.kubernetes.io/zone";

    private static Map<String, String> labels(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Six nodes: two cliques in leaf-a, one node alone in leaf-b, one in no leaf, one with no labels at all. */
    private static ClusterTopology sample() {
        Map<String, Map<String, String>> nodes = new LinkedHashMap<>();
        nodes.put("n3", labels(CLIQUE, "c1", LEAF, "leaf-a", SPINE, "s1", ZONE, "z1"));
        nodes.put("n1", labels(CLIQUE, "c1", LEAF, "leaf-a", SPINE, "s1", ZONE, "z1"));
        nodes.put("n2", labels(CLIQUE, "c2", LEAF, "leaf-a", SPINE, "s1", ZONE, "z1"));
        nodes.put("n4", labels(LEAF, "leaf-b", SPINE, "s1", ZONE, "z1"));
        nodes.put("n5", labels(ZONE, "z1"));
        nodes.put("n6", labels());
        return ClusterTopology.of(ClusterTopology.DEFAULT_LEVEL_KEYS, nodes);
    }

    @Test
    void numbersNodesByNameAndDomainsByLabelValue() {
        ClusterTopology t = sample();
        assertThat(t.nodeCount()).isEqualTo(6);
        assertThat(t.nodeName(0)).isEqualTo("n1");
        assertThat(t.nodeIndex("n4")).isEqualTo(3);
        assertThat(t.nodeIndex("nope")).isEqualTo(-1);
        assertThat(t.levelCount()).isEqualTo(6);
        assertThat(t.levelKey(2)).isEqualTo(LEAF);
        assertThat(t.levelName(0)).isEqualTo("clique");
        assertThat(t.levelName(2)).isEqualTo("leaf");
        assertThat(t.levelName(t.clusterLevel())).isEqualTo("cluster");
        int leaf = 2;
        assertThat(t.domainNames(leaf)).containsExactly("leaf-a", "leaf-b");
        assertThat(t.domainOf(t.nodeIndex("n2"), leaf)).isEqualTo(0);
        assertThat(t.domainOf(t.nodeIndex("n4"), leaf)).isEqualTo(1);
        assertThat(t.domainOf(t.nodeIndex("n5"), leaf)).isEqualTo(-1);
        assertThat(t.nodesOf(leaf, 0)).containsExactly(t.nodeIndex("n1"), t.nodeIndex("n2"), t.nodeIndex("n3"));
        assertThat(t.domainCount(1)).isZero(); // accelerator: no node has the label
        assertThat(t.domainCount(t.clusterLevel())).isEqualTo(1);
        assertThat(t.domainSize(t.clusterLevel(), 0)).isEqualTo(6);
        assertThat(t.domainNamed(leaf, "leaf-b")).isEqualTo(1);
        assertThat(t.domainNamed(leaf, "leaf-z")).isEqualTo(-1);
    }

    @Test
    void nodesAreAsCloseAsTheNarrowestSharedLevel() {
        ClusterTopology t = sample();
        int n1 = t.nodeIndex("n1");
        assertThat(t.closenessLevel(n1, t.nodeIndex("n3"))).isEqualTo(0);            // same clique
        assertThat(t.closenessLevel(n1, t.nodeIndex("n2"))).isEqualTo(2);            // same leaf
        assertThat(t.closenessLevel(n1, t.nodeIndex("n4"))).isEqualTo(3);            // same spine
        assertThat(t.closenessLevel(n1, t.nodeIndex("n5"))).isEqualTo(5);            // same zone
        assertThat(t.closenessLevel(n1, t.nodeIndex("n6"))).isEqualTo(t.clusterLevel());
        assertThat(t.closenessLevel(t.nodeIndex("n6"), t.nodeIndex("n6"))).isEqualTo(t.clusterLevel());
    }

    @Test
    void mapsPolicyLevelsToKeysByName() {
        ClusterTopology t = sample();
        assertThat(t.levelFor(InterNodePolicy.SAME_CLIQUE)).isEqualTo(0);
        assertThat(t.levelFor(InterNodePolicy.SAME_LEAF)).isEqualTo(2);
        assertThat(t.levelFor(InterNodePolicy.PREFER_SAME_SPINE)).isEqualTo(3);
        assertThat(t.levelFor(InterNodePolicy.SAME_ZONE)).isEqualTo(5);
        assertThat(t.levelFor(InterNodePolicy.ANY)).isEqualTo(t.clusterLevel());
        assertThat(t.levelFor(InterNodePolicy.PREFER_NARROWEST)).isEqualTo(0);

        ClusterTopology custom = ClusterTopology.of(List.of("example.com/rack", "example.com/leaf"),
                Map.of("a", labels("example.com/leaf", "l1")));
        assertThat(custom.levelFor(InterNodePolicy.SAME_LEAF)).isEqualTo(1);
        assertThat(custom.levelFor(InterNodePolicy.PREFER_SAME_CLIQUE)).isEqualTo(0); // falls back to narrowest
        assertThatThrownBy(() -> custom.levelFor(InterNodePolicy.SAME_SPINE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("same-spine needs a 'spine' level")
                .hasMessageContaining("[example.com/rack, example.com/leaf]")
                .hasMessageContaining("network.topology.nvidia.com/spine");
    }

    @Test
    void bestFitIsTheSmallestDomainThatHoldsEveryMember() {
        // leaf-0: 5 nodes, leaf-1: 4 nodes, leaf-2: 2 nodes; every node has capacity 8
        List<String> names = new ArrayList<>();
        List<Map<String, String>> labels = new ArrayList<>();
        int[] perLeaf = {5, 4, 2};
        for (int l = 0; l < perLeaf.length; l++) {
            for (int i = 0; i < perLeaf[l]; i++) {
                names.add("l" + l + "-n" + i);
                labels.add(labels(LEAF, "leaf-" + l));
            }
        }
        ClusterTopology t = ClusterTopology.of(List.of(LEAF), names, labels);
        int[] cap = new int[t.nodeCount()];
        java.util.Arrays.fill(cap, 8);
        DomainFits fits = DomainFitting.fitDomains(t, 0, cap, new int[] {8, 8, 8, 8});
        assertThat(fits.feasibleBestFirst()).containsExactly(1, 0);
        assertThat(fits.bestDomain()).isEqualTo(1);
        assertThat(fits.largestDomain()).isEqualTo(0);
        assertThat(fits.largestHolds()).isEqualTo(4);

        DomainFits tooBig = DomainFitting.fitDomains(t, 0, cap, new int[] {8, 8, 8, 8, 8, 8});
        assertThat(tooBig.feasible()).isFalse();
        assertThat(tooBig.largestDomain()).isEqualTo(0);
        assertThat(tooBig.largestHolds()).isEqualTo(5);
        assertThat(tooBig.largestHostNodes()).isEqualTo(5);

        DomainFits whole = DomainFitting.fitDomains(t, t.clusterLevel(), cap, new int[] {8, 8, 8, 8, 8, 8});
        assertThat(whole.feasibleBestFirst()).containsExactly(0);
    }

    @Test
    void mixedDemandsArePackedNotJustSummed() {
        ClusterTopology t = ClusterTopology.of(List.of(LEAF), List.of("a", "b", "c"),
                List.of(labels(LEAF, "x"), labels(LEAF, "x"), labels(LEAF, "x")));
        // 3 + 3 + 2 = 8 free GPUs, but two members of 4 cannot be placed on them
        DomainFits fits = DomainFitting.fitDomains(t, 0, new int[] {3, 3, 2}, new int[] {4, 4});
        assertThat(fits.feasible()).isFalse();
        assertThat(fits.largestHolds()).isZero();
        DomainFits fits2 = DomainFitting.fitDomains(t, 0, new int[] {4, 6, 2}, new int[] {2, 4, 2, 4});
        assertThat(fits2.feasible()).isTrue();
        DomainFits fits3 = DomainFitting.fitDomains(t, 0, new int[] {4, 6, 2}, new int[] {4, 4, 4});
        assertThat(fits3.feasible()).isFalse();
        assertThat(fits3.largestHolds()).isEqualTo(2);
        assertThat(fits3.largestHostNodes()).isEqualTo(2);
    }

    @Test
    void ordersNodesFullestFirstThenByName() {
        ClusterTopology t = sample();
        int[] cap = new int[t.nodeCount()];
        cap[t.nodeIndex("n1")] = 8;
        cap[t.nodeIndex("n2")] = 2;
        cap[t.nodeIndex("n3")] = 2;
        cap[t.nodeIndex("n4")] = 0;
        cap[t.nodeIndex("n5")] = 5;
        cap[t.nodeIndex("n6")] = 1;
        int[] order = DomainFitting.nodesFullestFirst(t, t.clusterLevel(), 0, cap, 2);
        List<String> names = new ArrayList<>();
        for (int n : order) {
            names.add(t.nodeName(n));
        }
        assertThat(names).containsExactly("n2", "n3", "n5", "n1");
    }

    @Test
    void rejectsBadInputWithClearMessages() {
        assertThatThrownBy(() -> ClusterTopology.of(List.of(LEAF, LEAF), Map.of()))
                .hasMessageContaining("'" + LEAF + "' appears twice");
        assertThatThrownBy(() -> ClusterTopology.of(List.of(), Map.of()))
                .hasMessageContaining("no level keys");
        assertThatThrownBy(() -> ClusterTopology.of(List.of(LEAF), List.of("a", "a"), List.of(Map.of(), Map.of())))
                .hasMessageContaining("node name 'a' appears twice");
        assertThatThrownBy(() -> ClusterTopology.of(List.of(LEAF), List.of("a"), List.of()))
                .hasMessageContaining("1 node names but 0 label maps");
        ClusterTopology t = sample();
        assertThatThrownBy(() -> DomainFitting.fitDomains(t, 0, new int[3], new int[] {1}))
                .hasMessageContaining("capacity array has 3 entries but the topology has 6 nodes");
    }
}
