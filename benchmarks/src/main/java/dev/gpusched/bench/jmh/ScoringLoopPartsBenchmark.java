package dev.gpusched.bench.jmh;

import dev.gpusched.extender.decide.DecisionPipeline;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.model.PodDemandParser;
import dev.gpusched.extender.state.ClusterSnapshot;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Where {@link ScoringLoopBenchmark}'s time goes: filter alone, prioritize alone (over the nodes filter passes, as
 * kube-scheduler sends them), and the name-to-node lookup both do per candidate. Diagnostic only; the target applies
 * to {@link ScoringLoopBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ScoringLoopPartsBenchmark {
  @Param({"5000"})
  public int nodes;

  @Param({"whole1", "whole4-nvlink", "shared"})
  public String pod;

  private DecisionPipeline pipeline;
  private PodDemand demand;
  private ClusterSnapshot snapshot;
  private List<String> candidates;
  private List<String> survivors;

  @Setup(Level.Trial)
  public void setUp() {
    pipeline = SyntheticCluster.serverPipeline(1);
    demand = PodDemandParser.parse(PodKind.of(pod).pod());
    snapshot = SyntheticCluster.snapshot(nodes, ScoringLoopBenchmark.SEED,
        SyntheticCluster.loadShapes(SyntheticCluster.fixtureDir()));
    candidates = SyntheticCluster.nodeNames(nodes);
    boolean[] passed = pipeline.filter(demand, snapshot, candidates).passed();
    List<String> s = new java.util.ArrayList<>();
    for (int i = 0; i < passed.length; i++) {
      if (passed[i]) {
        s.add(candidates.get(i));
      }
    }
    survivors = s;
  }

  /** Fresh name strings before each call, as in {@link ScoringLoopBenchmark#freshNames}. */
  @Setup(Level.Invocation)
  public void freshNames() {
    candidates = SyntheticCluster.freshCopies(candidates);
    survivors = SyntheticCluster.freshCopies(survivors);
  }

  @Benchmark
  public DecisionPipeline.FilterOutcome filterOnly() {
    return pipeline.filter(demand, snapshot, candidates);
  }

  @Benchmark
  public int[] prioritizeSurvivors() {
    return pipeline.prioritize(demand, snapshot, survivors);
  }

  /** The snapshot's name lookup over every candidate: the floor under any per-node work. */
  @Benchmark
  public int lookupOnly() {
    int found = 0;
    for (int i = 0; i < candidates.size(); i++) {
      if (snapshot.node(candidates.get(i)) != null) {
        found++;
      }
    }
    return found;
  }
}
