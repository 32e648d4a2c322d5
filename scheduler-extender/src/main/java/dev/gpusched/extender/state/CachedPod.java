package dev.gpusched.extender.state;

import java.util.List;
import java.util.Map;

/**
 * What gpusched keeps of a pod between watch events, instead of the whole object: its ledger record (identity, node,
 * GPUs, CPU request), its phase, the labels and annotations it reads (those under {@code gpusched.dev/} and
 * {@code kro.run/}), its deletion timestamp, its scheduler, priority and start (what preemption weighs), why
 * kube-scheduler last failed to place it while it is pending (what the retry after an absence looks for), and, for a pod
 * that names a GPU resource, each container's requests and limits of CPU and GPUs. A pod that names no GPU resource
 * keeps no containers: its CPU total is in its record. Immutable (its maps and lists too); the pod's next event
 * replaces it.
 *
 * @param phase {@code status.phase}, or null
 * @param deletionTimestamp when the pod was asked to be deleted, or null
 * @param containers the (init) containers of a pod that names a GPU resource, in order, else empty
 * @param schedulerName {@code spec.schedulerName}, or null
 * @param priority {@code spec.priority}, or null
 * @param startSecond {@code status.startTime} in seconds since the epoch, or {@link #NOT_STARTED}
 * @param unscheduled a pending pod's {@code PodScheduled=False} condition, else null
 */
public record CachedPod(PodRecord record, String phase, Map<String, String> labels, Map<String, String> annotations,
    String deletionTimestamp, List<Container> containers, String schedulerName, Integer priority, long startSecond,
    Unscheduled unscheduled) {

  /** {@link #startSecond()} of a pod the kubelet has not started. */
  public static final long NOT_STARTED = Long.MIN_VALUE;

  /** Why kube-scheduler could not place a pending pod: its {@code PodScheduled=False} condition's reason and message. */
  public record Unscheduled(String reason, String message) {}

  /**
   * A container's requests and limits of {@code cpu}, {@code nvidia.com/gpu} and {@code gpusched.dev/gpu-milli}, as the
   * quantities the API server holds (resource name to quantity text).
   */
  public record Container(String name, boolean init, Map<String, String> requests, Map<String, String> limits) {}

  public String uid() {
    return record.uid();
  }

  public String namespace() {
    return record.namespace();
  }

  public String name() {
    return record.name();
  }

  /** The node it is bound to, or null while pending. */
  public String nodeName() {
    return record.nodeName();
  }

  /** {@code namespace/name}. */
  public String key() {
    return record.key();
  }

  /** Finished (Succeeded or Failed) or being deleted: it holds no place any more. */
  public boolean gone() {
    return record.terminal() || deletionTimestamp != null;
  }
}
