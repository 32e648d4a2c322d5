package dev.gpusched.extender.retry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.it.Standalone;
import dev.gpusched.extender.testing.FixedPods;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which pods are retried when gpusched serves again, and when: pending GPU pods of its schedulers whose failure
 * kube-scheduler recorded as an error (a refused connection, an extender's Error answer), not as a verdict ("0/N nodes
 * are available: ..."), each once per serving period, within the window.
 */
class AbsenceRetryTest {
  private static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");

  private Instant now = T0;
  private boolean serving;
  private final List<String> writes = new CopyOnWriteArrayList<>();
  private final FixedPods pods = new FixedPods();
  private final InstantSource clock = () -> now;
  private final RetryNudges nudges = new RetryNudges((pod, ann) -> writes.add(pod.key() + " " + ann), clock, 1e6);
  private final AbsenceRetry retry = new AbsenceRetry(pods, Set.of("gpusched"), () -> serving, nudges, clock);

  @AfterEach
  void close() {
    nudges.close();
  }

  /** kube-scheduler's message for an extender it could not reach. */
  private static final String REFUSED =
      "Post \"https://gpusched.gpusched-system.svc:8443/scheduler/filter\": dial tcp 10.96.0.12:8443: connect: connection refused";

  /** A pod as kube-scheduler (v1.24) leaves it after its extender could not be reached. */
  private static Pod failed(String name, String reason) {
    return failed(Standalone.gpuPod("ml", name, 1, Map.of()), reason, REFUSED);
  }

  private static Pod failed(Pod pod, String reason) {
    return failed(pod, reason, REFUSED);
  }

  /** The pod as kube-scheduler leaves it after a failed attempt: PodScheduled=False with this reason and message. */
  private static Pod failed(Pod pod, String reason, String message) {
    pod.getMetadata().setUid("uid-" + pod.getMetadata().getName());
    pod.getSpec().setSchedulerName("gpusched");
    pod.getStatus().setConditions(List.of(new io.fabric8.kubernetes.api.model.PodConditionBuilder()
        .withType("PodScheduled").withStatus("False").withReason(reason).withMessage(message).build()));
    return pod;
  }

  private List<String> sweep() {
    retry.sweep();
    nudges.awaitQueued();
    return List.copyOf(writes);
  }

  private static String nudge(String name, Instant at) {
    return "ml/" + name + " {gpusched.dev/retry-after=" + at + "}";
  }

  @Test
  void aGpuPodThatFailedWithAnErrorIsNudgedOnceWhenServingBegins() {
    pods.put(failed("a", "Unschedulable")); // v1.24 records an extender's error with reason Unschedulable
    assertThat(sweep()).as("not serving yet").isEmpty();
    serving = true;
    assertThat(sweep()).containsExactly(nudge("a", T0));
    now = T0.plusSeconds(1);
    assertThat(sweep()).as("once per serving period").hasSize(1);
  }

  @Test
  void onlyPendingGpuPodsOfItsSchedulersWithASchedulerErrorAreRetried() {
    pods.put(failed(Standalone.gpuPod("ml", "verdict", 1, Map.of()), "Unschedulable",
        "0/1000 nodes are available: 1000 needs 8 GPUs, 4 free.")); // a verdict: kube-scheduler retries it on events
    pods.put(failed(Standalone.gpuPod("ml", "gated", 1, Map.of()), "SchedulingGated",
        "Scheduling is blocked due to non-empty scheduling gates")); // never tried
    pods.put(failed(Standalone.gpuPod("ml", "not-synced", 1, Map.of()), "SchedulerError",
        "gpusched has not synced its node and pod cache with the API server yet")); // since v1.25: SchedulerError
    Pod bound = failed("bound", "SchedulerError");
    bound.getSpec().setNodeName("n1");
    pods.put(bound);
    Pod other = failed("other-scheduler", "SchedulerError");
    other.getSpec().setSchedulerName("default-scheduler");
    pods.put(other);
    pods.put(failed(new PodBuilder().withNewMetadata().withNamespace("ml").withName("cpu-only").endMetadata()
        .withNewSpec().addNewContainer().withName("main").withImage("x").endContainer().endSpec()
        .withNewStatus().endStatus().build(), "SchedulerError")); // never sent to the extender
    Pod deleting = failed("deleting", "SchedulerError");
    deleting.getMetadata().setDeletionTimestamp(T0.toString());
    pods.put(deleting);
    pods.put(failed(Standalone.gpuPod("ml", "bad-intent", 1, Map.of("gpusched.dev/intra-node", "warp")),
        "SchedulerError")); // refused with the reason at every filter: a retry changes nothing
    Pod share = failed(Standalone.sharedPod("ml", "share", 250, Map.of()), "SchedulerError");
    pods.put(share);
    pods.put(failed("whole", "SchedulerError"));
    serving = true;
    assertThat(sweep()).containsExactlyInAnyOrder(nudge("share", T0), nudge("whole", T0), nudge("not-synced", T0));
  }

  @Test
  void failuresRecordedJustAfterServingBeganAreCaughtWithinTheWindowButNotAfter() {
    serving = true;
    assertThat(sweep()).isEmpty();
    now = T0.plusSeconds(2);
    pods.put(failed("late", "SchedulerError")); // kube-scheduler's status update landed after the first sweep
    assertThat(sweep()).containsExactly(nudge("late", now));
    now = T0.plus(AbsenceRetry.WINDOW).plusSeconds(1);
    pods.put(failed("much-later", "SchedulerError"));
    assertThat(sweep()).as("past the window").hasSize(1);
  }

  @Test
  void aNewServingPeriodRetriesTheFailedPodsAgain() {
    pods.put(failed("a", "SchedulerError"));
    serving = true;
    assertThat(sweep()).hasSize(1);
    serving = false; // leadership lost, or the watch lost: decisions stop
    now = T0.plus(Duration.ofMinutes(2));
    assertThat(sweep()).hasSize(1);
    serving = true;
    assertThat(sweep()).containsExactly(nudge("a", T0), nudge("a", now));
  }
}
