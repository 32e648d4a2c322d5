package dev.gpusched.extender.decide;

import dev.gpusched.extender.state.NodeGpuState;

/**
 * What the scheduler knows of a node's CPU: the CPU not yet requested by its pods, in milli-CPU.
 * {@link FragmentationScore} uses it to see GPUs stranded by exhausted CPU (the pod's own request is
 * {@code PodDemand.cpuMilli}). {@link #NONE} knows nothing (GPU-only scoring). Implementations must be cheap and must
 * not block: they run in the per-node loop. They must be functions of the node state alone, or of what its
 * {@link CycleState#stamp} covers: plugins keep what they derive from it per node state.
 */
@FunctionalInterface
public interface CpuView {
  /** Returned when the value is not known. */
  long UNKNOWN = -1;

  /** A view that knows no CPU figures. */
  CpuView NONE = node -> UNKNOWN;

  /** Allocatable CPU of the node minus the requests of the pods on it, or {@link #UNKNOWN}. */
  long nodeCpuLeftMilli(NodeGpuState node);
}
