package dev.gpusched.extender.decide;

import dev.gpusched.extender.state.NodeGpuState;

/**
 * The server's {@link CpuView}: a node's allocatable CPU minus the CPU requested by every pod bound to it (GPU pods and
 * others, as the ledger counts them from the informer).
 */
public final class LedgerCpuView implements CpuView {
  @Override
  public long nodeCpuLeftMilli(NodeGpuState node) {
    long allocatable = node.cpuAllocatableMilli();
    return allocatable <= 0 ? UNKNOWN : allocatable - node.cpuRequestedMilli();
  }
}
