package dev.gpusched.gang;

import dev.gpusched.topology.cluster.ClusterTopology;
import dev.gpusched.topology.cluster.InterNodePolicy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Seeded random clusters and gangs: a plan is always valid, and a refusal is always right. */
class GangPlannerPropertyTest {

    private static final InterNodePolicy[] POLICIES = {InterNodePolicy.SAME_LEAF, InterNodePolicy.SAME_SPINE,
            InterNodePolicy.PREFER_SAME_LEAF, InterNodePolicy.ANY, InterNodePolicy.PREFER_NARROWEST};

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
    void plansAreValidAndRefusalsAreRight(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int n = 20 + rnd.nextInt(60);
        List<String> names = new ArrayList<>();
        List<Map<String, String>> labels = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            names.add("n" + i);
            Map<String, String> m = new HashMap<>();
            m.put(TestClusters.LEAF, "leaf-" + (i / 8));
            m.put(TestClusters.SPINE, "spine-" + (i / 24));
            labels.add(m);
        }
        ClusterTopology t = ClusterTopology.of(ClusterTopology.DEFAULT_LEVEL_KEYS, names, labels);
        long[] free = new long[n];
        for (int i = 0; i < n; i++) {
            free[i] = rnd.nextInt(3) == 0 ? 0xFFL : rnd.nextLong() & 0xFFL;
        }
        MaskCapacityView view = TestClusters.view(t, free);
        GangPlanner planner = new GangPlanner();
        for (int round = 0; round < 20; round++) {
            int gpus = new int[] {1, 2, 4, 8}[rnd.nextInt(4)];
            int size = 1 + rnd.nextInt(12);
            InterNodePolicy policy = POLICIES[rnd.nextInt(POLICIES.length)];
            GangSpec spec = new GangSpec("ml", "g", size, Duration.ofSeconds(60), policy);
            MemberDemand d = new MemberDemand(gpus, "");
            Plan plan = planner.plan(spec, Collections.nCopies(size, d), view);
            int level = policy == InterNodePolicy.SAME_LEAF ? 2 : policy == InterNodePolicy.SAME_SPINE ? 3
                    : t.clusterLevel();
            if (plan instanceof Plan.Planned p) {
                assertThat(p.placements()).hasSize(size);
                long[] taken = new long[n];
                Set<Integer> domains = new HashSet<>();
                for (MemberPlacement mp : p.placements()) {
                    assertThat(Long.bitCount(mp.gpuMask())).isEqualTo(gpus);
                    assertThat(mp.gpuMask() & ~free[mp.node()]).as("only free GPUs").isZero();
                    assertThat(mp.gpuMask() & taken[mp.node()]).as("no GPU twice").isZero();
                    taken[mp.node()] |= mp.gpuMask();
                    domains.add(t.domainOf(mp.node(), level));
                }
                assertThat(domains).as("one domain at the required level").hasSize(1);
            } else {
                // the largest domain at the level really has fewer slots than members
                int best = 0;
                for (int dom = 0; dom < t.domainCount(level); dom++) {
                    int slots = 0;
                    for (int node : t.nodesOf(level, dom)) {
                        slots += Long.bitCount(free[node]) / gpus;
                    }
                    best = Math.max(best, slots);
                }
                assertThat(best).as(((Plan.Infeasible) plan).reason()).isLessThan(size);
            }
        }
    }
}
