package dev.gpusched.extender.state;

import java.util.List;

/**
 * What gpusched keeps of a pod that uses GPUs.
 *
 * @param nodeName the node it is bound (or, for an assumed pod, being bound) to; null while pending
 * @param recordedIds GPU indices from {@code gpusched.dev/gpu-ids}; null when the pod carries none
 * @param terminal phase Succeeded or Failed: it holds no GPU any more
 * @param recordProblem why {@code gpusched.dev/gpu-ids} or the GPU request could not be read, or null
 * @param cpuMilli the pod's CPU request (milli-CPU): what it takes of its node's CPU, for GPU pods and others alike
 */
public record PodRecord(
    String uid, String namespace, String name, String nodeName, int gpus, int milli, long memoryMiB,
    List<Integer> recordedIds, boolean terminal, String creationTimestamp, String recordProblem, long cpuMilli) {

  /** A record without a CPU request. */
  public PodRecord(String uid, String namespace, String name, String nodeName, int gpus, int milli, long memoryMiB,
      List<Integer> recordedIds, boolean terminal, String creationTimestamp, String recordProblem) {
    this(uid, namespace, name, nodeName, gpus, milli, memoryMiB, recordedIds, terminal, creationTimestamp, recordProblem, 0);
  }

  public String key() {
    return namespace + "/" + name;
  }

  public boolean holdsGpus() {
    return nodeName != null && !terminal && (gpus > 0 || milli > 0);
  }

  public PodRecord withPlacement(String node, List<Integer> ids) {
    return new PodRecord(uid, namespace, name, node, gpus, milli, memoryMiB, ids, terminal, creationTimestamp, recordProblem,
        cpuMilli);
  }
}
