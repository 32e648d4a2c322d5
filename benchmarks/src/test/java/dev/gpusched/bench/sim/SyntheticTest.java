package dev.gpusched.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.decide.WorkloadProfile;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyntheticTest {
  @Test
  void fabricsKnowWhichGpuSetsAreNvlinkConnected() {
    assertThat(SyntheticCluster.Fabric.NVSWITCH.fullyConnected(0xFFL)).isTrue();
    assertThat(SyntheticCluster.Fabric.NVLINK_PAIRS.fullyConnected(0b0011)).isTrue();
    assertThat(SyntheticCluster.Fabric.NVLINK_PAIRS.fullyConnected(0b1100)).isTrue();
    assertThat(SyntheticCluster.Fabric.NVLINK_PAIRS.fullyConnected(0b0110)).isFalse();
    assertThat(SyntheticCluster.Fabric.NVLINK_PAIRS.fullyConnected(0b1111)).isFalse();
    assertThat(SyntheticCluster.Fabric.PCIE_ONLY.fullyConnected(0b0011)).isFalse();
    assertThat(SyntheticCluster.Fabric.PCIE_ONLY.fullyConnected(0b0100)).isTrue();
  }

  @Test
  void generatedClusterHasTheRequestedShape() {
    SyntheticCluster c = SyntheticCluster.generate(4, 1, 2, 1);
    assertThat(c.nodes()).hasSize(16);
    assertThat(c.totalGpuMilli()).isEqualTo(4 * (8 + 16 + 4) * 1000L);
    assertThat(c.leaf()[15]).isEqualTo(3);
    assertThat(c.fabric()[0]).isEqualTo(SyntheticCluster.Fabric.NVSWITCH);
  }

  @Test
  void aSeedRunsIdenticallyAndMetricsAreInRange() {
    SyntheticCluster c = SyntheticCluster.generate(2, 2, 1, 1);
    for (String name : SyntheticSimulation.DEFAULT) {
      List<SyntheticWorkload.Job> jobs = SyntheticWorkload.generate(300, 0.9, c.totalGpuMilli(), 4);
      WorkloadProfile profile = SyntheticReplay.profile(jobs);
      Policy p = Policies.byName(name, SyntheticReplay.trace(c, jobs), profile);
      SyntheticReplay.Result a = SyntheticReplay.run(c, jobs, p, profile, 4);
      SyntheticReplay.Result b = SyntheticReplay.run(c, jobs, Policies.byName(name, SyntheticReplay.trace(c, jobs), profile),
          profile, 4);
      assertThat(a).as(name).isEqualTo(b);
      assertThat(a.utilizationPct()).isBetween(0.0, 100.0);
      assertThat(a.unallocatedWhileWaitingPct()).isBetween(0.0, 100.0);
      assertThat(a.nvlinkConnectedShare()).isBetween(0.0, 1.0);
      assertThat(a.nvlinkConnectedShare()).as("all multi-GPU pods: between single pods and gang members")
          .isBetween(Math.min(a.nvlinkSingleShare(), a.nvlinkGangShare()),
              Math.max(a.nvlinkSingleShare(), a.nvlinkGangShare()));
      assertThat(a.gangsInOneLeafShare()).isBetween(0.0, 1.0);
      assertThat(a.multiGpuPods()).isPositive();
      assertThat(a.gangsStarted() + a.gangsNeverStarted()).isPositive();
    }
  }

  @Test
  void workloadHasEveryKindAndGangsOfTwoToSixtyFour() {
    List<SyntheticWorkload.Job> jobs = SyntheticWorkload.generate(2000, 0.9, 448_000, 1);
    assertThat(jobs).extracting(SyntheticWorkload.Job::kind)
        .contains("inference-share", "inference-whole", "training", "gang");
    assertThat(jobs).filteredOn(SyntheticWorkload.Job::isGang).extracting(SyntheticWorkload.Job::members)
        .allMatch(m -> m >= 2 && m <= 64).contains(2, 64);
    for (int i = 1; i < jobs.size(); i++) {
      assertThat(jobs.get(i).arrival()).isGreaterThanOrEqualTo(jobs.get(i - 1).arrival());
    }
  }

  @Test
  void departuresGiveEverythingBack() {
    SyntheticCluster c = SyntheticCluster.generate(1, 1, 0, 0);
    SimCluster cluster = new SimCluster(c.nodes());
    SimPod share = SimPod.of(new TracePod("s", 1000, 10, 1, 300, List.of()), 0);
    SimPod pair = SimPod.of(new TracePod("w", 1000, 10, 2, 1000, List.of()), 1);
    cluster.place(0, share, 1L, 0);
    cluster.place(0, pair, 0b110L, 1);
    assertThat(cluster.allocatedGpuMilli()).isEqualTo(2300);
    cluster.remove(0, share, 0);
    cluster.remove(0, pair, 1);
    assertThat(cluster.allocatedGpuMilli()).isZero();
    assertThat(cluster.gpu(0).freeWholeCount()).isEqualTo(8);
    assertThat(cluster.cpuLeft(0)).isEqualTo(c.nodes().get(0).cpuMilli());
  }
}
