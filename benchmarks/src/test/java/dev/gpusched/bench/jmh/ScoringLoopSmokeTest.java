package dev.gpusched.bench.jmh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.NodeGpuState;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Keeps the scoring-loop benchmark working without running JMH: its setup and benchmark body called once as plain Java
 * (no timing is asserted), and the generated cluster checked for the occupancy it promises.
 */
class ScoringLoopSmokeTest {
  private static final int NODES = 500;

  @ParameterizedTest
  @ValueSource(strings = {"whole1", "whole4-nvlink", "shared", "gang-member"})
  void benchmarkBodyFiltersAndScoresEveryCandidate(String pod) {
    ScoringLoopBenchmark cold = bench(pod, "cold");
    ScoringLoop.Outcome outcome = cold.filterAndPrioritize();
    cold.tearDown();
    assertThat(outcome.passed() + outcome.failed()).isEqualTo(NODES);
    assertThat(outcome.passed()).isPositive();
    assertThat(outcome.scores()).hasSize(outcome.passed());
    for (int s : outcome.scores()) {
      assertThat(s).isBetween(0, 10);
    }
    assertThat(outcome.failed()).as("full nodes (and, for 4 GPUs, busy ones) are filtered out").isPositive();

    ScoringLoopBenchmark coldGpu = bench(pod, "cold-gpu");
    ScoringLoop.Outcome newGpuDemand = coldGpu.filterAndPrioritize();
    coldGpu.tearDown();
    assertThat(newGpuDemand.passed() + newGpuDemand.failed()).isEqualTo(NODES);

    ScoringLoopBenchmark coldMemory = bench(pod, "cold-memory");
    ScoringLoop.Outcome newMemory = coldMemory.filterAndPrioritize();
    coldMemory.tearDown();
    assertThat(newMemory.passed() + newMemory.failed()).isEqualTo(NODES);
    assertThat(newMemory.passed()).as("1 MiB more GPU memory fits where the pod fit").isPositive();

    ScoringLoopBenchmark warm = bench(pod, "warm");
    ScoringLoop.Outcome computed = warm.filterAndPrioritize();
    ScoringLoop.Outcome remembered = warm.filterAndPrioritize();
    warm.tearDown();
    assertThat(remembered.passed()).isEqualTo(computed.passed());
    assertThat(remembered.scores()).as("the memo answers what computing answers").isEqualTo(computed.scores());
    if (!pod.equals("gang-member")) {
      assertThat(newGpuDemand.passed()).as("the new product list lets every product through").isEqualTo(computed.passed());
      assertThat(newGpuDemand.scores()).isEqualTo(computed.scores());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"whole1", "shared"})
  void aLearnedProfileScoresTheSameFromTheMemoAsComputed(String pod) {
    for (String memo : List.of("cold", "cold-gpu", "warm")) {
      ScoringLoopBenchmark bench = bench(pod, memo, "openb-gpuspec20");
      ScoringLoop.Outcome first = bench.filterAndPrioritize();
      ScoringLoop.Outcome second = bench.filterAndPrioritize();
      bench.tearDown();
      assertThat(first.passed()).as(memo).isPositive();
      assertThat(first.passed() + first.failed()).isEqualTo(NODES);
      if (memo.equals("warm")) {
        assertThat(second.scores()).as("the memo answers what computing answers").isEqualTo(first.scores());
      }
    }
  }

  @Test
  void aGangMemberPassesOnlyItsReservedNodeThroughTheServersGangPath() {
    ScoringLoopBenchmark bench = bench("gang-member", "warm");
    try {
      ScoringLoop.Outcome first = bench.filterAndPrioritize();
      assertThat(first.passed()).isEqualTo(1);
      assertThat(first.failed()).isEqualTo(NODES - 1);
      assertThat(first.scores()).containsExactly(10);
      ScoringLoop.Outcome again = bench.filterAndPrioritize();
      assertThat(again.passed()).isEqualTo(1);
    } finally {
      bench.tearDown();
    }
  }

  private static ScoringLoopBenchmark bench(String pod, String memo) {
    return bench(pod, memo, "default");
  }

  private static ScoringLoopBenchmark bench(String pod, String memo, String profile) {
    ScoringLoopBenchmark bench = new ScoringLoopBenchmark();
    bench.nodes = NODES;
    bench.pod = pod;
    bench.memo = memo;
    bench.threads = 2;
    bench.profile = profile;
    bench.setUp();
    return bench;
  }

  @Test
  void generatedClusterHoldsSixtyToEightyPercentOfItsGpus() {
    List<SyntheticCluster.Shape> shapes = SyntheticCluster.loadShapes(SyntheticCluster.fixtureDir());
    assertThat(shapes).extracting(SyntheticCluster.Shape::file).contains("dgx-a100", "pcie-l40s-4gpu");
    ClusterSnapshot snapshot = SyntheticCluster.snapshot(NODES, 7, shapes);
    assertThat(snapshot.synced()).isTrue();
    assertThat(snapshot.nodes()).hasSize(NODES);
    int sharedGpus = 0;
    int gpus = 0;
    int busy = 0;
    for (NodeGpuState node : snapshot.nodes()) {
      int n = node.gpuCount();
      int nodeBusy = n - node.freeWholeCount();
      assertThat(nodeBusy).as(node.name()).isBetween((int) Math.round(n * 0.4), n);
      assertThat(node.conflicts()).as(node.name()).isEmpty();
      sharedGpus += Long.bitCount(node.sharedMask());
      gpus += n;
      busy += nodeBusy;
    }
    assertThat((double) busy / gpus).isBetween(0.6, 0.8);
    assertThat(sharedGpus).as("shared pods are part of the mix").isPositive();
    ClusterSnapshot again = SyntheticCluster.snapshot(NODES, 7, shapes);
    for (int i = 0; i < NODES; i++) {
      assertThat(again.nodes()[i].freeWholeMask()).isEqualTo(snapshot.nodes()[i].freeWholeMask());
    }
  }

  @Test
  void tableConvertsScoresToNanoseconds() {
    assertThat(ScoringLoopTable.nanosPer("ns/op")).isEqualTo(1);
    assertThat(ScoringLoopTable.nanosPer("us/op")).isEqualTo(1000);
    assertThatThrownBy(() -> ScoringLoopTable.nanosPer("ops/s")).hasMessageContaining("-bm avgt");
  }

  @Test
  void unknownPodKindSaysWhichExist() {
    assertThatThrownBy(() -> PodKind.of("whole8")).hasMessageContaining("whole1, whole4-nvlink, shared or gang-member");
  }
}
