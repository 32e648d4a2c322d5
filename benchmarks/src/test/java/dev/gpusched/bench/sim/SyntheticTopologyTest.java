package dev.gpusched.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.decide.CycleState;
import dev.gpusched.extender.decide.TopologyScore;
import dev.gpusched.extender.model.Placement;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.topology.GpuTopology;
import dev.gpusched.topology.IntraNodePolicy;
import dev.gpusched.topology.NvidiaSmiTopoParser;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The synthetic cluster's nodes carry the interconnect of the {@code nvidia-smi topo -m} fixtures, read through the
 * server's own path (the {@code gpusched.dev/gpu-topology} annotation in {@code NodeInfo.withTopology}), so the
 * replay's nvlink% measures what gpusched sees; and the metric's notion of "fully NVLink-connected" agrees with it.
 */
class SyntheticTopologyTest {
  private static final Map<SyntheticCluster.Fabric, String> FIXTURE = Map.of(
      SyntheticCluster.Fabric.NVSWITCH, "dgx-h100.txt",
      SyntheticCluster.Fabric.NVLINK_PAIRS, "pcie-a100-nvlink-pairs.txt",
      SyntheticCluster.Fabric.PCIE_ONLY, "pcie-l40s-4gpu.txt");

  private static GpuTopology fixture(SyntheticCluster.Fabric fabric) throws IOException {
    return NvidiaSmiTopoParser.parse(Files.readString(
        dev.gpusched.bench.jmh.SyntheticCluster.fixtureDir().resolve(FIXTURE.get(fabric))));
  }

  private static PodDemand wholeGpus(int gpus) {
    return new PodDemand("trace", "p", "uid-p", gpus, 0, 0, IntraNodePolicy.PREFER_NVLINK, Placement.BINPACK, List.of());
  }

  @Test
  void everyNodeReadsItsFixtureTopologyFromItsAnnotation() throws IOException {
    SyntheticCluster sc = SyntheticCluster.generate(2, 1, 1, 1);
    SimCluster cluster = sc.simCluster();
    int[] seen = new int[SyntheticCluster.Fabric.values().length];
    for (int i = 0; i < cluster.size(); i++) {
      NodeGpuState node = cluster.gpu(i);
      SyntheticCluster.Fabric fabric = sc.fabric()[i];
      seen[fabric.ordinal()]++;
      assertThat(node.info().topologySource()).as(node.name()).isEqualTo("annotation:compact");
      assertThat(node.info().topology().topology()).as(node.name() + " is " + FIXTURE.get(fabric))
          .isEqualTo(fixture(fabric));
    }
    assertThat(seen).containsOnly(2);
  }

  @Test
  void theServerSeesNvswitchNvlinkPairsAndPcieOnly() {
    SyntheticCluster sc = SyntheticCluster.generate(1, 1, 1, 1);
    SimCluster cluster = sc.simCluster();
    TopologyScore topology = new TopologyScore();
    NodeGpuState dgx = cluster.gpu(0);
    NodeGpuState pairs = cluster.gpu(1);
    NodeGpuState pcie = cluster.gpu(2);
    assertThat(sc.fabric()).containsExactly(SyntheticCluster.Fabric.NVSWITCH, SyntheticCluster.Fabric.NVLINK_PAIRS,
        SyntheticCluster.Fabric.PCIE_ONLY);
    for (int k : new int[] {2, 4, 8}) {
      assertThat(topology.topTier(CycleState.of(wholeGpus(k), dgx))).as("NVSwitch, %d GPUs", k).isTrue();
    }
    assertThat(topology.topTier(CycleState.of(wholeGpus(2), pairs))).as("NVLink pair").isTrue();
    assertThat(topology.topTier(CycleState.of(wholeGpus(4), pairs))).as("two pairs share no NVLink").isFalse();
    assertThat(topology.topTier(CycleState.of(wholeGpus(8), pairs))).isFalse();
    assertThat(topology.topTier(CycleState.of(wholeGpus(2), pcie))).as("PCIe only").isFalse();
    // Without the annotation the same products would read as flat PCIe (GPU feature discovery fallback).
    SimCluster bare = new SimCluster(sc.nodes(), sc.labels(), null);
    assertThat(bare.gpu(0).info().topologySource()).isEqualTo("gfd:flat-pcie");
    assertThat(topology.topTier(CycleState.of(wholeGpus(2), bare.gpu(0)))).isFalse();
  }

  @Test
  void theMetricsNvlinkTestAgreesWithTheTopologyTheServerReads() {
    SyntheticCluster sc = SyntheticCluster.generate(1, 1, 1, 1);
    SimCluster cluster = sc.simCluster();
    for (int i = 0; i < cluster.size(); i++) {
      GpuTopology t = cluster.gpu(i).info().topology().topology();
      SyntheticCluster.Fabric fabric = sc.fabric()[i];
      for (long mask = 1; mask < 1L << t.gpuCount(); mask++) {
        boolean all = true;
        for (long a = mask; a != 0; a &= a - 1) {
          for (long b = a & (a - 1); b != 0; b &= b - 1) {
            all &= t.isNvlink(Long.numberOfTrailingZeros(a), Long.numberOfTrailingZeros(b));
          }
        }
        assertThat(fabric.fullyConnected(mask)).as("%s GPUs %s", fabric, Long.toBinaryString(mask)).isEqualTo(all);
      }
    }
  }
}
