package dev.gpusched.bench.sim;

import dev.gpusched.extender.decide.ScorePlugin;
import java.util.Map;

/**
 * gpusched's score plugins as one scorer: the weighted sum of their 0..100 scores, the sum {@code DecisionPipeline}
 * computes before it maps it onto the extender protocol's 0..10.
 */
public final class PluginScorer implements NodeScorer {
  private final ScorePlugin[] plugins;
  private final int[] weights;

  public PluginScorer(Map<ScorePlugin, Integer> weighted) {
    plugins = weighted.keySet().toArray(new ScorePlugin[0]);
    weights = new int[plugins.length];
    for (int i = 0; i < plugins.length; i++) {
      weights[i] = weighted.get(plugins[i]);
    }
  }

  @Override
  public double score(SimPod pod, SimCluster cluster, int node) {
    long sum = 0;
    for (int i = 0; i < plugins.length; i++) {
      sum += (long) weights[i] * plugins[i].score(pod.demand(), cluster.gpu(node));
    }
    return sum;
  }
}
