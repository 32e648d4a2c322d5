package dev.gpusched.extender.gang;

import dev.gpusched.gang.ExpiredGang;
import dev.gpusched.gang.GangCoordinator;
import dev.gpusched.gang.GangKey;
import dev.gpusched.gang.GangReservation;
import dev.gpusched.gang.MemberBinding;
import dev.gpusched.gang.ReservedSlot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds every member a gang's barrier released, answering each held call as its member is done. No Binding is written
 * unless every member's claim is in the API and every member's reserved GPUs are still free: a taken place releases
 * the gang (nothing of it bound in this round) to be planned again, a claim not yet recorded sends every member back to
 * bind. The writes then run in parallel (a big gang must bind well within kube-scheduler's httpTimeout).
 */
final class BarrierBinds {
  private static final Logger LOG = LoggerFactory.getLogger(BarrierBinds.class);
  /** How long a bind waits for its members' claims to reach the API (they are queued at filter, long before). */
  private static final long CLAIM_WAIT_MS = 2_000;

  private final GangHandle gangs;
  private final GangCoordinator coordinator;
  private final MemberBinder binder;
  private final GangRelease release;
  private final ExecutorService bindPool = Executors.newFixedThreadPool(8, r -> {
    Thread t = new Thread(r, "gpusched-gang-bind");
    t.setDaemon(true);
    return t;
  });

  BarrierBinds(GangHandle gangs, MemberBinder binder, GangRelease release) {
    this.gangs = gangs;
    this.coordinator = gangs.coordinator();
    this.binder = binder;
    this.release = release;
  }

  /** Binds the released members; returns each pod's error (absent when bound). Blocking: API writes. */
  Map<String, String> bindAll(GangKey key, List<MemberBinding> members) {
    Map<String, String> errors = new ConcurrentHashMap<>();
    List<MemberBinder.Prepared> prepared = new ArrayList<>(members.size());
    List<String> uids = new ArrayList<>(members.size());
    for (MemberBinding m : members) {
      prepared.add(binder.prepare(key, m, gangs.pods().byUid(m.podUid())));
      uids.add(m.podUid());
    }
    String unrecorded = gangs.writes().unrecordedClaims(uids, CLAIM_WAIT_MS);
    if (unrecorded != null) {
      String notYet = "the reservation annotations of member(s) " + unrecorded + " of gang " + key
          + " are not recorded in the API yet; no member was bound, and each is retried";
      LOG.warn("{}", notYet);
      for (MemberBinding m : members) {
        coordinator.bindFailed(key, m.podUid());
        errors.put(m.podUid(), notYet);
        gangs.held().answer(m.podUid(), notYet);
      }
      return errors;
    }
    String taken = binder.holdAll(key, prepared);
    if (taken != null) {
      gangs.metrics().recordGangReplan(); // the release logs the reason
      for (ExpiredGang e : coordinator.abandon(key, taken)) {
        release.release(e);
      }
      gangs.ledger().publish();
      for (MemberBinding m : members) {
        errors.put(m.podUid(), taken);
      }
      return errors;
    }
    GangReservation before = coordinator.reservations().get(key);
    AtomicInteger ok = new AtomicInteger();
    List<CompletableFuture<Void>> binds = new ArrayList<>(members.size());
    for (MemberBinder.Prepared p : prepared) {
      binds.add(CompletableFuture.runAsync(() -> {
        String uid = p.member().podUid();
        String error = p.error();
        if (p.toWrite()) {
          try {
            error = binder.write(key, p);
          } catch (RuntimeException e) {
            binder.release(p.ref());
            error = "bind of gang " + key + " member " + p.ref().key() + " failed: " + e.getMessage();
          }
        }
        if (error == null) {
          coordinator.bindSucceeded(key, uid);
          ok.incrementAndGet();
        } else {
          LOG.warn("gang {}: {}", key, error);
          coordinator.bindFailed(key, uid);
          errors.put(uid, error);
        }
        gangs.held().answer(uid, error);
      }, bindPool));
    }
    CompletableFuture.allOf(binds.toArray(new CompletableFuture<?>[0])).join();
    gangs.ledger().publish();
    if (ok.get() == members.size() && coordinator.reservations().get(key) == null) {
      gangs.waits().allBound(key, gangs.clock().instant());
      LOG.info("gang {}: all {} members bound", key, members.size());
      forgetClaims(before);
    }
    return errors;
  }

  /**
   * The gang is bound whole: its members' claim annotations are removed (queued). They serve recovery alone, and
   * recovery reads claims on bound members with places missing as a batch cut short, to be released (GangRecovery).
   */
  private void forgetClaims(GangReservation bound) {
    if (bound == null) {
      return;
    }
    for (ReservedSlot s : bound.slots()) {
      PodRef ref = s.podUid() == null ? null : gangs.pods().byUid(s.podUid());
      if (ref != null) {
        gangs.writes().forgetClaim(ref);
      }
    }
  }

  /** Lets binds in flight finish; starts no more. */
  void close() {
    bindPool.shutdown();
  }
}
