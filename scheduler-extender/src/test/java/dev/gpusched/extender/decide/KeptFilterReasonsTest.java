package dev.gpusched.extender.decide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link GpuCountFit} keeps a node's count reason and the last share's reason, {@link IntraNodeTopologyFit} a node's
 * interconnect reason (both in one slot of the node); what they answer stays exactly what they build afresh, whatever
 * order pods of different counts, memory, policies and shares come in.
 */
class KeptFilterReasonsTest {
  /** The reason as the plugin built it before it kept any: the reference. */
  private static String fresh(PodDemand demand, NodeGpuState node) {
    if (node.info().problem() != null) {
      return "node GPUs unusable: " + node.info().problem();
    }
    if (node.gpuCount() == 0) {
      return "node has no GPUs";
    }
    if (demand.isShared()) {
      return SharedGpuChoice.best(demand, node) >= 0 ? null
          : "needs " + demand.milli() + " milli-GPU" + (demand.memoryMiB() > 0 ? " and " + demand.memoryMiB() + " MiB" : "")
              + " on one GPU; no shared or free GPU has that much left";
    }
    long eligible = node.eligibleWholeMask(demand.memoryMiB());
    return Long.bitCount(eligible) >= demand.gpus() ? null : GpuCountFit.wholeReason(demand, node, eligible);
  }

  /** {@link IntraNodeTopologyFit}'s reason as built before it kept any. */
  private static String freshTopology(PodDemand demand, NodeGpuState node) {
    if (demand.isShared() || node.info().topology() == null) {
      return null;
    }
    long eligible = node.eligibleWholeMask(demand.memoryMiB());
    if (Long.bitCount(eligible) < demand.gpus()
        || node.info().topology().quality(eligible, demand.gpus(), demand.intraNode()) >= 0) {
      return null;
    }
    return node.info().topology().reasonImpossible(eligible, demand.gpus(), demand.intraNode());
  }

  @Test
  void keptReasonsAreTheFreshOnes() {
    RandomNodes random = new RandomNodes(77);
    GpuCountFit fit = new GpuCountFit();
    IntraNodeTopologyFit topology = new IntraNodeTopologyFit();
    int topologyRejected = 0;
    List<NodeGpuState> nodes = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      nodes.add(random.node(i));
    }
    int rejected = 0;
    int memoryWords = 0;
    for (int d = 0; d < 400; d++) {
      PodDemand demand = random.demand();
      for (NodeGpuState node : nodes) {
        String wantTopology = freshTopology(demand, node);
        assertThat(topology.filter(demand, node)).as("topology, %s on %s", demand, node.name()).isEqualTo(wantTopology);
        if (wantTopology != null) {
          topologyRejected++;
        }
        String want = fresh(demand, node);
        assertThat(fit.filter(demand, node)).as("%s on %s", demand, node.name()).isEqualTo(want);
        if (want != null) {
          rejected++;
          if (want.contains(" MiB free each")) {
            memoryWords++;
          }
        }
      }
    }
    assertThat(rejected).isGreaterThan(10_000);
    assertThat(memoryWords).isGreaterThan(100);
    assertThat(topologyRejected).isGreaterThan(1_000);
  }
}
