package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.topology.IntraNodePolicy;
import java.util.Set;

/**
 * The node can give the pod a GPU set that meets its required interconnect ({@code gpusched.dev/intra-node: nvlink} or
 * {@code numa}): the cycle's {@link CycleState#topologyQuality} is not -1. Preferences never filter; they only score.
 * Shares, nodes without a topology class, and nodes with too few eligible GPUs (which {@link GpuCountFit} rejects)
 * pass.
 */
public final class IntraNodeTopologyFit implements FilterPlugin {
  /** The words for the last eligible GPUs, count and policy, kept per node state (they cost a search). */
  private final NodeLocal<TopologyReason> reasons = new NodeLocal<>();

  @Override
  public String name() {
    return "topology";
  }

  @Override
  public Set<PodInput> reads() {
    return Set.of(PodInput.GPU_REQUEST, PodInput.GPU_MEMORY_FIT);
  }

  @Override
  public boolean passes(CycleState cycle) {
    PodDemand demand = cycle.demand();
    if (demand.isShared() || cycle.node().topology() == null
        || Long.bitCount(cycle.eligibleGpus()) < demand.gpus()) {
      return true;
    }
    return cycle.topologyQuality() >= 0;
  }

  /** The reason names the GPUs that fit and the interconnect they lack. */
  @Override
  public String reason(CycleState cycle) {
    PodDemand demand = cycle.demand();
    long eligible = cycle.eligibleGpus();
    TopologyReason kept = reasons.get(cycle);
    if (kept != null && kept.eligible() == eligible && kept.gpus() == demand.gpus()
        && kept.policy() == demand.intraNode()) {
      return kept.text();
    }
    String text = cycle.node().topology().reasonImpossible(eligible, demand.gpus(), demand.intraNode());
    reasons.put(cycle, new TopologyReason(eligible, demand.gpus(), demand.intraNode(), text));
    return text;
  }

  @Override
  public boolean reasonQuotesMemory(CycleState cycle) {
    return false;
  }

  /** A node's reason for a pod of {@code gpus} GPUs under {@code policy} when {@code eligible} are the GPUs it may take. */
  private record TopologyReason(long eligible, int gpus, IntraNodePolicy policy, String text) {}
}
