package dev.gpusched.extender.decide;

/**
 * What a plugin reads of the pod ({@link FilterPlugin#reads}, {@link ScorePlugin#reads}). The pipeline's memo shares a
 * node's verdict among pods that differ only in what no plugin reads, or reads only in a way it can share: a plugin
 * that declares too little gets wrong verdicts from the memo, one that declares too much only loses sharing.
 */
public enum PodInput {
  /** Whole GPUs or the share of one GPU, the interconnect policy, the placement, the allowed GPU models. */
  GPU_REQUEST,
  /**
   * The GPU memory request only as which of the node's GPUs have at least that much free (the GPUs of
   * {@link CycleState#eligibleGpus}, the GPU of {@link CycleState#sharedGpu}): requests that fit the node's GPUs alike
   * get the same answer, so the memo keeps one verdict for all of them.
   */
  GPU_MEMORY_FIT,
  /** The GPU memory request in any other way: verdicts are kept per exact request. */
  GPU_MEMORY,
  /**
   * The CPU request. A filter that reads it makes the memo keep verdicts per exact request; a score that reads it should
   * say over which requests it is flat ({@link ScorePlugin#cpuRanges}), or every pod of a new CPU request is computed.
   */
  CPU_REQUEST
}
