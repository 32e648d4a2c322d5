package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.topology.IntraNodePolicy;

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
    if (demand.isShared() || node.topology() == null) {
      return null;
    }
    long eligible = node.eligibleWholeMask(demand.memoryMiB());
    if (Long.bitCount(eligible) < demand.gpus()) {
      return null; // GpuCountFit owns that reason
    }
    if (node.topology().quality(eligible, demand.gpus(), demand.intraNode()) >= 0) {
      return null;
    }
    // The words depend on the eligible GPUs, the count and the policy: kept on the node for the next pod that asks the
    // same (they cost a search for the largest NVLink-connected set).
    if (node.filterReasonMemo() instanceof TopologyReason memo && memo.eligible() == eligible
        && memo.gpus() == demand.gpus() && memo.policy() == demand.intraNode()) {
      return memo.text();
    }
    String text = node.topology().reasonImpossible(eligible, demand.gpus(), demand.intraNode());
    node.filterReasonMemo(new TopologyReason(eligible, demand.gpus(), demand.intraNode(), text));
    return text;
  }

  /** A node's reason for a pod of {@code gpus} GPUs under {@code policy} when {@code eligible} are the GPUs it may take. */
  private record TopologyReason(long eligible, int gpus, IntraNodePolicy policy, String text) {}

  @Override
  public boolean readsPodCpu() {
    return false;
  }

  @Override
  public boolean readsPodMemoryBeyondFit() {
    return false;
  }

  /** The reason names the GPUs that fit and the interconnect they lack, never the request. */
  @Override
  public boolean reasonQuotesMemory(PodDemand demand, NodeGpuState node) {
    return false;
  }
}
