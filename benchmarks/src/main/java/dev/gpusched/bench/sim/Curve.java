package dev.gpusched.bench.sim;

/**
 * One replay's outcome, sampled on a grid of arrived workload (percent of cluster GPUs, 0, step, 2 step, ...).
 *
 * @param allocatedPct GPU allocation ratio at each grid point
 * @param fragmentedPct expected fragmented GPU (FGD's measure against the workload profile), % of cluster GPUs
 * @param failedGpuPods GPU pods that fit nowhere, over the whole replay
 * @param arrivedPods pods that arrived
 */
public record Curve(String policy, long seed, double step, double[] allocatedPct, double[] fragmentedPct,
    int failedGpuPods, int failedPods, int arrivedPods, double unallocatedPctAt100) {}
