package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;
import java.util.Set;

/**
 * Enough free GPUs: for a whole-GPU pod as many free GPUs with its GPU memory request free as it asks for (healthy,
 * outside other gangs' reservations); for a share a GPU with room for it ({@link SharedGpuChoice}). A node whose GPU
 * data is unusable, or that has no GPUs, fails every pod.
 */
public final class GpuCountFit implements FilterPlugin {
  /** A share's reason names only the share, so every node that rejects the pod gives the same words: made once. */
  private static final CycleState.PodKey<String> SHARED_REASON = new CycleState.PodKey<>(GpuCountFit::sharedReason);

  /** The words for pods of one GPU count when memory is not what is short, kept per node state. */
  private final NodeLocal<CountReason> countReasons = new NodeLocal<>();

  @Override
  public String name() {
    return "insufficient_gpus";
  }

  @Override
  public Set<PodInput> reads() {
    return Set.of(PodInput.GPU_REQUEST, PodInput.GPU_MEMORY_FIT);
  }

  @Override
  public boolean passes(CycleState cycle) {
    NodeGpuState node = cycle.node();
    if (!node.offersGpus()) {
      return false;
    }
    if (cycle.demand().isShared()) {
      return cycle.sharedGpu() >= 0;
    }
    return Long.bitCount(cycle.eligibleGpus()) >= cycle.demand().gpus();
  }

  @Override
  public String reason(CycleState cycle) {
    NodeGpuState node = cycle.node();
    PodDemand demand = cycle.demand();
    if (!node.offersGpus()) { // a problem, or no GPUs
      return node.info().problem() != null ? "node GPUs unusable: " + node.info().problem() : "node has no GPUs";
    }
    if (demand.isShared()) {
      return cycle.podState(SHARED_REASON);
    }
    long eligible = cycle.eligibleGpus();
    if (memoryShort(demand, node, eligible)) {
      return wholeReason(demand, node, eligible);
    }
    // Without the memory clause the words depend on the GPU count and the node alone (and filter explains every node
    // it rejects; a full node rejects most pods).
    CountReason kept = countReasons.get(cycle);
    if (kept != null && kept.gpus() == demand.gpus()) {
      return kept.text();
    }
    String text = wholeReason(demand, node, eligible);
    countReasons.put(cycle, new CountReason(demand.gpus(), text));
    return text;
  }

  /** A share's words quote its memory request, if any; a whole-GPU pod's only when memory is what is short. */
  @Override
  public boolean reasonQuotesMemory(CycleState cycle) {
    PodDemand demand = cycle.demand();
    if (!cycle.node().offersGpus()) {
      return false;
    }
    return demand.isShared() ? demand.memoryMiB() > 0 : memoryShort(demand, cycle.node(), cycle.eligibleGpus());
  }

  /** A node's reason for pods of {@code gpus} whole GPUs when memory is not what is short. */
  private record CountReason(int gpus, String text) {}

  private static String sharedReason(PodDemand demand) {
    return "needs " + demand.milli() + " milli-GPU" + (demand.memoryMiB() > 0 ? " and " + demand.memoryMiB() + " MiB" : "")
        + " on one GPU; no shared or free GPU has that much left";
  }

  /** True when free GPUs lack the pod's memory: then {@link #wholeReason} says so, and the words name the request. */
  private static boolean memoryShort(PodDemand demand, NodeGpuState node, long eligible) {
    return demand.memoryMiB() > 0 && Long.bitCount(eligible) < node.freeWholeCount();
  }

  /** "needs 4 GPUs, 2 free", extended with why free GPUs do not count (memory, health) when that is the cause. */
  private static String wholeReason(PodDemand demand, NodeGpuState node, long eligible) {
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
}
