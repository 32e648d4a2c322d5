package dev.gpusched.bench.sim;

/**
 * How a policy rates a feasible node for a pod; higher is better. The simulator picks the highest (ties broken by a
 * seeded RNG, as kube-scheduler picks among equal scores at random). Baselines need CPU and memory as well as GPUs, so
 * they read the whole {@link SimCluster}; gpusched ranks by {@code DecisionPipeline.rank} ({@link GpuschedPolicy}).
 */
@FunctionalInterface
public interface NodeScorer {
  double score(SimPod pod, SimCluster cluster, int node);
}
