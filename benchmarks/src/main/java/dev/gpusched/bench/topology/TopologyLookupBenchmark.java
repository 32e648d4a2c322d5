package dev.gpusched.bench.topology;

import dev.gpusched.bench.TestData;
import dev.gpusched.topology.GpuTopology;
import dev.gpusched.topology.IntraNodePolicy;
import dev.gpusched.topology.NvidiaSmiTopoParser;
import dev.gpusched.topology.TopologyClass;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The intra-node part of the extender's hot loop: filter and score one pod over 5,000 nodes. Each node has one of the
 * nvidia-smi fixture topologies and a random free-GPU mask with 60-80% of its GPUs taken; per node the loop asks its
 * {@link TopologyClass} for {@code quality} (filter: -1 rejects) and {@code choose}. Tables are built in setup, so the
 * measured loop is lookups only. Target: at most 150 us per pod, i.e. 30 ns per node.
 *
 * <p>Topologies are read from {@code testdata/nvidia-smi-topo} of the project, or from the directory in system
 * property {@code gpusched.fixtures}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class TopologyLookupBenchmark {
    static final int NODES = 5_000;

    @Param({"1", "2", "4"})
    public int gpus;

    @Param({"prefer-nvlink", "nvlink"})
    public String policy;

    private TopologyClass[] classes;
    private long[] freeMasks;
    private IntraNodePolicy intraNode;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        List<TopologyClass> kinds = new ArrayList<>();
        try (Stream<Path> files = Files.list(TestData.topologyCaptures())) {
            for (Path f : files.filter(p -> p.toString().endsWith(".txt")).sorted().toList()) {
                kinds.add(TopologyClass.of(NvidiaSmiTopoParser.parse(Files.readString(f))));
            }
        }
        intraNode = IntraNodePolicy.parse(policy);
        Random random = new Random(42);
        classes = new TopologyClass[NODES];
        freeMasks = new long[NODES];
        for (int i = 0; i < NODES; i++) {
            TopologyClass cls = kinds.get(random.nextInt(kinds.size()));
            GpuTopology t = cls.topology();
            int n = t.gpuCount();
            int taken = (int) Math.round(n * (0.6 + 0.2 * random.nextDouble()));
            long free = t.allGpusMask();
            while (Long.bitCount(free) > n - taken) {
                free &= ~(1L << random.nextInt(n));
            }
            classes[i] = cls;
            freeMasks[i] = free;
        }
        filterAndScoreOnePod(); // builds the lazily computed tables outside the measurement
    }

    /** One pod over all nodes: quality (which also filters) and, for feasible nodes, the chosen GPUs. */
    @Benchmark
    public long filterAndScoreOnePod() {
        long acc = 0;
        int k = gpus;
        IntraNodePolicy p = intraNode;
        for (int i = 0; i < NODES; i++) {
            TopologyClass cls = classes[i];
            long free = freeMasks[i];
            int quality = cls.quality(free, k, p);
            if (quality >= 0) {
                acc += quality + cls.choose(free, k, p);
            }
        }
        return acc;
    }
}
