package dev.gpusched.extender.decide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.extender.state.NodeInfo;
import dev.gpusched.extender.state.NodeStateBuilder;
import dev.gpusched.topology.IntraNodePolicy;
import dev.gpusched.topology.WholeGpuChoice;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link CycleState}: the GPUs a pod may take on a node, the set bind gives it with its quality, the GPU a share joins;
 * and {@link NodeLocal}, what plugins keep per node state through it.
 */
class CycleStateTest {
  @Test
  void wholeGpusTheTopologyClassesBestSetOfTheEligibleOnes() {
    // pairs 0-1, 2-3, 4-5, 6-7; 0 and 4..7 held: 1, 2, 3 free, and 2-3 is a pair
    NodeGpuState node = Nodes.node("n", 8).topology(Nodes.PAIRS).whole(0, 4, 5, 6, 7).build();
    CycleState two = CycleState.of(Demands.whole(2).build(), node);
    assertThat(two.eligibleGpus()).isEqualTo(0b1110);
    assertThat(two.chosenGpus()).isEqualTo(0b1100);
    assertThat(two.topologyQuality()).isGreaterThanOrEqualTo(TopologyScore.NVLINK_QUALITY);
    assertThat(two.sharedGpu()).isEqualTo(-1);
    assertThat(GpuChooser.choose(Demands.whole(2).build(), node)).as("what bind takes").isEqualTo(0b1100);
    CycleState four = CycleState.of(Demands.whole(4).build(), node);
    assertThat(four.chosenGpus()).as("too few eligible").isZero();
    assertThat(four.topologyQuality()).isEqualTo(-1);
    CycleState nvlinkThree = CycleState.of(Demands.whole(3).intraNode(IntraNodePolicy.NVLINK).build(), node);
    assertThat(nvlinkThree.chosenGpus()).as("no 3 NVLink-connected GPUs").isZero();
    assertThat(nvlinkThree.topologyQuality()).isEqualTo(-1);
  }

  @Test
  void aMemoryRequestLeavesOutGpusWithLessFree() {
    NodeGpuState node = Nodes.node("n", 4).product("NVIDIA-A100-PCIE-40GB", 40_960).build();
    assertThat(CycleState.of(Demands.whole(1).memory(40_960).build(), node).eligibleGpus()).isEqualTo(0b1111);
    CycleState tooBig = CycleState.of(Demands.whole(1).memory(40_961).build(), node);
    assertThat(tooBig.eligibleGpus()).isZero();
    assertThat(tooBig.chosenGpus()).isZero();
  }

  @Test
  void aShareJoinsTheSharedGpuItFillsMostTightly() {
    NodeGpuState node = Nodes.node("n", 4).share(0, 600).share(1, 300).build();
    CycleState share = CycleState.of(Demands.share(300).build(), node);
    assertThat(share.sharedGpu()).as("GPU 0 keeps 100 free, GPU 1 would keep 400").isZero();
    assertThat(share.chosenGpus()).isEqualTo(0b1);
    assertThat(CycleState.of(Demands.share(500).build(), node).sharedGpu()).as("only GPU 1 has room").isEqualTo(1);
    assertThat(CycleState.of(Demands.share(800).build(), node).sharedGpu()).as("a free GPU").isEqualTo(2);
  }

  @Test
  void withoutATopologyClassTheLowestEligibleGpus() {
    NodeGpuState bare = NodeStateBuilder.build(
        new NodeInfo("bare", 4, "NVIDIA-L4", 23_034, Map.of(), Map.of(), false, null, "none", null), List.of(), List.of());
    assertThat(CycleState.of(Demands.whole(2).build(), bare).chosenGpus()).isEqualTo(0b11);
  }

  @Test
  void theWholeGpuSetIsWholeGpuChoicesAsAGangMembersPlaceIs() {
    // the one rule a single pod's bind and a gang member's planned place share (topology/WholeGpuChoice); the cycle
    // reads it from the class's table where it has one, so check it on generated nodes and demands
    RandomNodes random = new RandomNodes(20);
    int compared = 0;
    for (int i = 0; i < 2_000; i++) {
      NodeGpuState node = random.node(i);
      PodDemand demand = random.demand();
      if (demand.isShared() || demand.gpus() == 0) {
        continue;
      }
      CycleState cycle = CycleState.of(demand, node);
      assertThat(cycle.chosenGpus()).as("%s on %s", demand, node.name())
          .isEqualTo(WholeGpuChoice.choose(node.topology(), cycle.eligibleGpus(), demand.gpus(), demand.intraNode()));
      compared++;
    }
    assertThat(compared).isGreaterThan(500);
  }

  @Test
  void movingToAnotherNodeForgetsTheLastOne() {
    PodDemand two = Demands.whole(2).build();
    NodeGpuState empty = Nodes.node("a", 8).topology(Nodes.NVSWITCH).build();
    NodeGpuState half = Nodes.node("b", 8).topology(Nodes.NVSWITCH).whole(0, 1, 2, 3).build();
    CycleState cycle = new CycleState(two);
    assertThat(cycle.at(empty, null, -1, 0).eligibleGpus()).isEqualTo(0xFF);
    assertThat(cycle.at(half, null, -1, 0).eligibleGpus()).isEqualTo(0xF0);
    assertThat(cycle.chosenGpus()).isEqualTo(GpuChooser.choose(two, half));
  }

  /** A value kept for one node state. */
  private record Words(String text) {}

  @Test
  void nodeLocalKeepsAValuePerPlaceAndStamp() {
    NodeLocal<Words> kept = new NodeLocal<>();
    NodeGpuState node = Nodes.node("a", 2).build();
    Object layout = new Object();
    CycleState cycle = new CycleState(Demands.whole(1).build());
    kept.put(cycle.at(node, layout, 3, 7), new Words("three at 7"));
    assertThat(kept.get(cycle.at(node, layout, 3, 7))).isEqualTo(new Words("three at 7"));
    assertThat(kept.get(cycle.at(node, layout, 3, 8))).as("a new state of the node").isNull();
    assertThat(kept.get(cycle.at(node, layout, 2, 7))).as("another node").isNull();
    assertThat(kept.get(cycle.at(node, new Object(), 3, 7))).as("another layout").isNull();
    kept.put(cycle.at(node, null, -1, 0), new Words("no place"));
    assertThat(kept.get(cycle.at(node, null, -1, 0))).as("a node without a place keeps nothing").isNull();
    kept.put(cycle.at(node, layout, 500, 1), new Words("far"));
    assertThat(kept.get(cycle.at(node, layout, 500, 1))).isEqualTo(new Words("far"));
    assertThat(kept.get(cycle.at(node, layout, 3, 7))).as("kept while the table grew").isEqualTo(new Words("three at 7"));
    kept.put(cycle.at(node, layout, 3, 9), new Words("three at 9"));
    assertThat(kept.get(cycle.at(node, layout, 3, 9))).as("the node's new state").isEqualTo(new Words("three at 9"));
    assertThat(kept.get(cycle.at(node, layout, 3, 7))).as("the state it replaced").isNull();
  }
}
