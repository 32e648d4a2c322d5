package dev.gpusched.extender.decide;

import dev.gpusched.extender.state.NodeGpuState;

/**
 * The range of GPU memory requests that fit a node's GPUs alike. A plugin reads the pod's request {@code m} by fit
 * alone when its verdict depends on {@code m} only through {@code m <= 0} (no memory asked) and
 * {@code node.freeMemoryMiB(g) >= m} for the node's GPUs {@code g}, as {@link NodeGpuState#eligibleWholeMask} and
 * {@link SharedGpuChoice} do. Those tests change value only where {@code m} crosses 0 or a GPU's free memory, so every
 * request between two neighbouring such breakpoints gets the same verdict on the node: {@link DecisionPipeline} keeps
 * one verdict for all of them (a new model's 13 GiB and the last one's 12 GiB usually fit the same GPUs).
 *
 * <p>A range is one long: the exclusive lower end in the high 32 bits, the inclusive upper end in the low 32, both
 * clamped to {@code int}; requests beyond {@code int} ({@link #packable}) are not shared.
 */
final class MemoryFitRange {
  private MemoryFitRange() {}

  /** The range that holds every request. */
  static final long ALL = range(Integer.MIN_VALUE, Integer.MAX_VALUE);
  /** The range that holds none ({@link #around} never gives it). */
  static final long NONE = range(-1, -1);

  /** True when {@link #range} can describe a range around the request. */
  static boolean packable(long memoryMiB) {
    return memoryMiB > Integer.MIN_VALUE && memoryMiB < Integer.MAX_VALUE;
  }

  /**
   * The requests {@code (low, high]} that fit the node's GPUs as {@code memoryMiB} does: {@code low} is the largest
   * breakpoint (0 or a GPU's free MiB) below the request, {@code high} the smallest at or above it. Only for a
   * {@link #packable} request.
   */
  static long around(NodeGpuState node, long memoryMiB) {
    long low = memoryMiB >= 1 ? 0 : Integer.MIN_VALUE;
    long high = memoryMiB <= 0 ? 0 : Integer.MAX_VALUE;
    for (int g = 0; g < node.gpuCount(); g++) {
      long free = node.freeMemoryMiB(g);
      if (free < memoryMiB) {
        low = Math.max(low, free);
      } else {
        high = Math.min(high, free);
      }
    }
    return range(Math.max(low, Integer.MIN_VALUE), Math.min(high, Integer.MAX_VALUE));
  }

  /** True when the request lies in the range. */
  static boolean holds(long range, long memoryMiB) {
    return memoryMiB > (range >> 32) && memoryMiB <= (int) range;
  }

  private static long range(long lowExclusive, long highInclusive) {
    return lowExclusive << 32 | (highInclusive & 0xFFFFFFFFL);
  }
}
