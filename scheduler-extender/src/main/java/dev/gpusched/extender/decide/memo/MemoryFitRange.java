package dev.gpusched.extender.decide.memo;

import dev.gpusched.extender.state.NodeGpuState;

/**
 * The GPU memory requests that fit a node's GPUs alike. A plugin that reads the pod's request {@code m} by fit alone
 * ({@code PodInput.GPU_MEMORY_FIT}) sees it only through {@code m <= 0} (no memory asked) and
 * {@code node.freeMemoryMiB(g) >= m} for the node's GPUs {@code g}. Those tests change value only where {@code m}
 * crosses 0 or a GPU's free memory, so every request between two neighbouring such breakpoints gets the same verdict on
 * the node, and a GPU-side row keeps one verdict for all of them (a new model's 13 GiB and the last one's 12 GiB usually
 * fit the same GPUs).
 */
final class MemoryFitRange {
  private MemoryFitRange() {}

  /**
   * The requests that fit the node's GPUs as {@code memoryMiB} does, as a {@link Range}: above the largest breakpoint
   * (0, or a GPU's free MiB) below the request, up to the smallest at or above it.
   */
  static long around(NodeGpuState node, long memoryMiB) {
    long below = memoryMiB >= 1 ? 0 : Long.MIN_VALUE;
    long high = memoryMiB <= 0 ? 0 : Long.MAX_VALUE;
    for (int g = 0; g < node.gpuCount(); g++) {
      long free = node.freeMemoryMiB(g);
      if (free < memoryMiB) {
        below = Math.max(below, free);
      } else {
        high = Math.min(high, free);
      }
    }
    return Range.of(below == Long.MIN_VALUE ? below : below + 1, high);
  }
}
