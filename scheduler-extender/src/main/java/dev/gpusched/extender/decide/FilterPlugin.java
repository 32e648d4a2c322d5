package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;

/** One reason a node may not host a pod. Pure: reads the demand and the node's immutable state, nothing else. */
public interface FilterPlugin {
  /** Short stable name, used as the {@code reason} label of the rejection metric. */
  String name();

  /** Null when the node passes; otherwise why not, in words a person understands ("needs 4 GPUs, 2 free"). */
  String filter(PodDemand demand, NodeGpuState node);

  /**
   * The same verdict as {@code filter(demand, node) == null}, without building a reason: the per-node loop asks this
   * first and builds the words only for nodes that fail. Plugins override it to stay allocation-free.
   */
  default boolean passes(PodDemand demand, NodeGpuState node) {
    return filter(demand, node) == null;
  }

  /**
   * False when the verdict and the reason read nothing of the pod's CPU request ({@link PodDemand#cpuMilli}): the
   * pipeline then shares them among pods that differ only in CPU. True (the safe default) for any other plugin.
   */
  default boolean readsPodCpu() {
    return true;
  }
}
