package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.Placement;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;

/**
 * Binpack (default): the fuller the node after placing the pod, the higher the score, so partly used nodes fill first and
 * whole nodes stay free for large pods. Spread ({@code gpusched.dev/placement: spread}) is the mirror image.
 *
 * <p>score = 100 x (GPUs in use after placement) / (GPUs on the node), where a shared GPU counts by its used fraction.
 */
public final class PackingScore implements ScorePlugin {
  @Override
  public String name() {
    return "packing";
  }

  @Override
  public int score(PodDemand demand, NodeGpuState node) {
    int n = node.gpuCount();
    if (n == 0) {
      return 0;
    }
    long usedMilli = node.usedMilli() + (demand.isShared() ? demand.milli() : demand.gpus() * 1000L);
    int full = (int) Math.min(100, usedMilli * 100 / (n * 1000L));
    return demand.placement() == Placement.SPREAD ? 100 - full : full;
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
