package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;

/** How good a node that passed every filter is for a pod, 0 (worst) to 100 (best). Pure. */
public interface ScorePlugin {
  String name();

  int score(PodDemand demand, NodeGpuState node);

  /**
   * Changes whenever this plugin's score for an unchanged node and demand may change (e.g. a new workload profile);
   * constant for a plugin that reads only the node and the demand. The pipeline memoises verdicts under it.
   */
  default int inputsVersion() {
    return 0;
  }

  /**
   * False when the score reads nothing of the pod's CPU request ({@link PodDemand#cpuMilli}): the pipeline then
   * shares it among pods that differ only in CPU. True (the safe default) for any other plugin; a plugin that reads the
   * CPU request in a cheap last step only implements {@link CpuSplitScore} instead.
   */
  default boolean readsPodCpu() {
    return true;
  }

  /**
   * False when the score reads the pod's GPU memory request ({@link PodDemand#memoryMiB}) only as {@link MemoryFitRange}
   * describes (which GPUs have at least that much free): the pipeline then shares the score among requests that fit
   * the same GPUs of the node. True (the safe default) for any other plugin.
   */
  default boolean readsPodMemoryBeyondFit() {
    return true;
  }
}
