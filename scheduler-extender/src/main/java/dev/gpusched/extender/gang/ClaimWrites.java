package dev.gpusched.extender.gang;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reservation annotations of each claiming pod, written once per claim on the API writer, and whether they
 * reached the API. The binder asks {@link #missing} before writing any Binding, so that a replica taking over finds
 * every place of a gang it sees partly bound. Thread-safe.
 */
final class ClaimWrites {
  private static final Logger LOG = LoggerFactory.getLogger(ClaimWrites.class);

  /** A claim's annotations as text, and whether they reached the API (completes false when the write failed). */
  private record Claim(String fingerprint, CompletableFuture<Boolean> written) {}

  private final Map<String, Claim> byPod = new ConcurrentHashMap<>();
  private final Executor writer;
  private final BiConsumer<PodRef, Map<String, String>> annotate;

  /**
   * @param writer   runs the writes in submission order (a later clear must not overtake an earlier write)
   * @param annotate writes annotations on a pod; throws when the API refuses
   */
  ClaimWrites(Executor writer, BiConsumer<PodRef, Map<String, String>> annotate) {
    this.writer = writer;
    this.annotate = annotate;
  }

  /**
   * Queues the write of {@code annotations} on the pod, unless these very annotations were written or are queued (a
   * write that failed is queued again).
   */
  void write(PodRef pod, Map<String, String> annotations) {
    String fingerprint = annotations.toString();
    Claim[] queued = new Claim[1];
    byPod.compute(pod.uid(), (uid, previous) -> {
      if (previous != null && previous.fingerprint().equals(fingerprint) && !failed(previous)) {
        return previous;
      }
      queued[0] = new Claim(fingerprint, new CompletableFuture<>());
      return queued[0];
    });
    Claim claim = queued[0];
    if (claim == null) {
      return;
    }
    try {
      writer.execute(() -> {
        try {
          annotate.accept(pod, annotations);
          claim.written().complete(true);
        } catch (RuntimeException e) {
          claim.written().complete(false);
          LOG.warn("could not write the gang reservation annotations on {}: {}", pod.key(), e.getMessage());
        }
      });
    } catch (RejectedExecutionException stopping) {
      claim.written().complete(false);
    }
  }

  private static boolean failed(Claim claim) {
    return claim.written().isDone() && !claim.written().join();
  }

  /** The pod's claim is gone (released, or the pod deleted): a later claim is written again. */
  void forget(String podUid) {
    byPod.remove(podUid);
  }

  /**
   * Waits up to {@code waitMillis} in all for the claims of these pods to reach the API; returns the pods whose claim
   * did not (failed, or still queued), comma-separated, or null when all did. A pod with no write on record counts as
   * written: it was restored from its annotations, or its claim's write completed earlier.
   */
  String missing(List<String> podUids, long waitMillis) {
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
    StringBuilder missing = new StringBuilder();
    for (String uid : podUids) {
      Claim claim = byPod.get(uid);
      boolean written = true;
      if (claim != null) {
        try {
          written = claim.written().get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
          written = false;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          written = false;
        }
      }
      if (!written) {
        missing.append(missing.isEmpty() ? "" : ", ").append(uid);
      }
    }
    return missing.isEmpty() ? null : missing.toString();
  }
}
