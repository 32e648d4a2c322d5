package dev.gpusched.bench.sim;

import java.util.List;

/**
 * One pod of a trace. A pod with {@code gpuMilli} below 1000 (and one GPU) shares that part of one GPU; a pod with no
 * GPU has {@code numGpu} 0.
 *
 * @param allowedModels GPU models the pod may run on ({@code gpu_spec}, split at "|"); empty = any
 */
public record TracePod(String name, long cpuMilli, long memoryMib, int numGpu, int gpuMilli, List<String> allowedModels) {
  /** The GPU the pod requests, in milli-GPU. */
  public long gpuRequestMilli() {
    return (long) numGpu * gpuMilli;
  }

  public boolean isShared() {
    return numGpu == 1 && gpuMilli < 1000;
  }
}
