package dev.gpusched.bench.gang;

import dev.gpusched.gang.GangPlanner;
import dev.gpusched.gang.GangSpec;
import dev.gpusched.gang.MaskCapacityView;
import dev.gpusched.gang.MemberDemand;
import dev.gpusched.gang.Plan;
import dev.gpusched.topology.cluster.ClusterTopology;
import dev.gpusched.topology.cluster.InterNodePolicy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Plans a 256-member gang of 8-GPU pods on a 5,000-node cluster of 8-GPU nodes (the gang issue's budget: 10 ms).
 *
 * <p>Cluster: cliques of 8 nodes, leaves of 32 nodes, spines of 16 leaves (512 nodes), two zones; a seeded 70% of the
 * nodes are partly used (1..8 GPUs taken at random positions), the rest free. Policies: the default
 * (prefer-narrowest: tries clique, leaf, spine, zone and plans in a zone), {@code same-spine} (no spine has 256 free
 * nodes: measures the refusal with its reason) and {@code any}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class GangPlanningBenchmark {

    private static final int NODES = 5_000;
    private static final int MEMBERS = 256;

    @Param({"prefer-narrowest", "same-spine", "any"})
    public String policy;

    private final GangPlanner planner = new GangPlanner();
    private MaskCapacityView view;
    private GangSpec spec;
    private List<MemberDemand> members;

    @Setup
    public void setUp() {
        List<String> names = new ArrayList<>(NODES);
        List<Map<String, String>> labels = new ArrayList<>(NODES);
        for (int i = 0; i < NODES; i++) {
            names.add(String.format("gpu-node-%05d", i));
            Map<String, String> m = new HashMap<>();
            m.put("nvidia.com/gpu.clique", "clique-" + (i / 8));
            m.put("network.topology.nvidia.com/leaf", "leaf-" + (i / 32));
            m.put("network.topology.nvidia.com/spine", "spine-" + (i / 512));
            m.put("topology.kubernetes.io/zone", "zone-" + (i / 2_500));
            labels.add(m);
        }
        ClusterTopology topology = ClusterTopology.of(ClusterTopology.DEFAULT_LEVEL_KEYS, names, labels);
        SplittableRandom random = new SplittableRandom(42);
        long[] free = new long[NODES];
        int[] total = new int[NODES];
        for (int i = 0; i < NODES; i++) {
            total[i] = 8;
            long mask = 0xFFL;
            if (random.nextInt(100) < 70) {
                int taken = 1 + random.nextInt(8);
                for (int k = 0; k < taken; k++) {
                    mask &= ~(1L << random.nextInt(8));
                }
                if (mask == 0xFFL) {
                    mask = 0x7FL;
                }
            }
            free[i] = mask;
        }
        view = new MaskCapacityView(topology, free, total);
        spec = new GangSpec("bench", "train-256", MEMBERS, Duration.ofSeconds(300), InterNodePolicy.parse(policy));
        members = Collections.nCopies(MEMBERS, new MemberDemand(8, ""));
        Plan check = planner.plan(spec, members, view);
        boolean expectPlanned = !"same-spine".equals(policy);
        if ((check instanceof Plan.Planned) != expectPlanned) {
            throw new IllegalStateException("unexpected plan for " + policy + ": " + check);
        }
    }

    @Benchmark
    public Plan plan256MembersOn5000Nodes() {
        return planner.plan(spec, members, view);
    }
}
