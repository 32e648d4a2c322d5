package dev.gpusched.extender.retry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.gang.PodRef;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A nudge writes {@code gpusched.dev/retry-after}; nudges are paced and a queued pod is not queued twice. */
class RetryNudgesTest {
  private static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");

  @Test
  void aNudgeWritesTheRetryAfterAnnotationWithTheTime() {
    List<String> writes = new CopyOnWriteArrayList<>();
    try (RetryNudges nudges = new RetryNudges((pod, ann) -> writes.add(pod.key() + " " + ann), () -> T0, 1e6)) {
      nudges.nudge(new PodRef("ml", "a", "uid-a"));
      nudges.awaitQueued();
    }
    assertThat(writes).containsExactly("ml/a {gpusched.dev/retry-after=2026-12-07T12:00:00Z}");
  }

  @Test
  void aPodQueuedAlreadyIsNotQueuedAgainButIsAfterItsNudgeWasWritten() throws Exception {
    List<String> writes = new CopyOnWriteArrayList<>();
    CountDownLatch release = new CountDownLatch(1);
    try (RetryNudges nudges = new RetryNudges((pod, ann) -> {
      await(release);
      writes.add(pod.key());
    }, () -> T0, 1e6)) {
      nudges.nudge(new PodRef("ml", "a", "uid-a")); // being written (blocked)
      nudges.nudge(new PodRef("ml", "b", "uid-b"));
      nudges.nudge(new PodRef("ml", "b", "uid-b")); // queued already
      release.countDown();
      nudges.awaitQueued();
      nudges.nudge(new PodRef("ml", "b", "uid-b")); // written since: queued again
      nudges.awaitQueued();
    }
    assertThat(writes).containsExactly("ml/a", "ml/b", "ml/b");
  }

  @Test
  void nudgesAreWrittenAtMostThePacePerSecond() {
    List<Long> at = new CopyOnWriteArrayList<>();
    try (RetryNudges nudges = new RetryNudges((pod, ann) -> at.add(System.nanoTime()), () -> T0, 100)) {
      for (int i = 0; i < 21; i++) {
        nudges.nudge(new PodRef("ml", "p" + i, "uid-" + i));
      }
      nudges.awaitQueued();
    }
    assertThat(at).hasSize(21);
    // 21 writes at 100 a second: the last at least 20 intervals of 10 ms after the first (a lower bound only)
    assertThat(TimeUnit.NANOSECONDS.toMillis(at.get(20) - at.get(0))).isGreaterThanOrEqualTo(199);
  }

  @Test
  void aRefusedNudgeDoesNotStopTheOthers() {
    List<String> writes = new CopyOnWriteArrayList<>();
    try (RetryNudges nudges = new RetryNudges((pod, ann) -> {
      if (pod.name().equals("gone")) {
        throw new IllegalStateException("pods \"gone\" not found");
      }
      writes.add(pod.key());
    }, () -> T0, 1e6)) {
      nudges.nudge(new PodRef("ml", "gone", "uid-gone"));
      nudges.nudge(new PodRef("ml", "b", "uid-b"));
      nudges.awaitQueued();
    }
    assertThat(writes).containsExactly("ml/b");
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
