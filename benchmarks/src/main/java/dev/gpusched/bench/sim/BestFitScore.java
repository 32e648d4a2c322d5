package dev.gpusched.bench.sim;

/**
 * BestFit as the FGD paper's simulator defines it: the node with the least resources left after placement, weighted
 * 0.5 CPU and 0.5 GPU, each normalized by the largest node's capacity: score = -sum w_i (free_i - request_i) / max_i.
 */
public final class BestFitScore implements NodeScorer {
  private final double maxCpu;
  private final double maxGpuMilli;

  public BestFitScore(double maxCpu, double maxGpuMilli) {
    this.maxCpu = Math.max(1, maxCpu);
    this.maxGpuMilli = Math.max(1, maxGpuMilli);
  }

  @Override
  public double score(SimPod pod, SimCluster cluster, int node) {
    double cpu = (cluster.cpuLeft(node) - pod.trace().cpuMilli()) / maxCpu;
    double gpu = (cluster.gpuMilliLeft(node) - pod.trace().gpuRequestMilli()) / maxGpuMilli;
    return -(0.5 * cpu + 0.5 * gpu);
  }
}
