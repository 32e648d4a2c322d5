package dev.gpusched.bench.sim;

import dev.gpusched.extender.decide.GpuChooser;

/**
 * How a policy rates a feasible node for a pod; higher is better. The simulator picks the highest (ties broken by a
 * seeded RNG, as kube-scheduler picks among equal scores at random). Baselines need CPU and memory as well as GPUs, so
 * they read the whole {@link SimCluster}; gpusched ranks by {@code DecisionPipeline.rank} ({@link GpuschedPolicy}).
 */
@FunctionalInterface
public interface NodeScorer {
  double score(SimPod pod, SimCluster cluster, int node);

  /**
   * The GPUs (bit mask) the pod gets on the node it was placed on; 0 for a pod without GPUs. gpusched's
   * {@link GpuChooser} for every policy but one that picks GPUs by its own score (FGD).
   */
  default long gpus(SimPod pod, SimCluster cluster, int node) {
    return pod.trace().numGpu() > 0 ? GpuChooser.choose(pod.demand(), cluster.gpu(node)) : 0;
  }
}
