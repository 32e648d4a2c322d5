package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;

/**
 * The node can give the pod a GPU set that meets its required interconnect ({@code gpusched.dev/intra-node: nvlink} or
 * {@code numa}): a precomputed table lookup per node. Preferences never filter; they only score.
 */
public final class IntraNodeTopologyFit implements FilterPlugin {
  @Override
  public String name() {
    return "topology";
  }

  @Override
  public boolean passes(PodDemand demand, NodeGpuState node) {
    if (demand.isShared() || node.topology() == null) {
      return true;
    }
    long eligible = node.eligibleWholeMask(demand.memoryMiB());
    return Long.bitCount(eligible) < demand.gpus()
        || node.topology().quality(eligible, demand.gpus(), demand.intraNode()) >= 0;
  }

  @Override
  public String filter(PodDemand demand, NodeGpuState node) {
    if (demand.isShared() || node.info().topology() == null) {
      return null;
    }
    long eligible = node.eligibleWholeMask(demand.memoryMiB());
    if (Long.bitCount(eligible) < demand.gpus()) {
      return null; // GpuCountFit owns that reason
    }
    if (node.info().topology().quality(eligible, demand.gpus(), demand.intraNode()) >= 0) {
      return null;
    }
    return node.info().topology().reasonImpossible(eligible, demand.gpus(), demand.intraNode());
  }

  @Override
  public boolean readsPodCpu() {
    return false;
  }
}
