package dev.gpusched.extender.decide;

import dev.gpusched.extender.state.NodeGpuState;
import java.util.Set;

/**
 * Prefers nodes whose GPUs have framebuffer to spare: score = 100 x (free MiB summed over the node's usable GPUs) /
 * (their total MiB), rounded down, where a GPU's free MiB is at most its size and a GPU whose free MiB is unknown counts
 * as all free (free is DCGM's observed free minus pending placements or, without DCGM, size minus requested). A node
 * whose GPU size is unknown, or that has no GPUs, scores 100 (neither favoured nor penalised against its peers); one
 * whose GPUs are all unusable scores 0. The score reads nothing of the pod, so it is kept per node state.
 */
public final class MemoryPressureScore implements ScorePlugin {
  private final NodeLocal<Integer> scores = new NodeLocal<>();

  @Override
  public String name() {
    return "memory_pressure";
  }

  @Override
  public Set<PodInput> reads() {
    return Set.of();
  }

  @Override
  public int score(CycleState cycle) {
    Integer kept = scores.get(cycle);
    if (kept == null) {
      kept = of(cycle.node());
      scores.put(cycle, kept);
    }
    return kept;
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
}
