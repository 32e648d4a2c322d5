package dev.gpusched.bench.jmh;

import dev.gpusched.extender.decide.DecisionPipeline;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.ClusterSnapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code ExtenderService} does for one pod's filter and prioritize calls, minus JSON: filter every candidate, then
 * score the survivors (kube-scheduler sends prioritize only the nodes that passed filter).
 */
public final class ScoringLoop {
  /** How many candidates passed filter, and the sum of their scores (so nothing can be optimised away). */
  public record Outcome(int passed, int failed, long scoreSum, int[] scores) {}

  private ScoringLoop() {}

  public static Outcome filterThenPrioritize(DecisionPipeline pipeline, PodDemand demand, ClusterSnapshot snapshot,
      List<String> candidates) {
    DecisionPipeline.FilterOutcome filtered = pipeline.filter(demand, snapshot, candidates);
    boolean[] passed = filtered.passed();
    List<String> survivors = new ArrayList<>(passed.length);
    for (int i = 0; i < passed.length; i++) {
      if (passed[i]) {
        survivors.add(candidates.get(i));
      }
    }
    int[] scores = pipeline.prioritize(demand, snapshot, survivors);
    long sum = 0;
    for (int s : scores) {
      sum += s;
    }
    return new Outcome(survivors.size(), filtered.failedCount(), sum, scores);
  }
}
