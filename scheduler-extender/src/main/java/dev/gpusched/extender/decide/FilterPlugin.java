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

  /**
   * False when the verdict reads the pod's GPU memory request ({@link PodDemand#memoryMiB}) only as {@link MemoryFitRange}
   * describes (which GPUs have at least that much free): the pipeline then shares the verdict among requests that fit
   * the same GPUs of the node. The reason may still quote the request. True (the safe default) for any other plugin.
   */
  default boolean readsPodMemoryBeyondFit() {
    return true;
  }

  /**
   * Whether {@link #filter}'s reason for this node quotes the pod's GPU memory request, so that requests which fit the
   * node alike still need their own words. True (the safe default) unless the plugin knows better.
   */
  default boolean reasonQuotesMemory(PodDemand demand, NodeGpuState node) {
    return true;
  }
}
