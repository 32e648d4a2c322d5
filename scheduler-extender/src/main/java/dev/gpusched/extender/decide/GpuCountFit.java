package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;

/** Enough free GPUs: whole GPUs for a whole-GPU pod; a GPU with room for the share for a shared pod. */
public final class GpuCountFit implements FilterPlugin {
  @Override
  public String name() {
    return "insufficient_gpus";
  }

  @Override
  public String filter(PodDemand demand, NodeGpuState node) {
    if (node.info().problem() != null) {
      return "node GPUs unusable: " + node.info().problem();
    }
    if (node.gpuCount() == 0) {
      return "node has no GPUs";
    }
    if (demand.isShared()) {
      return SharedGpuChoice.best(demand, node) >= 0 ? null
          : "needs " + demand.milli() + " milli-GPU on one GPU; no shared or free GPU has that much left";
    }
    int free = node.freeWholeCount();
    if (free >= demand.gpus()) {
      return null;
    }
    return "needs " + demand.gpus() + " GPU" + (demand.gpus() == 1 ? "" : "s") + ", " + free + " free";
  }
}
