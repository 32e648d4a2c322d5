package dev.gpusched.extender.gang;

import dev.gpusched.gang.ExpiredGang;
import dev.gpusched.gang.MemberBinding;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the release of a gang the coordinator let go (timed out, or a reserved place taken at its barrier): its
 * held bind calls are answered with the reason, its bound members deleted (no partial gang stays bound), and the claim
 * annotations of the others removed, so that they plan the gang again.
 */
final class GangRelease {
  private static final Logger LOG = LoggerFactory.getLogger(GangRelease.class);

  private final GangPods pods;
  private final HeldCalls held;
  private final MemberWrites writes;
  private final GangWaits waits;

  GangRelease(GangHandle gangs) {
    this.pods = gangs.pods();
    this.held = gangs.held();
    this.writes = gangs.writes();
    this.waits = gangs.waits();
  }

  void release(ExpiredGang e) {
    waits.forget(e.gang());
    LOG.warn("{}", e.reason());
    for (String uid : e.waitingPodUids()) {
      held.answer(uid, e.reason());
    }
    Set<String> deleted = new HashSet<>();
    for (MemberBinding b : e.boundToDelete()) {
      PodRef ref = pods.byUid(b.podUid());
      held.answer(b.podUid(), e.reason());
      if (ref != null) {
        deleted.add(b.podUid());
        writes.deleteBoundMember(ref, e.gang());
      }
    }
    for (String uid : e.claimedPodUids()) {
      writes.claimGone(uid);
      PodRef ref = pods.byUid(uid);
      if (ref == null || deleted.contains(uid)) {
        continue;
      }
      Pod live = pods.live(ref);
      if (live != null && GangPods.boundNode(live) != null && !GangPods.gone(live)) {
        // Its Binding went through although the call reported a failure (a timeout, a stop mid-batch): bound all the
        // same, so deleted like the members the gang knew bound.
        LOG.warn("{} is bound although its bind was reported failed; deleted with its released gang {}", ref.key(),
            e.gang());
        writes.deleteBoundMember(ref, e.gang());
      } else {
        writes.removeClaim(ref);
      }
    }
  }
}
