package dev.gpusched.extender.gang;

import dev.gpusched.gang.FilterOutcome;
import dev.gpusched.gang.GangAnnotations;
import dev.gpusched.gang.GangKey;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writes gang scheduling makes to member pods through its {@link GangWriter} port, queued on one writer so they
 * reach the API in the order they were decided (a release's removal never overtakes the claim it removes) and the
 * deciding thread never waits on the API. Claims are written once each and their arrival is tracked
 * ({@link ClaimWrites}); the other writes are best effort, logged when refused. Writes no claim waits for (removing the
 * claims of a gang bound whole, a preemption's evictions and events) run on a second writer, so that a big gang's
 * N of them never delay the claims of the next gang at its barrier.
 */
final class MemberWrites implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MemberWrites.class);

  private final GangWriter api;
  private final ExecutorService writer;
  private final ExecutorService background;
  private final ClaimWrites claims;

  /**
   * @param writer runs the writes in submission order (one thread)
   * @param background runs, in submission order, the writes no claim waits for (one thread; may be {@code writer})
   */
  MemberWrites(GangWriter api, ExecutorService writer, ExecutorService background) {
    this.api = api;
    this.writer = writer;
    this.background = background;
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
    queue(writer, () -> {
      try {
        api.annotate(pod, GangAnnotations.claimRemoved());
      } catch (RuntimeException e) {
        LOG.debug("could not clear the reservation annotations of {}: {}", pod.key(), e.getMessage());
      }
    });
  }

  /**
   * Queues, in the background, the removal of the claim annotations of a member whose gang is bound whole: they serve
   * recovery alone (which reads claims left on bound members with places missing as a bind batch cut short).
   */
  void forgetClaim(PodRef pod) {
    claims.forget(pod.uid());
    queue(background, () -> {
      try {
        api.annotate(pod, GangAnnotations.claimRemoved());
      } catch (RuntimeException e) {
        LOG.debug("could not clear the reservation annotations of {}, bound whole: {}", pod.key(), e.getMessage());
      }
    });
  }

  /** Queues the deletion of a member bound before its gang was released, so no partial gang stays bound. */
  void deleteBoundMember(PodRef pod, GangKey gang) {
    queue(writer, () -> {
      try {
        if (api.delete(pod)) {
          LOG.warn("deleted {}: bound member of gang {}, which was released", pod.key(), gang);
        }
      } catch (RuntimeException e) {
        LOG.warn("could not delete {} (bound member of released gang {}): {}", pod.key(), gang, e.getMessage());
      }
    });
  }

  /** Queues a write no claim waits for (a preemption's evictions and events) on the background writer. */
  void inBackground(Runnable write) {
    queue(background, write);
  }

  private void queue(ExecutorService on, Runnable write) {
    try {
      on.execute(write);
    } catch (java.util.concurrent.RejectedExecutionException stopping) {
      LOG.debug("gpusched is stopping; a queued gang write is dropped");
    }
  }

  /** Lets a write in flight finish (interrupting an API call mid-request helps nobody), then stops. */
  @Override
  public void close() {
    for (ExecutorService e : new ExecutorService[] {writer, background}) {
      e.shutdown();
      try {
        if (!e.awaitTermination(5, TimeUnit.SECONDS)) {
          e.shutdownNow();
        }
      } catch (InterruptedException interrupted) {
        e.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }
}
