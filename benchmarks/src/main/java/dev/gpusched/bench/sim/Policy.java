package dev.gpusched.bench.sim;

import dev.gpusched.extender.decide.FilterPlugin;
import java.util.List;

/**
 * One placement policy under test. Scorers are made per replay ({@link ScorerFactory}) because some read the replay's
 * cluster (gpusched's {@code FragmentationScore} reads CPU through it as its {@code CpuView}).
 *
 * @param filters GPU filters applied to GPU pods (the simulator's CPU/memory fit applies to every pod, every policy)
 * @param gpuScorer rates nodes for pods that request GPUs
 * @param noGpuScorer rates nodes for pods without GPUs
 */
public record Policy(String name, String description, List<FilterPlugin> filters, ScorerFactory gpuScorer,
    ScorerFactory noGpuScorer) {

  /** Makes a policy's scorer for one replay's cluster. */
  @FunctionalInterface
  public interface ScorerFactory {
    NodeScorer forCluster(SimCluster cluster);

    /** A scorer that keeps no reference to the cluster. */
    static ScorerFactory of(NodeScorer scorer) {
      return cluster -> scorer;
    }
  }

  /** A policy whose scorers are stateless. */
  public static Policy of(String name, String description, List<FilterPlugin> filters, NodeScorer gpu, NodeScorer noGpu) {
    return new Policy(name, description, filters, ScorerFactory.of(gpu), ScorerFactory.of(noGpu));
  }
}
