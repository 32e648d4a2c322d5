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
 * @param gangs how the synthetic replay places a gang (trace replays have no gangs)
 * @param ties how the trace replay breaks equal best scores
 */
public record Policy(String name, String description, List<FilterPlugin> filters, ScorerFactory gpuScorer,
    ScorerFactory noGpuScorer, GangPlacement gangs, TieBreak ties) {

  /** How a gang (pods that must start together) is placed. */
  public enum GangPlacement {
    /**
     * Member by member through the policy's filters and scorers, all or nothing: if one member fits nowhere, the members
     * placed so far are taken back and the gang waits. Models kube-scheduler with a coscheduling permit gate.
     */
    MEMBER_BY_MEMBER,
    /** The whole gang at once by gpusched's {@code GangPlanner}, as the extender plans it ({@link PlannedGangs}). */
    GANG_PLANNER
  }

  /** Among nodes of the best score, which one the pod goes to. */
  public enum TieBreak {
    /** Uniformly at random, as kube-scheduler's {@code selectHost} picks. */
    RANDOM,
    /**
     * The first in an order of the nodes shuffled once per seed, so the same node wins every tie: how the FGD
     * authors' published runs behave (README-sim.md, "The FGD reference").
     */
    NODE_ORDER
  }

  /** A policy that places gangs member by member and breaks ties at random. */
  public Policy(String name, String description, List<FilterPlugin> filters, ScorerFactory gpuScorer,
      ScorerFactory noGpuScorer) {
    this(name, description, filters, gpuScorer, noGpuScorer, GangPlacement.MEMBER_BY_MEMBER);
  }

  /** A policy that breaks ties at random. */
  public Policy(String name, String description, List<FilterPlugin> filters, ScorerFactory gpuScorer,
      ScorerFactory noGpuScorer, GangPlacement gangs) {
    this(name, description, filters, gpuScorer, noGpuScorer, gangs, TieBreak.RANDOM);
  }

  /** Makes a policy's scorer for one replay's cluster. */
  @FunctionalInterface
  public interface ScorerFactory {
    NodeScorer forCluster(SimCluster cluster);

    /** A scorer that keeps no reference to the cluster. */
    static ScorerFactory of(NodeScorer scorer) {
      return cluster -> scorer;
    }
  }

  /** A policy whose scorers are stateless; gangs member by member. */
  public static Policy of(String name, String description, List<FilterPlugin> filters, NodeScorer gpu, NodeScorer noGpu) {
    return new Policy(name, description, filters, ScorerFactory.of(gpu), ScorerFactory.of(noGpu));
  }

  /** The same policy with gangs placed as {@code how} says. */
  public Policy withGangs(GangPlacement how) {
    return new Policy(name, description, filters, gpuScorer, noGpuScorer, how, ties);
  }

  /** The same policy with ties broken as {@code how} says. */
  public Policy withTies(TieBreak how) {
    return new Policy(name, description, filters, gpuScorer, noGpuScorer, gangs, how);
  }
}
