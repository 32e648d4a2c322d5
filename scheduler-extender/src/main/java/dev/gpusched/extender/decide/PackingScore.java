package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.Placement;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;
import java.util.Set;

/**
 * Binpack (default): the fuller the node after placing the pod, the higher the score, so partly used nodes fill first and
 * whole nodes stay free for large pods. Spread ({@code gpusched.dev/placement: spread}) is the mirror image.
 *
 * <p>score = 100 x (milli-GPU in use after placement) / (1000 x GPUs on the node), at most 100, rounded down, where a
 * shared GPU counts by its used milli-GPU; 0 on a node without GPUs.
 */
public final class PackingScore implements ScorePlugin {
  @Override
  public String name() {
    return "packing";
  }

  @Override
  public Set<PodInput> reads() {
    return Set.of(PodInput.GPU_REQUEST);
  }

  @Override
  public int score(CycleState cycle) {
    NodeGpuState node = cycle.node();
    PodDemand demand = cycle.demand();
    int n = node.gpuCount();
    if (n == 0) {
      return 0;
    }
    long usedMilli = node.usedMilli() + (demand.isShared() ? demand.milli() : demand.gpus() * 1000L);
    int full = (int) Math.min(100, usedMilli * 100 / (n * 1000L));
    return demand.placement() == Placement.SPREAD ? 100 - full : full;
  }
}
