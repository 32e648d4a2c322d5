package dev.gpusched.extender.gang;

import dev.gpusched.gang.FilterOutcome;
import dev.gpusched.gang.GangAnnotations;
import dev.gpusched.gang.GangKey;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writes gang scheduling makes to member pods through its {@link GangWriter} port, queued on one writer so they
 * reach the API in the order they were decided (a release's removal never overtakes the claim it removes) and the
 * deciding thread never waits on the API. Claims are written once each and their arrival is tracked
 * ({@link ClaimWrites}); the other writes are best effort, logged when refused.
 */
final class MemberWrites implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MemberWrites.class);

  private final GangWriter api;
  private final ExecutorService writer;
  private final ClaimWrites claims;

  /** @param writer runs the writes in submission order (one thread) */
  MemberWrites(GangWriter api, ExecutorService writer) {
    this.api = api;
    this.writer = writer;
    this.claims = new ClaimWrites(writer, api::annotate);
  }

  /** Queues the claim's annotations on its pod, unless these very annotations are written or queued already. */
  void claim(PodRef pod, FilterOutcome.Assigned assigned) {
    claims.write(pod, GangAnnotations.claim(assigned));
  }

  /**
   * Waits up to {@code waitMillis} for the claims of these pods to reach the API; returns the pods whose claim did not,
   * comma-separated, or null when all did.
   */
  String unrecordedClaims(List<String> podUids, long waitMillis) {
    return claims.missing(podUids, waitMillis);
  }

  /** The pod's claim is gone (its gang released, or the pod deleted): a later claim is written again. */
  void claimGone(String podUid) {
    claims.forget(podUid);
  }

  /** Queues the removal of a released member's claim annotations. */
  void removeClaim(PodRef pod) {
    queue(() -> {
      try {
        api.annotate(pod, GangAnnotations.claimRemoved());
      } catch (RuntimeException e) {
        LOG.debug("could not clear the reservation annotations of {}: {}", pod.key(), e.getMessage());
      }
    });
  }

  /** Queues the deletion of a member bound before its gang was released, so no partial gang stays bound. */
  void deleteBoundMember(PodRef pod, GangKey gang) {
    queue(() -> {
      try {
        if (api.delete(pod)) {
          LOG.warn("deleted {}: bound member of gang {}, which was released", pod.key(), gang);
        }
      } catch (RuntimeException e) {
        LOG.warn("could not delete {} (bound member of released gang {}): {}", pod.key(), gang, e.getMessage());
      }
    });
  }

  /** Queues the retry nudge of a waiting pod ({@link GangAnnotations#RETRY_AFTER}). */
  void nudge(PodRef pod, String stamp) {
    queue(() -> {
      try {
        api.annotate(pod, Map.of(GangAnnotations.RETRY_AFTER, stamp));
      } catch (RuntimeException e) {
        LOG.debug("retry nudge of {} failed: {}", pod.key(), e.getMessage());
      }
    });
  }

  private void queue(Runnable write) {
    try {
      writer.execute(write);
    } catch (java.util.concurrent.RejectedExecutionException stopping) {
      LOG.debug("gpusched is stopping; a queued gang write is dropped");
    }
  }

  /** Lets a write in flight finish (interrupting an API call mid-request helps nobody), then stops. */
  @Override
  public void close() {
    writer.shutdown();
    try {
      if (!writer.awaitTermination(5, TimeUnit.SECONDS)) {
        writer.shutdownNow();
      }
    } catch (InterruptedException e) {
      writer.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
