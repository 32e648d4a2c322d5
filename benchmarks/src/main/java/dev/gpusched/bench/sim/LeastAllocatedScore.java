package dev.gpusched.bench.sim;

/**
 * kube-scheduler's default node scoring (NodeResourcesFit, strategy LeastAllocated), here over CPU, memory and GPU with
 * weight 1 each: the mean over resources of (capacity - requested after placement) / capacity; nodes without a
 * resource skip it. Spreads pods onto the emptiest nodes.
 */
public final class LeastAllocatedScore implements NodeScorer {
  @Override
  public double score(SimPod pod, SimCluster cluster, int node) {
    TraceNode n = cluster.node(node);
    TracePod p = pod.trace();
    double sum = 0;
    int dims = 0;
    if (n.cpuMilli() > 0) {
      sum += (double) (cluster.cpuLeft(node) - p.cpuMilli()) / n.cpuMilli();
      dims++;
    }
    if (n.memoryMib() > 0) {
      sum += (double) (cluster.memLeft(node) - p.memoryMib()) / n.memoryMib();
      dims++;
    }
    if (n.gpus() > 0) {
      sum += (double) (cluster.gpuMilliLeft(node) - p.gpuRequestMilli()) / (n.gpus() * 1000.0);
      dims++;
    }
    return dims == 0 ? 0 : sum / dims;
  }
}
