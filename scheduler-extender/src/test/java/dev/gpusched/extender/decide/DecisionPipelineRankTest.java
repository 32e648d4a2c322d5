package dev.gpusched.extender.decide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.model.Annotations;
import dev.gpusched.extender.model.Placement;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.extender.state.NodeInfo;
import dev.gpusched.extender.state.NodeStateBuilder;
import dev.gpusched.extender.state.PodRecord;
import dev.gpusched.topology.GpuTopologies;
import dev.gpusched.topology.IntraNodePolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link DecisionPipeline#rank} orders nodes as the server's {@link DecisionPipeline#score} does, at full resolution: a
 * node in the NVLink top tier of a multi-GPU {@code prefer-nvlink} pod outranks every other node, and wherever two
 * nodes' 0..10 scores differ their ranks differ the same way. The scores themselves are checked against the documented
 * formula, computed here from the plugins directly.
 */
class DecisionPipelineRankTest {
  /** NVSwitch (8), NVLink pairs (8), PCIe pairs (4), and an unannotated product that reads as flat PCIe (8). */
  private static final String[] TOPOLOGIES = {
      "gpus=8;numa=0x4,1x4;NV18=all",
      "gpus=8;numa=0x4,1x4;default=SYS;NV12=0-1,2-3,4-5,6-7;NODE=0-2,0-3,1-2,1-3,4-6,4-7,5-6,5-7",
      "gpus=4;numa=0x2,1x2;default=SYS;PIX=0-1,2-3",
      null};

  private static final List<PodDemand> DEMANDS = List.of(
      demand(2, 0, IntraNodePolicy.PREFER_NVLINK),
      demand(4, 0, IntraNodePolicy.PREFER_NVLINK),
      demand(8, 0, IntraNodePolicy.PREFER_NVLINK),
      demand(1, 0, IntraNodePolicy.PREFER_NVLINK),
      demand(0, 300, IntraNodePolicy.PREFER_NVLINK),
      demand(2, 0, IntraNodePolicy.ANY),
      demand(4, 0, IntraNodePolicy.NUMA));

  private static PodDemand demand(int gpus, int milli, IntraNodePolicy intra) {
    return new PodDemand("ns", "p", "uid-p", gpus, milli, 0, intra, Placement.BINPACK, List.of());
  }

  /** Nodes of every topology with seeded random whole-GPU and shared pods on them. */
  private static List<NodeGpuState> nodes(Random random) {
    List<NodeGpuState> out = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      String topology = TOPOLOGIES[i % TOPOLOGIES.length];
      int gpus = topology != null && topology.startsWith("gpus=4") ? 4 : 8;
      String name = "node-" + i;
      NodeInfo info = NodeInfo.withTopology(name, gpus, "NVIDIA-A100-PCIE-40GB", 40_960, Map.of(),
          topology == null ? Map.of() : Map.of(Annotations.GPU_TOPOLOGY, topology), false, null);
      assertThat(info.topologySource()).startsWith(topology == null ? "gfd:flat-pcie" : "annotation:");
      List<PodRecord> pods = new ArrayList<>();
      int load = random.nextInt(5); // in eighths: empty nodes to half-full ones
      for (int g = 0; g < gpus; g++) {
        if (random.nextInt(8) >= load) {
          continue;
        }
        if (random.nextBoolean()) {
          pods.add(new PodRecord("uid-" + name + g, "ns", name + "-" + g, name, 1, 0, 0, List.of(g), false,
              "2026-11-28T00:00:00Z", null));
        } else {
          pods.add(new PodRecord("uid-" + name + g, "ns", name + "-" + g, name, 0, 250 * (1 + random.nextInt(3)), 0,
              List.of(g), false, "2026-11-28T00:00:00Z", null));
        }
      }
      out.add(NodeStateBuilder.build(info, pods, List.of()));
    }
    return out;
  }

  /** The 0..10 priority as {@link Plugins}' Javadoc defines it, from the plugins' scores. */
  private static int documentedScore(Map<ScorePlugin, Integer> scorers, PodDemand d, NodeGpuState n) {
    long sum = 0;
    int weights = 0;
    boolean tiered = false;
    boolean topTier = false;
    for (Map.Entry<ScorePlugin, Integer> e : scorers.entrySet()) {
      sum += (long) e.getValue() * e.getKey().score(d, n);
      weights += e.getValue();
      if (e.getKey().tiers(d)) {
        tiered = true;
        topTier |= e.getKey().topTier(CycleState.of(d, n));
      }
    }
    long mean = sum / weights;
    if (!tiered) {
      return (int) Math.min(10, (mean * 10 + 50) / 100);
    }
    return (int) Math.min(10, topTier ? 6 + (mean * 4 + 50) / 100 : (mean * 5 + 50) / 100);
  }

  @Test
  void rankOrdersAsScoreDoesWithTheTierFirstAndFinerWithin() {
    Map<ScorePlugin, Integer> scorers = DecisionPipeline.standardScores(() -> WorkloadProfileLearner.DEFAULT, CpuView.NONE);
    DecisionPipeline pipeline = new DecisionPipeline(DecisionPipeline.standardFilters(), scorers);
    TopologyScore topology = new TopologyScore();
    List<NodeGpuState> nodes = nodes(new Random(20261128));
    int tierPairs = 0;
    int scoreOrderedPairs = 0;
    int finerPairs = 0;
    for (PodDemand d : DEMANDS) {
      List<NodeGpuState> feasible = new ArrayList<>();
      for (NodeGpuState n : nodes) {
        if (pipeline.reject(d, n) == null) {
          feasible.add(n);
          assertThat(pipeline.score(d, n)).as("score of %s for %s", n.name(), d).isEqualTo(documentedScore(scorers, d, n));
        }
      }
      assertThat(feasible).as("feasible nodes for %s", d).hasSizeGreaterThan(5);
      for (NodeGpuState a : feasible) {
        long rankA = pipeline.rank(d, a);
        int scoreA = pipeline.score(d, a);
        boolean topA = topology.tiers(d) && topology.topTier(CycleState.of(d, a));
        for (NodeGpuState b : feasible) {
          long rankB = pipeline.rank(d, b);
          int scoreB = pipeline.score(d, b);
          boolean topB = topology.tiers(d) && topology.topTier(CycleState.of(d, b));
          if (topA && !topB) {
            tierPairs++;
            assertThat(rankA).as("%s (top tier) over %s for %s", a.name(), b.name(), d).isGreaterThan(rankB);
          }
          if (scoreA > scoreB) {
            scoreOrderedPairs++;
            assertThat(rankA).as("%s (score %d) over %s (score %d) for %s", a.name(), scoreA, b.name(), scoreB, d)
                .isGreaterThan(rankB);
          }
          if (scoreA == scoreB && rankA > rankB) {
            finerPairs++;
          }
        }
      }
    }
    assertThat(tierPairs).as("top-tier nodes met lower-tier ones").isPositive();
    assertThat(scoreOrderedPairs).as("scores differed").isPositive();
    assertThat(finerPairs).as("rank told apart nodes of equal score").isPositive();
  }

  @Test
  void aFullyFreeNvlinkNodeOutranksAnyLowerTierNodeHoweverWellItScoresOtherwise() {
    DecisionPipeline pipeline = DecisionPipeline.standard();
    PodDemand two = demand(2, 0, IntraNodePolicy.PREFER_NVLINK);
    NodeInfo pairsInfo = NodeInfo.withTopology("pairs", 8, "x", 0, Map.of(),
        Map.of(Annotations.GPU_TOPOLOGY, TOPOLOGIES[1]), false, null);
    NodeInfo pcieInfo = NodeInfo.withTopology("pcie", 8, "x", 0, Map.of(),
        Map.of(Annotations.GPU_TOPOLOGY, GpuTopologies.toCompact(GpuTopologies.flatPcie(8))), false, null);
    // The PCIe node has exactly two GPUs left: a perfect fit for packing and fragmentation.
    List<PodRecord> six = new ArrayList<>();
    for (int g = 0; g < 6; g++) {
      six.add(new PodRecord("u" + g, "ns", "p" + g, "pcie", 1, 0, 0, List.of(g), false, "2026-11-28T00:00:00Z", null));
    }
    NodeGpuState pairs = NodeStateBuilder.build(pairsInfo, List.of(), List.of());
    NodeGpuState pcie = NodeStateBuilder.build(pcieInfo, six, List.of());
    long pairsRank = pipeline.rank(two, pairs);
    long pcieRank = pipeline.rank(two, pcie);
    assertThat(pairsRank).isGreaterThan(pcieRank);
    assertThat(pipeline.score(two, pairs)).isGreaterThanOrEqualTo(6).isGreaterThan(pipeline.score(two, pcie));
    // Without the tier (a pod that accepts any interconnect) the PCIe node's fit wins.
    PodDemand any = demand(2, 0, IntraNodePolicy.ANY);
    assertThat(pipeline.rank(any, pcie)).isGreaterThan(pipeline.rank(any, pairs));
  }
}
