package dev.gpusched.bench.jmh;

import dev.gpusched.extender.decide.DecisionPipeline;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.model.PodDemandParser;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.ClusterState;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The extender's scoring loop in process: filter and prioritize of one pod over every node of a generated cluster
 * ({@link SyntheticCluster}: the nvidia-smi fixture topologies, 60-80% of GPUs held by whole and shared pods). The score is
 * nanoseconds per pod; divide by {@code nodes} for nanoseconds per node ({@link ScoringLoopTable} prints that table).
 * Target: at most 30 ns per node.
 *
 * <p>The pipeline memoises its verdict per node state and demand shape, so {@code memo} measures both ends:
 * {@code warm} places the same pod shape again on an unchanged cluster (every node's verdict is remembered: the second
 * and later replicas of a workload, on the nodes no bind changed since); {@code cold} places a pod of a shape no earlier
 * pod had: its CPU request differs every time (the GPU plugins do not read it, the CPU term of the fragmentation score
 * does); {@code cold-memory} changes the pod's GPU memory request every time instead (the plugins read it only as which
 * GPUs have that much free, so a node's verdict for the last request serves every request its GPUs fit alike);
 * {@code cold-gpu} gives every pod a GPU demand no earlier pod had, so nothing about any node is remembered.
 *
 * <p>{@code gang-member} runs the server's gang path instead ({@link GangMemberLoop}): a member of a gang planned in
 * setup claims its reserved place and passes only that node, as {@code ExtenderService} answers any member but the one
 * that plans (planning is timed by {@code GangPlanningBenchmark}). {@code memo} does not apply to it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ScoringLoopBenchmark {
  static final long SEED = 42;

  @Param({"500", "5000", "15000"})
  public int nodes;

  @Param({"whole1", "whole4-nvlink", "shared", "gang-member"})
  public String pod;

  @Param({"warm", "cold", "cold-memory", "cold-gpu"})
  public String memo;

  /**
   * Threads that compute one call's new verdicts ({@code gpusched serve --decision-threads}): 1 is the CPU time per node;
   * the server's default, the machine's CPUs, shares a call of 1,024 new verdicts or more among them, and the whole
   * filter of a shape never seen over 1,024 candidates or more.
   */
  @Param({"1", "2"})
  public int threads;

  /**
   * The workload profile fragmentation is judged against ({@link SyntheticCluster#profile}): {@code default}, or
   * {@code openb-gpuspec20} ({@code -p profile=openb-gpuspec20}) for a learned profile's size, GPU model lists and CPU
   * classes.
   */
  @Param({"default"})
  public String profile = "default";

  private boolean cold;
  private boolean coldMemory;
  private boolean coldGpu;
  private long invocations;
  private DecisionPipeline pipeline;
  private PodDemand demand;
  private ClusterSnapshot snapshot;
  private List<String> candidates;
  private ClusterState gangState;
  private GangMemberLoop gang;

  @Setup(Level.Trial)
  public void setUp() {
    pipeline = SyntheticCluster.serverPipeline(threads, SyntheticCluster.profile(profile));
    PodKind kind = PodKind.of(pod);
    demand = PodDemandParser.parse(kind.pod());
    List<SyntheticCluster.Shape> shapes = SyntheticCluster.loadShapes(SyntheticCluster.fixtureDir());
    if (kind == PodKind.GANG_MEMBER) {
      gangState = SyntheticCluster.build(nodes, SEED, shapes);
      gang = new GangMemberLoop(gangState, kind.pod());
      snapshot = gangState.snapshot();
    } else {
      snapshot = SyntheticCluster.snapshot(nodes, SEED, shapes);
    }
    candidates = SyntheticCluster.nodeNames(nodes);
    switch (memo) {
      case "warm" -> { }
      case "cold" -> cold = true;
      case "cold-memory" -> coldMemory = true;
      case "cold-gpu" -> coldGpu = true;
      default -> throw new IllegalArgumentException("memo must be warm, cold, cold-memory or cold-gpu, got " + memo);
    }
  }

  /**
   * The candidate names as each request delivers them: new strings (new bytes, no cached hash), as Jackson decodes them,
   * made before each call and outside its time.
   */
  @Setup(Level.Invocation)
  public void freshNames() {
    candidates = SyntheticCluster.freshCopies(candidates);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (gang != null) {
      gang.close();
      gangState.close();
    }
  }

  @Benchmark
  public ScoringLoop.Outcome filterAndPrioritize() {
    PodDemand d = cold ? newShape(demand, ++invocations)
        : coldMemory ? newMemoryRequest(demand, ++invocations)
        : coldGpu ? newGpuDemand(demand, ++invocations) : demand;
    return gang != null ? gang.filterThenPrioritize(d, snapshot, candidates)
        : ScoringLoop.filterThenPrioritize(pipeline, d, snapshot, candidates);
  }

  /**
   * The demand with a GPU memory request the last 1,023 invocations did not use (1..1024 MiB above its own, so every node
   * that had room still has): a verdict for it was remembered 1,024 calls ago at the earliest, long since replaced.
   */
  static PodDemand newMemoryRequest(PodDemand d, long invocation) {
    return new PodDemand(d.namespace(), d.name(), d.uid(), d.gpus(), d.milli(), d.memoryMiB() + 1 + invocation % 1024,
        d.intraNode(), d.placement(), d.allowedModels(), d.cpuMilli());
  }

  /**
   * The demand with a GPU product list no earlier invocation used, which every node's product matches at its first entry
   * ("a": NVIDIA, Tesla), so the verdicts are those of {@code d}, computed afresh: the first pod of a new kind of
   * workload. (A new memory request is not enough: most nodes' GPUs fit it as they fit the last one.)
   */
  static PodDemand newGpuDemand(PodDemand d, long invocation) {
    if (!d.allowedModels().isEmpty()) {
      throw new IllegalArgumentException("the benchmark's pods allow every GPU product, got " + d.allowedModels());
    }
    return new PodDemand(d.namespace(), d.name(), d.uid(), d.gpus(), d.milli(), d.memoryMiB(), d.intraNode(),
        d.placement(), List.of("a", "model-" + invocation), d.cpuMilli());
  }

  /**
   * The demand with a CPU request the last 15,999 invocations did not use: spread over 0.5-16.5 cores (as pods ask), so
   * it falls below, within and above what each node's CPU can feed, not only above it as an ever-growing request would.
   */
  static PodDemand newShape(PodDemand d, long invocation) {
    return new PodDemand(d.namespace(), d.name(), d.uid(), d.gpus(), d.milli(), d.memoryMiB(), d.intraNode(),
        d.placement(), d.allowedModels(), 500 + (invocation * 7_919) % CPU_SPREAD_MILLI);
  }

  /** The width of the cold variant's CPU requests, in milli-CPU (a prime step visits every value once per period). */
  static final long CPU_SPREAD_MILLI = 16_000;
}
