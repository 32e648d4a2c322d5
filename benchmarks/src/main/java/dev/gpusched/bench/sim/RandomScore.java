package dev.gpusched.bench.sim;

/** Random (FGD paper's Random-fit baseline): every feasible node scores the same, so the seeded tie-break picks one at random. */
public final class RandomScore implements NodeScorer {
  @Override
  public double score(SimPod pod, SimCluster cluster, int node) {
    return 0;
  }
}
