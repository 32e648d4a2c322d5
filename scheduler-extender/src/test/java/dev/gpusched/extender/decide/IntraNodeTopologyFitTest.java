package dev.gpusched.extender.decide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.extender.state.NodeInfo;
import dev.gpusched.extender.state.NodeStateBuilder;
import dev.gpusched.topology.IntraNodePolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link IntraNodeTopologyFit}: a required interconnect ({@code nvlink}, {@code numa}) filters nodes whose eligible GPUs
 * offer no such set, in the topology class's words; preferences, shares and nodes short of GPUs pass.
 */
class IntraNodeTopologyFitTest {
  private final IntraNodeTopologyFit fit = new IntraNodeTopologyFit();

  private static PodDemand two(IntraNodePolicy policy) {
    return Demands.whole(2).intraNode(policy).build();
  }

  @Test
  void nvlinkRequiresAnNvlinkConnectedSet() {
    NodeGpuState pairFree = Nodes.node("pair-free", 8).topology(Nodes.PAIRS).whole(0, 2, 6, 7).build(); // 4-5 free
    NodeGpuState brokenPairs = Nodes.node("broken", 8).topology(Nodes.PAIRS).whole(0, 2, 4, 6).build(); // 1,3,5,7
    assertThat(fit.filter(two(IntraNodePolicy.NVLINK), pairFree)).isNull();
    assertThat(fit.filter(two(IntraNodePolicy.NVLINK), brokenPairs))
        .isEqualTo("needs 2 NVLink-connected GPUs; free GPUs 1,3,5,7 share no NVLink");
    NodeGpuState firstHalf = Nodes.node("first-half", 8).topology(Nodes.PAIRS).whole(4, 5, 6, 7).build();
    assertThat(fit.filter(Demands.whole(4).intraNode(IntraNodePolicy.NVLINK).build(), firstHalf))
        .isEqualTo("needs 4 NVLink-connected GPUs; free GPUs 0,1,2,3: the largest NVLink-connected set among them is"
            + " 0,1 (2 GPUs)");
  }

  @Test
  void numaRequiresOneNumaNode() {
    NodeGpuState across = Nodes.node("across", 8).topology(Nodes.PAIRS).whole(0, 1, 6, 7).build(); // 2,3 | 4,5
    assertThat(fit.filter(Demands.whole(2).intraNode(IntraNodePolicy.NUMA).build(), across)).isNull();
    assertThat(fit.filter(Demands.whole(4).intraNode(IntraNodePolicy.NUMA).build(), across))
        .isEqualTo("needs 4 GPUs on one known NUMA node; free GPUs by NUMA node: node 0: 2,3; node 1: 4,5");
  }

  @Test
  void preferencesSharesAndShortNodesPass() {
    NodeGpuState brokenPairs = Nodes.node("broken", 8).topology(Nodes.PAIRS).whole(0, 2, 4, 6).build();
    assertThat(fit.filter(two(IntraNodePolicy.PREFER_NVLINK), brokenPairs)).isNull();
    assertThat(fit.filter(two(IntraNodePolicy.ANY), brokenPairs)).isNull();
    assertThat(fit.filter(Demands.share(500).build(), brokenPairs)).isNull();
    assertThat(fit.filter(Demands.whole(5).intraNode(IntraNodePolicy.NVLINK).build(), brokenPairs))
        .as("too few GPUs: GpuCountFit says so").isNull();
    NodeGpuState noClass = NodeStateBuilder.build(
        new NodeInfo("bare", 4, "NVIDIA-L4", 23_034, Map.of(), Map.of(), false, null, "none", null), List.of(), List.of());
    assertThat(fit.filter(two(IntraNodePolicy.NVLINK), noClass)).as("no topology class: nothing to judge").isNull();
  }

  /** The words kept per node state are the words built afresh, whatever order the pods come in. */
  @Test
  void keptReasonsAreTheFreshOnes() {
    RandomNodes random = new RandomNodes(78);
    List<NodeGpuState> nodes = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      nodes.add(random.node(i));
    }
    int rejected = 0;
    for (int d = 0; d < 400; d++) {
      PodDemand demand = random.demand();
      CycleState placed = new CycleState(demand);
      for (int i = 0; i < nodes.size(); i++) {
        String fresh = new IntraNodeTopologyFit().filter(demand, nodes.get(i));
        placed.at(nodes.get(i), nodes, i, 0);
        assertThat(fit.passes(placed) ? null : fit.reason(placed)).as("%s on %s", demand, nodes.get(i).name())
            .isEqualTo(fresh);
        rejected += fresh != null ? 1 : 0;
      }
    }
    assertThat(rejected).isGreaterThan(1_000);
  }
}
