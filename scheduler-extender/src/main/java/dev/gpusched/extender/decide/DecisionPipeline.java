package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.NodeGpuState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The filter and score plugins in their fixed order, as kube-scheduler's framework composes its own: every filter must
 * pass; scores combine as a weighted mean {@code s} (0..100) mapped onto the extender protocol's 0..10.
 *
 * <p>For a multi-GPU pod under {@code prefer-nvlink} interconnect dominates: nodes that can give a fully
 * NVLink-connected set score {@code 6 + round(4 s / 100)} (6..10), all others {@code round(5 s / 100)} (0..5).
 * Every other pod scores {@code round(10 s / 100)}.
 */
public final class DecisionPipeline {
  /** kube-scheduler's {@code MaxExtenderPriority}. */
  public static final int MAX_EXTENDER_PRIORITY = 10;
  public static final String UNKNOWN_NODE = "unknown_node";

  private final FilterPlugin[] filters;
  private final ScorePlugin[] scorers;
  private final int[] weights;
  private final int weightSum;

  /** @param scorers with their weights, in order */
  public DecisionPipeline(List<FilterPlugin> filters, Map<ScorePlugin, Integer> scorers) {
    this.filters = filters.toArray(new FilterPlugin[0]);
    this.scorers = scorers.keySet().toArray(new ScorePlugin[0]);
    this.weights = new int[this.scorers.length];
    int sum = 0;
    for (int i = 0; i < this.scorers.length; i++) {
      weights[i] = scorers.get(this.scorers[i]);
      sum += weights[i];
    }
    this.weightSum = Math.max(1, sum);
  }

  /** Weight of {@link FragmentationScore}: it decides among nodes of one tier; the others break its ties. */
  public static final int FRAGMENTATION_WEIGHT = 30;

  /** The default composition over a fixed profile and no CPU figures (tests, tools). */
  public static DecisionPipeline standard() {
    return standard(() -> WorkloadProfileLearner.DEFAULT, CpuView.NONE);
  }

  /** The default composition: {@link #standardFilters()} and {@link #standardScores}. */
  public static DecisionPipeline standard(java.util.function.Supplier<WorkloadProfile> profile, CpuView cpu) {
    return new DecisionPipeline(standardFilters(), standardScores(profile, cpu));
  }

  /** The default filters, in order: GPU product, GPU count (with memory and health), required interconnect. */
  public static List<FilterPlugin> standardFilters() {
    return List.of(new GpuModelFit(), new GpuCountFit(), new IntraNodeTopologyFit());
  }

  /**
   * The default scores and weights: topology 2, packing 1, memory pressure 1, fragmentation
   * {@value #FRAGMENTATION_WEIGHT}.
   */
  public static Map<ScorePlugin, Integer> standardScores(java.util.function.Supplier<WorkloadProfile> profile, CpuView cpu) {
    Map<ScorePlugin, Integer> scores = new LinkedHashMap<>();
    scores.put(new TopologyScore(), 2);
    scores.put(new PackingScore(), 1);
    scores.put(new MemoryPressureScore(), 1);
    scores.put(new FragmentationScore(profile, cpu, FragmentationScore.DEFAULT_MILLI_PER_POINT), FRAGMENTATION_WEIGHT);
    return scores;
  }

  public List<String> filterNames() {
    String[] out = new String[filters.length];
    for (int i = 0; i < filters.length; i++) {
      out[i] = filters[i].name();
    }
    return List.of(out);
  }

  /** Result of filtering a candidate list: which candidates passed, and why each other one failed. */
  public record FilterOutcome(boolean[] passed, Map<String, String> failed, int[] rejectionsByFilter, int unknownNodes) {}

  public FilterOutcome filter(PodDemand demand, ClusterSnapshot snapshot, List<String> candidates) {
    int n = candidates.size();
    boolean[] passed = new boolean[n];
    Map<String, String> failed = new LinkedHashMap<>();
    int[] rejections = new int[filters.length];
    int unknown = 0;
    for (int i = 0; i < n; i++) {
      String name = candidates.get(i);
      NodeGpuState node = snapshot.node(name);
      if (node == null) {
        failed.put(name, "gpusched does not know node " + name + " (not in its node cache yet)");
        unknown++;
        continue;
      }
      int f = firstFailing(demand, node);
      if (f < 0) {
        passed[i] = true;
      } else {
        rejections[f]++;
        failed.put(name, filters[f].filter(demand, node));
      }
    }
    return new FilterOutcome(passed, failed, rejections, unknown);
  }

  /** Index of the first filter that rejects the node, or -1 when all pass. */
  private int firstFailing(PodDemand demand, NodeGpuState node) {
    for (int f = 0; f < filters.length; f++) {
      if (filters[f].filter(demand, node) != null) {
        return f;
      }
    }
    return -1;
  }

  /** Why the node cannot host the pod, or null when it can. */
  public String reject(PodDemand demand, NodeGpuState node) {
    int f = firstFailing(demand, node);
    return f < 0 ? null : filters[f].filter(demand, node);
  }

  /** Scores 0..10 per candidate; 0 for unknown nodes and nodes that fail a filter. */
  public int[] prioritize(PodDemand demand, ClusterSnapshot snapshot, List<String> candidates) {
    int n = candidates.size();
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      NodeGpuState node = snapshot.node(candidates.get(i));
      if (node == null || firstFailing(demand, node) >= 0) {
        continue;
      }
      out[i] = score(demand, node);
    }
    return out;
  }

  /** Weighted score of one feasible node on the protocol's 0..10 scale. */
  public int score(PodDemand demand, NodeGpuState node) {
    long sum = 0;
    boolean tiered = TopologyScore.tiered(demand);
    boolean topTier = false;
    for (int s = 0; s < scorers.length; s++) {
      int score = scorers[s].score(demand, node);
      if (tiered && scorers[s] instanceof TopologyScore) {
        topTier = TopologyScore.topTier(score);
      }
      sum += (long) weights[s] * score;
    }
    long hundred = sum / weightSum;
    if (!tiered) {
      return (int) ((hundred * MAX_EXTENDER_PRIORITY + 50) / 100);
    }
    return topTier ? 6 + (int) ((hundred * 4 + 50) / 100) : (int) ((hundred * 5 + 50) / 100);
  }
}
