package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;

/**
 * What the scheduler knows of CPU: a node's CPU not yet requested by its pods, and a pod's CPU request, in milli-CPU.
 * {@link FragmentationScore} uses it to see GPUs stranded by exhausted CPU. {@link #NONE} knows nothing (GPU-only
 * scoring). Implementations must be cheap and must not block: they run in the per-node loop. They must be functions of
 * their arguments alone (the node's immutable state, the demand's CPU request): {@link DecisionPipeline} memoises its
 * verdicts per node state and demand shape.
 */
public interface CpuView {
  /** Returned when the value is not known. */
  long UNKNOWN = -1;

  /** A view that knows no CPU figures. */
  CpuView NONE = new CpuView() {
    @Override
    public long nodeCpuLeftMilli(NodeGpuState node) {
      return UNKNOWN;
    }

    @Override
    public long podCpuMilli(PodDemand demand) {
      return UNKNOWN;
    }
  };

  /** Allocatable CPU of the node minus the requests of the pods on it, or {@link #UNKNOWN}. */
  long nodeCpuLeftMilli(NodeGpuState node);

  /** The pod's CPU request, or {@link #UNKNOWN}. */
  long podCpuMilli(PodDemand demand);
}
