package dev.gpusched.bench.sim;

import dev.gpusched.bench.TestData;
import dev.gpusched.extender.decide.CycleState;
import dev.gpusched.extender.decide.FragmentationScore;
import dev.gpusched.extender.decide.PackingScore;
import dev.gpusched.extender.decide.WorkloadProfile;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of scoring one pod against every node of the openb cluster half-filled by a gpusched replay: what one
 * prioritize call over 1,213 candidates costs in {@link FragmentationScore} (with CPU view) against {@link PackingScore}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class FragmentationScoreBenchmark {
  private SimCluster cluster;
  private FragmentationScore fragmentation;
  private PackingScore packing;
  private SimPod share;
  private SimPod whole;
  /** The probes' cycles, moved over the cluster's nodes with their places, as a prioritize call moves its own. */
  private CycleState shareCycle;
  private CycleState wholeCycle;

  @Setup
  public void setUp() {
    Trace trace = OpenbCsv.read(TestData.openbNodes(), TestData.openbPods());
    WorkloadProfile profile = Profiles.of(trace.pods());
    Replay.Outcome half = new Replay(trace, profile).runWithCluster(GpuschedPolicy.policy(profile), 1, 0.5, null);
    cluster = half.cluster();
    SimPod[] probes = {SimPod.of(new TracePod("share", 6000, 12288, 1, 470, java.util.List.of()), 0),
        SimPod.of(new TracePod("whole", 12000, 24576, 1, 1000, java.util.List.of()), 1)};
    share = probes[0];
    whole = probes[1];
    shareCycle = new CycleState(share.demand());
    wholeCycle = new CycleState(whole.demand());
    fragmentation = new FragmentationScore(profile, cluster);
    packing = new PackingScore();
  }

  @Benchmark
  public long fragmentationShareAllNodes() {
    long sum = 0;
    for (int i = 0; i < cluster.size(); i++) {
      sum += fragmentation.score(cluster.at(shareCycle, i));
    }
    return sum;
  }

  @Benchmark
  public long fragmentationWholeAllNodes() {
    long sum = 0;
    for (int i = 0; i < cluster.size(); i++) {
      sum += fragmentation.score(cluster.at(wholeCycle, i));
    }
    return sum;
  }

  @Benchmark
  public long packingShareAllNodes() {
    long sum = 0;
    for (int i = 0; i < cluster.size(); i++) {
      sum += packing.score(cluster.at(shareCycle, i));
    }
    return sum;
  }
}
