package dev.gpusched.extender.retry;

import dev.gpusched.extender.gang.PodRef;
import dev.gpusched.extender.model.InvalidDemandException;
import dev.gpusched.extender.model.PodDemandParser;
import dev.gpusched.extender.state.CachedPod;
import dev.gpusched.extender.state.PodCache;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets kube-scheduler to retry, once gpusched serves again, the pods that failed while no gpusched did: after a start,
 * a leader hand-over or a relist after a lost watch. kube-scheduler records a call to its extender that failed
 * (connection refused, a timeout, an {@code Error} answer such as "not synced" or "not the leader") in the pod's
 * {@code PodScheduled=False} condition with the error as its message (reason {@code Unschedulable} up to v1.24,
 * {@code SchedulerError} since), where a verdict reads "0/N nodes are available: ...", and parks the pod until an event
 * that concerns it. For {@link #WINDOW} after this replica starts serving, each sweep
 * nudges ({@link RetryNudges}) every such pending pod that asks for GPUs and names one of gpusched's schedulers, each at
 * most once per serving period: the window also catches failures kube-scheduler records just after serving began.
 */
public final class AbsenceRetry {
  /** How long after serving begins failed pods are looked for (and sweeps run every second within it). */
  public static final Duration WINDOW = Duration.ofSeconds(30);
  /** The condition reasons kube-scheduler records a failed attempt with (an error: the first up to v1.24). */
  private static final Set<String> FAILED = Set.of("Unschedulable", "SchedulerError");
  /** How kube-scheduler's verdict (its FitError) begins: "0/1000 nodes are available: ...". */
  private static final java.util.regex.Pattern VERDICT = java.util.regex.Pattern.compile("^0/\\d+ nodes are available");

  private static final Logger LOG = LoggerFactory.getLogger(AbsenceRetry.class);

  private final PodCache pods;
  private final Set<String> schedulerNames;
  private final BooleanSupplier serving;
  private final RetryNudges nudges;
  private final InstantSource clock;
  private Instant servingSince;
  private final Set<String> nudged = new HashSet<>();

  /**
   * @param schedulerNames the {@code spec.schedulerName}s of the kube-scheduler profiles that call gpusched
   * @param serving whether this replica decides now (caches synced and watching, and leading)
   */
  public AbsenceRetry(PodCache pods, Set<String> schedulerNames, BooleanSupplier serving, RetryNudges nudges,
      InstantSource clock) {
    this.pods = pods;
    this.schedulerNames = Set.copyOf(schedulerNames);
    this.serving = serving;
    this.nudges = nudges;
    this.clock = clock;
  }

  /** Sweeps every second on the nudges' thread. */
  public void start() {
    nudges.every(Duration.ofSeconds(1), this::sweep);
  }

  /** One sweep: notes when serving began; within {@link #WINDOW} of it, nudges the failed pods not nudged yet. */
  void sweep() {
    if (!serving.getAsBoolean()) {
      servingSince = null;
      return;
    }
    Instant now = clock.instant();
    if (servingSince == null) {
      servingSince = now;
      nudged.clear();
    }
    if (now.isAfter(servingSince.plus(WINDOW))) {
      return;
    }
    int count = 0;
    for (CachedPod pod : pods.pods()) {
      if (failedWhileAway(pod, schedulerNames) && asksForGpus(pod) && nudged.add(pod.uid())) {
        nudges.nudge(PodRef.of(pod));
        count++;
      }
    }
    if (count > 0) {
      LOG.info("asking kube-scheduler to retry {} pod(s) that failed while gpusched was not serving", count);
    }
  }

  /**
   * Whether kube-scheduler parked the pod after a failed call to its extender: pending (no node, not being deleted), a
   * pod of one of {@code schedulerNames}, whose condition {@code PodScheduled=False} records an error, not a verdict.
   */
  static boolean failedWhileAway(CachedPod pod, Set<String> schedulerNames) {
    CachedPod.Unscheduled why = pod.unscheduled();
    return pod.nodeName() == null && pod.deletionTimestamp() == null && schedulerNames.contains(schedulerName(pod))
        && why != null && FAILED.contains(why.reason()) && why.message() != null
        && !VERDICT.matcher(why.message()).find();
  }

  /** Whether the pod asks for GPUs: only those reach the extender, so only those failed for its absence. */
  private boolean asksForGpus(CachedPod kept) {
    Pod pod = pods.pod(kept.namespace(), kept.name());
    if (pod == null) {
      return false;
    }
    try {
      return !PodDemandParser.parse(pod, pods.ownerAnnotations(pod)).usesNoGpu();
    } catch (InvalidDemandException e) {
      return false; // refused with the reason at every filter: a retry changes nothing
    }
  }

  /** The pod's scheduler; the API server defaults an unset one to {@code default-scheduler}. */
  private static String schedulerName(CachedPod pod) {
    String name = pod.schedulerName();
    return name == null || name.isEmpty() ? "default-scheduler" : name;
  }
}
