package dev.gpusched.extender.retry;

import dev.gpusched.extender.gang.PodRef;
import dev.gpusched.gang.GangAnnotations;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way gpusched asks kube-scheduler to retry a pod at once: an update of the pod's annotation
 * {@code gpusched.dev/retry-after} (the time). kube-scheduler keeps a pod that failed in its unschedulable pool until a
 * cluster event that concerns it or a periodic flush (60 s in v1.24.0-alpha.0, 5 minutes since v1.24); any update of
 * the pod outside its status moves it back to the queue ({@code isPodUpdated} in its scheduling queue). Nudges are
 * written in order on one thread, at most {@code perSecond} a second (a start after an outage can find hundreds of
 * failed pods; the API server and kube-scheduler take them at that pace), and a pod already queued is not queued
 * twice. The same thread runs the sweeps that decide whom to nudge ({@link #every}).
 */
public final class RetryNudges implements AutoCloseable {
  /** Nudges written per second at most: 575 pods that failed during a restart are retried within 6 s. */
  public static final double DEFAULT_PER_SECOND = 100;

  private static final Logger LOG = LoggerFactory.getLogger(RetryNudges.class);

  private final BiConsumer<PodRef, Map<String, String>> annotate;
  private final InstantSource clock;
  private final long intervalNanos;
  private final ScheduledExecutorService thread;
  private final Set<String> queued = ConcurrentHashMap.newKeySet();
  private long nextWriteNanos;

  /**
   * @param annotate writes annotations on a pod (the gang writer's port), throwing when the API server refuses
   * @param clock the time written in the annotation
   */
  public RetryNudges(BiConsumer<PodRef, Map<String, String>> annotate, InstantSource clock, double perSecond) {
    if (!(perSecond > 0)) {
      throw new IllegalArgumentException("retry nudges per second must be above 0, got " + perSecond);
    }
    this.annotate = annotate;
    this.clock = clock;
    this.intervalNanos = (long) (1e9 / perSecond);
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "gpusched-retry-nudges");
      t.setDaemon(true);
      return t;
    });
  }

  /** Queues a nudge of the pod, unless one is queued already; best effort (a refused write is logged). */
  public void nudge(PodRef pod) {
    if (!queued.add(pod.uid())) {
      return;
    }
    try {
      thread.execute(() -> write(pod));
    } catch (RejectedExecutionException stopping) {
      queued.remove(pod.uid());
    }
  }

  /** Runs {@code sweep} every {@code period} on the nudges' thread (so a sweep's nudges queue behind it in order). */
  public void every(Duration period, Runnable sweep) {
    thread.scheduleWithFixedDelay(() -> {
      try {
        sweep.run();
      } catch (RuntimeException e) {
        LOG.error("retry sweep failed", e);
      }
    }, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Blocks until every nudge queued before this call was written or refused (tests). */
  public void awaitQueued() {
    try {
      thread.submit(() -> { }).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("retry nudges did not drain: " + e, e);
    }
  }

  private void write(PodRef pod) {
    long now = System.nanoTime();
    if (nextWriteNanos - now > 0) {
      LockSupport.parkNanos(nextWriteNanos - now);
    }
    nextWriteNanos = Math.max(now, nextWriteNanos) + intervalNanos;
    queued.remove(pod.uid());
    try {
      annotate.accept(pod, Map.of(GangAnnotations.RETRY_AFTER, clock.instant().toString()));
    } catch (RuntimeException e) {
      LOG.debug("retry nudge of {} failed: {}", pod.key(), e.getMessage());
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
