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
    if (!node.offersGpus()) { // a problem, or no GPUs
      return node.info().problem() != null ? "node GPUs unusable: " + node.info().problem() : "node has no GPUs";
    }
    if (demand.isShared()) {
      return SharedGpuChoice.best(demand, node) >= 0 ? null : sharedReason(demand);
    }
    long eligible = node.eligibleWholeMask(demand.memoryMiB());
    if (Long.bitCount(eligible) >= demand.gpus()) {
      return null;
    }
    if (memoryShort(demand, node, eligible)) {
      return wholeReason(demand, node, eligible);
    }
    // Without the memory clause the words depend on the GPU count and the node alone: kept on the node for the next pod
    // of that count (filter explains every node it rejects, and a full node rejects most pods).
    if (node.filterReasonMemo() instanceof CountReason memo && memo.gpus() == demand.gpus()) {
      return memo.text();
    }
    String text = wholeReason(demand, node, eligible);
    node.filterReasonMemo(new CountReason(demand.gpus(), text));
    return text;
  }

  /** A node's reason for pods of {@code gpus} whole GPUs when memory is not what is short. */
  private record CountReason(int gpus, String text) {}

  /** The last share's reason: it names only the share, so every node that rejects the pod gives the same words. */
  private record SharedReason(int milli, long memoryMiB, String text) {}

  private volatile SharedReason lastSharedReason;

  private String sharedReason(PodDemand demand) {
    SharedReason last = lastSharedReason;
    if (last != null && last.milli() == demand.milli() && last.memoryMiB() == demand.memoryMiB()) {
      return last.text();
    }
    String text = "needs " + demand.milli() + " milli-GPU"
        + (demand.memoryMiB() > 0 ? " and " + demand.memoryMiB() + " MiB" : "")
        + " on one GPU; no shared or free GPU has that much left";
    lastSharedReason = new SharedReason(demand.milli(), demand.memoryMiB(), text);
    return text;
  }

  /** True when free GPUs lack the pod's memory: then {@link #wholeReason} says so, and the words name the request. */
  private static boolean memoryShort(PodDemand demand, NodeGpuState node, long eligible) {
    return demand.memoryMiB() > 0 && Long.bitCount(eligible) < node.freeWholeCount();
  }

  /** "needs 4 GPUs, 2 free", extended with why free GPUs do not count (memory, health) when that is the cause. */
  static String wholeReason(PodDemand demand, NodeGpuState node, long eligible) {
    int free = node.freeWholeCount();
    StringBuilder sb = new StringBuilder("needs ").append(demand.gpus()).append(demand.gpus() == 1 ? " GPU" : " GPUs");
    if (memoryShort(demand, node, eligible)) {
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
    return memoryShort(demand, node, node.eligibleWholeMask(demand.memoryMiB()));
  }
}
