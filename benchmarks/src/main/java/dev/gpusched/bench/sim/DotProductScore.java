package dev.gpusched.bench.sim;

/**
 * DotProd (Tetris-style alignment, as the FGD paper's simulator scores it): the dot product of the node's free
 * (CPU, GPU) vector and the pod's request vector, both normalized by the node's capacity, averaged over the two
 * dimensions; the smaller the product, the higher the score.
 */
public final class DotProductScore implements NodeScorer {
  @Override
  public double score(SimPod pod, SimCluster cluster, int node) {
    TraceNode n = cluster.node(node);
    double cpuCap = Math.max(1, n.cpuMilli());
    double gpuCap = Math.max(1, n.gpus() * 1000.0);
    double dot = (cluster.cpuLeft(node) / cpuCap) * (pod.trace().cpuMilli() / cpuCap)
        + (cluster.gpuMilliLeft(node) / gpuCap) * (pod.trace().gpuRequestMilli() / gpuCap);
    return 1 - dot / 2;
  }
}
