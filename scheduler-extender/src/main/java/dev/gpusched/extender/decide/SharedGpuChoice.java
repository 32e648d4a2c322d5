package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;

/**
 * Where a GPU share goes on a node: the already-shared GPU it fills most tightly (best fit), else a free GPU. Filling
 * shared GPUs first keeps whole GPUs whole for pods that need them.
 */
public final class SharedGpuChoice {
  private SharedGpuChoice() {}

  /** The GPU index for the share, or -1 when no GPU has room. */
  public static int best(PodDemand demand, NodeGpuState node) {
    int n = node.gpuCount();
    long shared = node.sharedMask() & ~node.unusableMask();
    int best = -1;
    int bestLeft = Integer.MAX_VALUE;
    for (long m = shared; m != 0; m &= m - 1) {
      int g = Long.numberOfTrailingZeros(m);
      int left = 1000 - node.milliUsed(g) - demand.milli();
      if (left >= 0 && left < bestLeft && node.freeMemoryMiB(g) >= demand.memoryMiB()) {
        best = g;
        bestLeft = left;
      }
    }
    if (best >= 0) {
      return best;
    }
    long free = node.eligibleWholeMask(demand.memoryMiB());
    return free == 0 || n == 0 ? -1 : Long.numberOfTrailingZeros(free);
  }
}
