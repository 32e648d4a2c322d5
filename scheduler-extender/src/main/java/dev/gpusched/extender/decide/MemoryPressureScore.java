package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;

/**
 * Prefers nodes whose GPUs have framebuffer to spare: score = 100 x (free MiB summed over the node's usable GPUs) /
 * (their total MiB), where free is DCGM's observed free minus pending placements (or, without DCGM, size minus
 * requested). A node whose GPU memory is unknown scores 100, so it is neither favoured nor penalised against its peers.
 * The score reads nothing of the pod, so it is computed once per node state and memoised on it.
 */
public final class MemoryPressureScore implements ScorePlugin {
  @Override
  public String name() {
    return "memory_pressure";
  }

  @Override
  public int score(PodDemand demand, NodeGpuState node) {
    int memo = node.memoryScoreMemo();
    if (memo < 0) {
      memo = of(node);
      node.memoryScoreMemo(memo);
    }
    return memo;
  }

  private static int of(NodeGpuState node) {
    long size = node.info().gpuMemoryMiB();
    if (size <= 0 || node.gpuCount() == 0) {
      return 100;
    }
    long free = 0;
    long total = 0;
    long usable = ~node.unusableMask();
    for (int g = 0; g < node.gpuCount(); g++) {
      if ((usable & (1L << g)) == 0) {
        continue;
      }
      long f = node.freeMemoryMiB(g);
      free += Math.min(size, f == NodeGpuState.UNKNOWN_FREE_MIB ? size : f);
      total += size;
    }
    return total == 0 ? 0 : (int) (free * 100 / total);
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
