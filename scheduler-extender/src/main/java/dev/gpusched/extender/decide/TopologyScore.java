package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.topology.IntraNodePolicy;
import java.util.Set;

/**
 * The interconnect quality (0..100) of the GPU set the node would give the pod, and the fragmentation it leaves
 * behind: the cycle's {@link CycleState#topologyQuality} (the topology class's {@code quality}). A share, or a node
 * without a topology class, scores {@value #SHARED}. For a multi-GPU pod under {@code prefer-nvlink} it also splits
 * nodes into tiers: a node that can give a fully NVLink-connected set (quality at least {@value #NVLINK_QUALITY}) is
 * in the top tier, which the pipeline ranks above every other node however full each is.
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
  public Set<PodInput> reads() {
    return Set.of(PodInput.GPU_REQUEST, PodInput.GPU_MEMORY_FIT);
  }

  @Override
  public int score(CycleState cycle) {
    if (cycle.demand().isShared() || cycle.node().topology() == null) {
      return SHARED;
    }
    return Math.max(0, cycle.topologyQuality());
  }

  /** Multi-GPU pods that prefer NVLink are ranked in two tiers by NVLink reachability. */
  @Override
  public boolean tiers(PodDemand demand) {
    return !demand.isShared() && demand.gpus() > 1 && demand.intraNode() == IntraNodePolicy.PREFER_NVLINK;
  }

  @Override
  public boolean topTier(CycleState cycle) {
    return score(cycle) >= NVLINK_QUALITY;
  }
}
