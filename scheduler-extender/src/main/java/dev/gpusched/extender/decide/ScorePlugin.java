package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;
import java.util.Set;

/**
 * How good a node that passed every filter is for a pod, 0 (worst) to 100 (best) (kube-scheduler's Score extension
 * point). Pure: reads the cycle (the pod's demand, the node's immutable state and what the cycle derives from both) and
 * the inputs {@link #inputsVersion} stands for.
 */
public interface ScorePlugin {
  /** Short stable name. */
  String name();

  /** What {@link #score} reads of the pod: the memo shares verdicts by it ({@link PodInput}). */
  Set<PodInput> reads();

  /** The node's score for the pod, 0..100; only asked of a node that passed every filter. */
  int score(CycleState cycle);

  /**
   * Changes whenever the score of an unchanged node and pod may change (e.g. a new workload profile); constant for a
   * plugin that reads only the cycle. The memo keeps verdicts under it.
   */
  default int inputsVersion() {
    return 0;
  }

  /**
   * For a score that reads {@link PodInput#CPU_REQUEST}: the pod's CPU requests over which this node's score is flat,
   * and its values there, computed without the pod's own request. The memo keeps them per node state and GPU demand, so
   * a pod that differs from an earlier one only in CPU is answered from the stretches; between them {@link #score} is
   * asked. Default: no flat stretch (correct, and every new CPU request is computed).
   */
  default CpuRanges cpuRanges(CycleState cycle) {
    return CpuRanges.NONE;
  }

  /**
   * True when this score splits the pod's nodes into two tiers: every node in the top tier ({@link #topTier}) ranks
   * above every node below it, whatever the other scores.
   */
  default boolean tiers(PodDemand demand) {
    return false;
  }

  /**
   * For a pod this score {@link #tiers}: whether the node is in the top tier. Reads what {@link #score} reads, never the
   * pod's CPU request.
   */
  default boolean topTier(CycleState cycle) {
    return false;
  }

  /** For callers outside a pipeline: the node's score for the pod. */
  default int score(PodDemand demand, NodeGpuState node) {
    return score(CycleState.of(demand, node));
  }
}
