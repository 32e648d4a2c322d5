package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;

/**
 * Which GPUs of a node a pod gets at bind: for whole GPUs, the topology class's best set among the free GPUs with
 * enough memory (best interconnect, least fragmentation left behind); for a share, {@link SharedGpuChoice}. The choice
 * itself is {@link CycleState#chosenGpus}, the one the scores rate.
 */
public final class GpuChooser {
  private GpuChooser() {}

  /** The chosen GPUs as a bit mask, or 0 when the node cannot host the pod. */
  public static long choose(PodDemand demand, NodeGpuState node) {
    return CycleState.of(demand, node).chosenGpus();
  }
}
