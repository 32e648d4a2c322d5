package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.topology.IntraNodePolicy;

/**
 * The interconnect quality (0..100) of the GPU set the node would give the pod, and the fragmentation it leaves
 * behind, from the node's topology class ({@code TopologyClass.quality}). For a multi-GPU pod under
 * {@code prefer-nvlink} it also splits nodes into tiers: a node that can give a fully NVLink-connected set is in the top
 * tier, which the pipeline ranks above every other node however full each is.
 */
public final class TopologyScore implements ScorePlugin {
  /** {@code TopologyClass.quality} puts every fully NVLink-connected multi-GPU set at or above this. */
  static final int NVLINK_QUALITY = 51;
  /** Score of a shared pod, which takes one GPU's share and has no interconnect to judge. */
  static final int SHARED = 50;

  @Override
  public String name() {
    return "topology";
  }

  @Override
  public int score(PodDemand demand, NodeGpuState node) {
    if (demand.isShared() || node.topology() == null) {
      return SHARED;
    }
    return of(node.topology().quality(node.eligibleWholeMask(demand.memoryMiB()), demand.gpus(), demand.intraNode()));
  }

  /** The score of a whole-GPU pod on a node with a topology, from the quality of its best set (-1: none). */
  static int of(int quality) {
    return Math.max(0, quality);
  }

  /** True when the pod's nodes are ranked in two tiers by NVLink reachability. */
  public static boolean tiered(PodDemand demand) {
    return !demand.isShared() && demand.gpus() > 1 && demand.intraNode() == IntraNodePolicy.PREFER_NVLINK;
  }

  /** The tier of a node for a {@link #tiered} pod: true when it can give a fully NVLink-connected set. */
  public static boolean topTier(int topologyScore) {
    return topologyScore >= NVLINK_QUALITY;
  }

  @Override
  public boolean readsPodCpu() {
    return false;
  }

  @Override
  public boolean readsPodMemoryBeyondFit() {
    return false;
  }
}
