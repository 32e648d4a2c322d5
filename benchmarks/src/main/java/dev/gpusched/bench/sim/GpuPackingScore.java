package dev.gpusched.bench.sim;

import dev.gpusched.extender.state.NodeGpuState;

/**
 * GPU Packing as the FGD paper's simulator defines it, best first: (1) the pod fits on GPUs already in use
 * (score 100 minus a tenth of the free percentage left on the GPU it uses); (2) it needs free GPUs of a node already in
 * use (50 minus the free GPUs it takes); (3) it opens an idle node (33 minus the node's GPU count). Pods without GPUs
 * score 0 everywhere.
 */
public final class GpuPackingScore implements NodeScorer {
  @Override
  public double score(SimPod pod, SimCluster cluster, int node) {
    TracePod p = pod.trace();
    if (p.numGpu() == 0) {
      return 0;
    }
    NodeGpuState s = cluster.gpu(node);
    int n = s.gpuCount();
    if (s.freeWholeCount() == n) {
      return Math.max(100 / 3 - n, n);
    }
    if (p.isShared()) {
      // the tightest shared GPU the share fits on
      int bestLeft = Integer.MAX_VALUE;
      for (long m = s.sharedMask() & ~s.unusableMask(); m != 0; m &= m - 1) {
        int left = 1000 - s.milliUsed(Long.numberOfTrailingZeros(m));
        if (left >= p.gpuMilli() && left < bestLeft) {
          bestLeft = left;
        }
      }
      if (bestLeft != Integer.MAX_VALUE) {
        return Math.max(100 - (bestLeft * 100 / 1000) / 10, 50);
      }
      return Math.max(50 - 1, 100 / 3);
    }
    return Math.max(50 - p.numGpu(), 100 / 3);
  }
}
