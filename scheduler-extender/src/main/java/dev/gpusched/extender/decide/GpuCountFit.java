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
  public boolean passes(PodDemand demand, NodeGpuState node) {
    if (!node.offersGpus()) {
      return false;
    }
    if (demand.isShared()) {
      return SharedGpuChoice.best(demand, node) >= 0;
    }
    return Long.bitCount(node.eligibleWholeMask(demand.memoryMiB())) >= demand.gpus();
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
          : "needs " + demand.milli() + " milli-GPU" + (demand.memoryMiB() > 0 ? " and " + demand.memoryMiB() + " MiB" : "")
              + " on one GPU; no shared or free GPU has that much left";
    }
    long eligible = node.eligibleWholeMask(demand.memoryMiB());
    if (Long.bitCount(eligible) >= demand.gpus()) {
      return null;
    }
    return wholeReason(demand, node, eligible);
  }

  /** "needs 4 GPUs, 2 free", extended with why free GPUs do not count (memory, health) when that is the cause. */
  static String wholeReason(PodDemand demand, NodeGpuState node, long eligible) {
    int free = node.freeWholeCount();
    StringBuilder sb = new StringBuilder("needs ").append(demand.gpus()).append(demand.gpus() == 1 ? " GPU" : " GPUs");
    if (memoryIsTheCause(demand, node, eligible)) {
      sb.append(" with ").append(demand.memoryMiB()).append(" MiB free each, ").append(Long.bitCount(eligible))
          .append(" of ").append(free).append(" free GPUs have that much");
      long short_ = node.freeWholeMask() & ~eligible;
      int g = Long.numberOfTrailingZeros(short_);
      sb.append(" (GPU ").append(g).append(": ").append(node.freeMemoryMiB(g)).append(" MiB free)");
    } else {
      sb.append(", ").append(free).append(" free");
      long reservedFree = node.reservedMask() & node.freeWholeMaskIgnoringReservations();
      if (reservedFree != 0) {
        sb.append(" (").append(Long.bitCount(reservedFree)).append(" more reserved for gang members)");
      }
    }
    for (int g = 0; g < node.gpuCount(); g++) {
      if (node.unusableReason(g) != null) {
        sb.append("; ").append(node.unusableReason(g));
      }
    }
    return sb.toString();
  }

  @Override
  public boolean readsPodCpu() {
    return false;
  }

  /** True when free GPUs are too small for the pod's memory request: then the whole-GPU reason says so. */
  private static boolean memoryIsTheCause(PodDemand demand, NodeGpuState node, long eligible) {
    return demand.memoryMiB() > 0 && Long.bitCount(eligible) < node.freeWholeCount();
  }

  @Override
  public boolean readsPodMemoryBeyondFit() {
    return false;
  }

  /** A share's reason quotes any memory request; a whole-GPU reason only when memory is the cause. */
  @Override
  public boolean reasonQuotesMemory(PodDemand demand, NodeGpuState node) {
    if (!node.offersGpus()) {
      return false;
    }
    if (demand.isShared()) {
      return demand.memoryMiB() > 0;
    }
    return memoryIsTheCause(demand, node, node.eligibleWholeMask(demand.memoryMiB()));
  }
}
