package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;
import java.util.Set;

/**
 * One reason a node may not host a pod (kube-scheduler's Filter extension point). Pure: reads the cycle (the pod's
 * demand, the node's immutable state and what the cycle derives from both), nothing else.
 */
public interface FilterPlugin {
  /** Short stable name, used as the {@code reason} label of the rejection metric. */
  String name();

  /** What {@link #passes} and {@link #reason} read of the pod: the memo shares verdicts by it ({@link PodInput}). */
  Set<PodInput> reads();

  /** Whether the node may host the pod. Builds no words: the pipeline asks {@link #reason} only of nodes that fail. */
  boolean passes(CycleState cycle);

  /** Why the node may not host the pod, in words a person understands ("needs 4 GPUs, 2 free"); only when it fails. */
  String reason(CycleState cycle);

  /**
   * Whether {@link #reason} for this node quotes the pod's GPU memory request: the memo shares a filter's words among
   * pods whose memory requests fit the node's GPUs alike only when they do not. True (never shared) unless the plugin
   * knows better.
   */
  default boolean reasonQuotesMemory(CycleState cycle) {
    return true;
  }

  /** For callers outside a pipeline: null when the node passes, else {@link #reason}. */
  default String filter(PodDemand demand, NodeGpuState node) {
    CycleState cycle = CycleState.of(demand, node);
    return passes(cycle) ? null : reason(cycle);
  }
}
