package dev.gpusched.extender.decide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.topology.IntraNodePolicy;
import org.junit.jupiter.api.Test;

/**
 * {@link TopologyScore}: the topology class's quality of the set bind would take (a share: 50); an NVLink-connected set
 * scores 51 or more, any other 50 or less, which is the tier of a multi-GPU {@code prefer-nvlink} pod.
 */
class TopologyScoreTest {
  private final TopologyScore score = new TopologyScore();

  @Test
  void theScoreIsTheQualityOfTheChosenSet() {
    NodeGpuState pairFree = Nodes.node("pair-free", 8).topology(Nodes.PAIRS).whole(0, 2, 6, 7).build(); // 1,3,4,5
    PodDemand two = Demands.whole(2).build();
    int quality = pairFree.topology().quality(pairFree.freeWholeMask(), 2, IntraNodePolicy.PREFER_NVLINK);
    assertThat(score.score(two, pairFree)).isEqualTo(quality).isGreaterThanOrEqualTo(51);
    NodeGpuState brokenPairs = Nodes.node("broken", 8).topology(Nodes.PAIRS).whole(0, 2, 4, 6).build(); // 1,3,5,7
    assertThat(score.score(two, brokenPairs)).as("two GPUs over PCIe").isBetween(0, 50);
    assertThat(score.score(Demands.share(300).build(), pairFree)).isEqualTo(50);
  }

  @Test
  void multiGpuPodsThatPreferNvlinkAreTiered() {
    assertThat(score.tiers(Demands.whole(2).build())).isTrue();
    assertThat(score.tiers(Demands.whole(1).build())).as("one GPU has no interconnect").isFalse();
    assertThat(score.tiers(Demands.share(500).build())).isFalse();
    assertThat(score.tiers(Demands.whole(2).intraNode(IntraNodePolicy.ANY).build())).isFalse();
    assertThat(score.tiers(Demands.whole(2).intraNode(IntraNodePolicy.NVLINK).build()))
        .as("required NVLink filters instead").isFalse();
    PodDemand two = Demands.whole(2).build();
    NodeGpuState pairFree = Nodes.node("pair-free", 8).topology(Nodes.PAIRS).whole(0, 2, 6, 7).build();
    NodeGpuState brokenPairs = Nodes.node("broken", 8).topology(Nodes.PAIRS).whole(0, 2, 4, 6).build();
    assertThat(score.topTier(CycleState.of(two, pairFree))).isTrue();
    assertThat(score.topTier(CycleState.of(two, brokenPairs))).isFalse();
    assertThat(score.topTier(CycleState.of(two, Nodes.node("nvswitch", 8).topology(Nodes.NVSWITCH).build()))).isTrue();
  }
}
