package dev.gpusched.bench.sim;

import dev.gpusched.extender.decide.CpuView;
import dev.gpusched.extender.decide.CycleState;
import dev.gpusched.extender.decide.DecisionPipeline;
import dev.gpusched.extender.decide.FilterPlugin;
import dev.gpusched.extender.decide.ScorePlugin;
import dev.gpusched.extender.decide.WorkloadProfile;
import java.util.List;
import java.util.Map;

/**
 * gpusched's default policy exactly as the server composes it: {@link DecisionPipeline#standardFilters()} and
 * {@link DecisionPipeline#standardScores} over the workload profile and a {@link CpuView} (the server's is
 * {@code LedgerCpuView}; the replay's cluster is the same view of its own pods). In the synthetic replay every variant
 * plans gangs whole with the extender's {@code GangPlanner} ({@link PlannedGangs}), as the server does.
 */
public final class GpuschedPolicy {
  public static final String NAME = "gpusched";

  private GpuschedPolicy() {}

  public static List<FilterPlugin> filters() {
    return DecisionPipeline.standardFilters();
  }

  public static Map<ScorePlugin, Integer> scores(WorkloadProfile profile, CpuView cpu) {
    return DecisionPipeline.standardScores(() -> profile, cpu);
  }

  /** The pipeline the server runs with this profile and CPU view. */
  public static DecisionPipeline pipeline(WorkloadProfile profile, CpuView cpu) {
    return DecisionPipeline.standard(() -> profile, cpu);
  }

  /**
   * The proposed default: the pipeline scores every pod, GPU or not, and sees CPU (the replay's cluster is its
   * {@link CpuView}); nodes are ranked as the server ranks them ({@link DecisionPipeline#rank}: the NVLink tier of a
   * multi-GPU {@code prefer-nvlink} pod first, then the plugins' weighted score) at full resolution.
   */
  public static Policy policy(WorkloadProfile profile) {
    Policy.ScorerFactory scorer = cluster -> new LearningScorer(profile, cluster);
    return new Policy(NAME, "gpusched: DecisionPipeline.standard() (filters GpuModelFit, GpuCountFit,"
        + " IntraNodeTopologyFit; TopologyScore x2, PackingScore x1, MemoryPressureScore x1, FragmentationScore x"
        + DecisionPipeline.FRAGMENTATION_WEIGHT + ") with CPU view; scores every pod", filters(), scorer, scorer)
        .withGangs(Policy.GangPlacement.GANG_PLANNER);
  }

  /** As {@link #policy} without CPU figures ({@link CpuView#NONE}): GPU-only fragmentation. */
  public static Policy gpuOnly(WorkloadProfile profile) {
    Policy.ScorerFactory scorer = cluster -> ranked(pipeline(profile, CpuView.NONE));
    return new Policy(NAME + "-gpuonly", "gpusched without CPU view (GPU-only fragmentation); scores every pod",
        filters(), scorer, scorer).withGangs(Policy.GangPlacement.GANG_PLANNER);
  }

  /**
   * The server as it is wired today: no CPU view, and pods without GPUs left to kube-scheduler's default scoring (the
   * extender answers 0 for them), modelled by LeastAllocated.
   */
  public static Policy asWiredToday(WorkloadProfile profile) {
    return new Policy(NAME + "-today", "gpusched without CPU view; pods without GPUs placed by kube-scheduler's"
        + " LeastAllocated", filters(), cluster -> ranked(pipeline(profile, CpuView.NONE)),
        Policy.ScorerFactory.of(new LeastAllocatedScore())).withGangs(Policy.GangPlacement.GANG_PLANNER);
  }

  /**
   * {@link #policy} ranked by exactly the 0..10 priorities the extender protocol carries to kube-scheduler
   * ({@link DecisionPipeline#score}); equal priorities are broken at random, as kube-scheduler does.
   */
  public static Policy extenderPriorities(WorkloadProfile profile) {
    Policy.ScorerFactory scorer = cluster -> new PipelineScorer(pipeline(profile, cluster), true);
    return new Policy(NAME + "-priority10", "gpusched ranked by its 0..10 extender priorities (random among equal)",
        filters(), scorer, scorer).withGangs(Policy.GangPlacement.GANG_PLANNER);
  }

  /**
   * Ranks nodes by the pipeline's {@link DecisionPipeline#rank}, as the server orders them, at full resolution. The
   * scorer keeps the pod's cycle: one per replay.
   */
  static NodeScorer ranked(DecisionPipeline pipeline) {
    return new PipelineScorer(pipeline, false);
  }

  /**
   * The pipeline's rank (or 0..10 priority) of each node, through one cycle per pod moved over the cluster's nodes with
   * their places and stamps ({@link SimCluster#at}), so plugins keep their per-node figures as they do in the server.
   */
  private static final class PipelineScorer implements NodeScorer {
    private final DecisionPipeline pipeline;
    private final boolean priorities;
    private CycleState cycle;

    PipelineScorer(DecisionPipeline pipeline, boolean priorities) {
      this.pipeline = pipeline;
      this.priorities = priorities;
    }

    @Override
    public double score(SimPod pod, SimCluster c, int node) {
      if (cycle == null || cycle.demand() != pod.demand()) {
        cycle = new CycleState(pod.demand());
      }
      c.at(cycle, node);
      return priorities ? pipeline.score(cycle) : pipeline.rank(cycle);
    }
  }

  /**
   * The server's ranking ({@link #ranked}) over the replay's learned profile when it offers one (rebuilt when it
   * changes, as the server would swap its pipeline when its rolling profile is refreshed), else over the fixed profile.
   */
  private static final class LearningScorer implements NodeScorer {
    private final SimCluster cluster;
    private WorkloadProfile current;
    private NodeScorer scorer;

    LearningScorer(WorkloadProfile fixed, SimCluster cluster) {
      this.cluster = cluster;
      this.current = fixed;
      this.scorer = ranked(pipeline(fixed, cluster));
    }

    @Override
    public double score(SimPod pod, SimCluster c, int node) {
      WorkloadProfile learned = cluster.learnedProfile();
      if (learned != null && learned != current) {
        current = learned;
        scorer = ranked(pipeline(learned, cluster));
      }
      return scorer.score(pod, c, node);
    }
  }
}
