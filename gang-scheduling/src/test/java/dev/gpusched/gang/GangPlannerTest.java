package dev.gpusched.gang;

import dev.gpusched.topology.cluster.ClusterTopology;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static dev.gpusched.gang.TestClusters.ALL8;
import static dev.gpusched.gang.TestClusters.EIGHT;
import static dev.gpusched.gang.TestClusters.spec;
import static org.assertj.core.api.Assertions.assertThat;

class GangPlannerTest {

    private final GangPlanner planner = new GangPlanner();

    private static List<MemberDemand> eights(int n) {
        return Collections.nCopies(n, EIGHT);
    }

    @Test
    void fourEightGpuMembersDoNotFitOnThreeFreeNodes() {
        ClusterTopology t = TestClusters.leaves(3, 3);
        Plan plan = planner.plan(spec("train-1", 4, "any"), eights(4), TestClusters.firstFree(t, 3));
        assertThat(plan).isInstanceOf(Plan.Infeasible.class);
        assertThat(((Plan.Infeasible) plan).reason())
                .isEqualTo("gang ml/train-1 needs 4 x 8 GPUs; the cluster has 3 free 8-GPU nodes");
    }

    @Test
    void fourEightGpuMembersGetOneFreeNodeEach() {
        ClusterTopology t = TestClusters.leaves(3, 3);
        Plan plan = planner.plan(spec("train-1", 4, "any"), eights(4), TestClusters.firstFree(t, 4));
        assertThat(plan).isInstanceOf(Plan.Planned.class);
        List<MemberPlacement> ps = ((Plan.Planned) plan).placements();
        assertThat(ps).hasSize(4);
        Set<String> nodes = new HashSet<>();
        for (int i = 0; i < ps.size(); i++) {
            assertThat(ps.get(i).member()).isEqualTo(i);
            assertThat(ps.get(i).gpuMask()).isEqualTo(ALL8);
            nodes.add(ps.get(i).nodeName());
        }
        assertThat(nodes).containsExactlyInAnyOrder("leaf-0-n0", "leaf-0-n1", "leaf-0-n2", "leaf-1-n0");
    }

    @Test
    void sameLeafIsRequiredAcrossTwoLeaves() {
        // leaf-0 has 3 free nodes, leaf-1 has 2 free nodes: 5 in all, but no leaf holds 4
        ClusterTopology t = TestClusters.leaves(4, 4);
        long[] free = new long[8];
        free[0] = free[1] = free[2] = ALL8;
        free[4] = free[5] = ALL8;
        MaskCapacityView view = TestClusters.view(t, free);
        Plan required = planner.plan(spec("train-1", 4, "same-leaf"), eights(4), view);
        assertThat(required).isEqualTo(new Plan.Infeasible(
                "gang ml/train-1 needs 4 x 8 GPUs in one leaf; the largest leaf (leaf-0) has 3 free 8-GPU nodes"));
        Plan preferred = planner.plan(spec("train-1", 4, "prefer-same-leaf"), eights(4), view);
        assertThat(preferred).isInstanceOf(Plan.Planned.class);
        assertThat(((Plan.Planned) preferred).levelName()).isNotEqualTo("leaf");
        // two members do fit in one leaf: the best fit is the leaf with less room (leaf-1)
        Plan two = planner.plan(spec("pair", 2, "same-leaf"), eights(2), view);
        assertThat(two).isInstanceOf(Plan.Planned.class);
        assertThat(((Plan.Planned) two).domainName()).isEqualTo("leaf-1");
        for (MemberPlacement p : ((Plan.Planned) two).placements()) {
            assertThat(p.nodeName()).startsWith("leaf-1-");
        }
    }

    @Test
    void defaultPolicyTakesTheNarrowestLevelThatFits() {
        // cliques of two nodes: clique-1-1 (leaf-1-n2, leaf-1-n3) is wholly free
        ClusterTopology t = TestClusters.leaves(4, 4);
        long[] free = new long[8];
        free[0] = ALL8;
        free[2] = ALL8;
        free[6] = free[7] = ALL8;
        Plan plan = planner.plan(spec("g", 2, null), eights(2), TestClusters.view(t, free));
        Plan.Planned p = (Plan.Planned) plan;
        assertThat(p.levelName()).isEqualTo("clique");
        assertThat(p.domainName()).isEqualTo("clique-1-1");
    }

    @Test
    void membersShareANodeWithRoomAndFullestNodesFillFirst() {
        ClusterTopology t = TestClusters.leaves(2);
        // node 0 has GPUs 4..7 free, node 1 is wholly free
        MaskCapacityView view = TestClusters.view(t, 0xF0L, ALL8);
        MemberDemand four = new MemberDemand(4, "");
        Plan plan = planner.plan(spec("g", 3, "any"), Collections.nCopies(3, four), view);
        List<MemberPlacement> ps = ((Plan.Planned) plan).placements();
        assertThat(ps).extracting(MemberPlacement::nodeName).containsExactly("leaf-0-n0", "leaf-0-n1", "leaf-0-n1");
        assertThat(ps).extracting(MemberPlacement::gpuMask).containsExactly(0xF0L, 0x0FL, 0xF0L);
    }

    @Test
    void mixedDemandsArePlacedLargestFirst() {
        ClusterTopology t = TestClusters.leaves(2);
        MaskCapacityView view = TestClusters.view(t, ALL8, ALL8);
        List<MemberDemand> members = List.of(new MemberDemand(4, ""), EIGHT, new MemberDemand(4, ""));
        Plan.Planned p = (Plan.Planned) planner.plan(spec("g", 3, "any"), members, view);
        assertThat(p.placements().get(1).gpuMask()).isEqualTo(ALL8);
        String eightNode = p.placements().get(1).nodeName();
        assertThat(p.placements().get(0).nodeName()).isNotEqualTo(eightNode);
        assertThat(p.placements().get(2).nodeName()).isEqualTo(p.placements().get(0).nodeName());
        Plan no = planner.plan(spec("g", 3, "any"), List.of(EIGHT, EIGHT, new MemberDemand(1, "")), view);
        assertThat(((Plan.Infeasible) no).reason())
                .isEqualTo("gang ml/g needs 2 x 8 GPUs + 1 x 1 GPU; the cluster has room for 2 of the 3 members, "
                        + "on 2 nodes");
    }

    @Test
    void theNodeOracleDecidesWhetherAMemberFits() {
        ClusterTopology t = TestClusters.leaves(3);
        MaskCapacityView base = TestClusters.view(t, ALL8, ALL8, ALL8);
        // node 1 has 8 free GPUs but its intra-node policy refuses a 4-GPU member
        CapacityView picky = new CapacityView() {
            public int nodeCount() { return base.nodeCount(); }
            public String nodeName(int node) { return base.nodeName(node); }
            public ClusterTopology topology() { return t; }
            public int freeGpus(int node) { return base.freeGpus(node); }
            public int totalGpus(int node) { return 8; }
            public long placeMember(int node, MemberDemand d, long taken) {
                return node == 1 ? 0 : base.placeMember(node, d, taken);
            }
        };
        MemberDemand four = new MemberDemand(4, "nvlink");
        Plan.Planned p = (Plan.Planned) planner.plan(spec("g", 4, "any"), Collections.nCopies(4, four), picky);
        assertThat(p.placements()).extracting(MemberPlacement::nodeName)
                .containsExactly("leaf-0-n0", "leaf-0-n0", "leaf-0-n2", "leaf-0-n2");
        Plan no = planner.plan(spec("g", 5, "any"), Collections.nCopies(5, four), picky);
        assertThat(((Plan.Infeasible) no).reason()).isEqualTo(
                "gang ml/g needs 5 x 4 GPUs; the cluster has room for 4 of the 5 members, on 2 nodes");
    }

    @Test
    void requiredLevelNeedsItsLabel() {
        ClusterTopology t = ClusterTopology.of(List.of(TestClusters.LEAF, "topology.kubernetes.io/zone"),
                List.of("a", "b"), List.of(java.util.Map.of("topology.kubernetes.io/zone", "z"),
                        java.util.Map.of("topology.kubernetes.io/zone", "z")));
        MaskCapacityView view = TestClusters.view(t, ALL8, ALL8);
        assertThat(((Plan.Infeasible) planner.plan(spec("g", 2, "same-leaf"), eights(2), view)).reason())
                .isEqualTo("gang ml/g needs 2 x 8 GPUs in one leaf, but no node has the label "
                        + "network.topology.nvidia.com/leaf");
        assertThat(((Plan.Infeasible) planner.plan(spec("g", 2, "same-spine"), eights(2), view)).reason())
                .startsWith("gang ml/g: inter-node policy same-spine needs a 'spine' level");
        assertThat(planner.plan(spec("g", 2, "same-zone"), eights(2), view)).isInstanceOf(Plan.Planned.class);
    }

    @Test
    void missingMembersArePlannedNextToRunningOnes() {
        ClusterTopology t = TestClusters.leaves(4, 4);
        long[] free = new long[8];
        free[0] = free[1] = free[2] = ALL8; // leaf-0 fits best...
        free[5] = ALL8;                      // ...but the running members are in leaf-1
        MaskCapacityView view = TestClusters.view(t, free);
        int[] anchors = {t.nodeIndex("leaf-1-n0"), t.nodeIndex("leaf-1-n1")};
        Plan.Planned p = (Plan.Planned) planner.plan(spec("g", 3, "same-leaf"), eights(1), view, anchors);
        assertThat(p.placements()).extracting(MemberPlacement::nodeName).containsExactly("leaf-1-n1");
        Plan no = planner.plan(spec("g", 4, "same-leaf"), eights(2), view, anchors);
        assertThat(((Plan.Infeasible) no).reason()).endsWith("next to its 2 running members");
    }

    @Test
    void holdPlanPicksNodesThatWouldFitOnceDrainedAndSaysWhenNothingEverFits() {
        ClusterTopology t = TestClusters.leaves(3, 5);
        long[] free = new long[8];
        free[3] = ALL8;
        free[4] = 0x0FL;
        free[5] = 0x01L;
        MaskCapacityView view = TestClusters.view(t, free);
        HoldPlan hold = planner.planHold(spec("big", 4, "same-leaf"), eights(4), view);
        assertThat(hold.possible()).isTrue();
        assertThat(hold.domainName()).isEqualTo("leaf-1");
        assertThat(hold.nodes()).hasSize(4).startsWith("leaf-1-n0", "leaf-1-n1");
        HoldPlan never = planner.planHold(spec("huge", 6, "same-leaf"), eights(6), view);
        assertThat(never.possible()).isFalse();
        assertThat(never.neverFitsReason()).isEqualTo("gang ml/huge needs 6 x 8 GPUs in one leaf; even with every "
                + "node empty, the largest leaf (leaf-1) has 5 free 8-GPU nodes");
    }
}
