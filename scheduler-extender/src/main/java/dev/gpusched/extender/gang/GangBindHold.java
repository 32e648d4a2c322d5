package dev.gpusched.extender.gang;

import dev.gpusched.gang.BarrierDecision;
import dev.gpusched.gang.GangCoordinator;
import dev.gpusched.gang.GangKey;
import dev.gpusched.gang.GangReservation;
import dev.gpusched.gang.GangSpec;
import dev.gpusched.gang.ReservedSlot;
import dev.gpusched.gang.SlotState;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gang member's bind call at its gang's barrier: the coordinator decides (wait, bind all, already bound, reject); a
 * waiting call is held without a thread until the barrier opens or its hold bound passes, and the call that opens the
 * barrier binds every ready member ({@link BarrierBinds}).
 */
final class GangBindHold {
  private static final Logger LOG = LoggerFactory.getLogger(GangBindHold.class);
  /** How often a call for a member being bound re-checks whether that bind is done. */
  private static final long RECHECK_MS = 50;

  private final GangHandle gangs;
  private final GangCoordinator coordinator;
  private final HeldCalls held;
  private final BarrierBinds binds;
  private final ScheduledExecutorService timer;

  GangBindHold(GangHandle gangs, BarrierBinds binds, ScheduledExecutorService timer) {
    this.gangs = gangs;
    this.coordinator = gangs.coordinator();
    this.held = gangs.held();
    this.binds = binds;
    this.timer = timer;
  }

  /**
   * The member's bind call. Completes with null (bound) or the error to answer; a call waiting at the barrier completes
   * when the barrier opens or at the hold bound. The call that opens the barrier binds every ready member on the calling
   * thread (blocking API calls: call it off the event loop).
   */
  CompletableFuture<String> bind(Pod pod, GangSpec spec, String node) {
    String notServing = gangs.gate().notServing();
    if (notServing != null) {
      return CompletableFuture.completedFuture(notServing);
    }
    GangKey key = spec.key();
    String uid = GangPods.uid(pod);
    String boundTo = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
    if (node.equals(boundTo) || gangs.ledger().bindingTo(uid, node)) {
      return CompletableFuture.completedFuture(null); // bound already (the barrier opened for it earlier)
    }
    gangs.pods().met(PodRef.of(pod));
    BarrierDecision decision = coordinator.arrive(key, uid, node);
    if (decision instanceof BarrierDecision.Wait w) {
      return hold(key, uid, w);
    }
    if (decision instanceof BarrierDecision.BindAll all) {
      Map<String, String> errors = binds.bindAll(key, all.members());
      return CompletableFuture.completedFuture(errors.get(uid));
    }
    if (decision instanceof BarrierDecision.AlreadyBound) {
      // A retried call for a member the barrier is binding right now: its answer is that bind's outcome.
      return beingBound(key, uid) ? awaitBinding(key, uid, node) : CompletableFuture.completedFuture(null);
    }
    return CompletableFuture.completedFuture(((BarrierDecision.Reject) decision).reason());
  }

  private CompletableFuture<String> hold(GangKey key, String uid, BarrierDecision.Wait w) {
    HeldCalls.Held h = held.hold(key, uid);
    long delay = Math.max(0, Duration.between(gangs.clock().instant(), w.holdUntil()).toMillis());
    LOG.debug("holding bind of {} ({} of {} members ready) for {} ms", uid, w.ready(), w.size(), delay);
    timer.schedule(() -> holdExpired(key, uid, h), delay, TimeUnit.MILLISECONDS);
    return h.answer();
  }

  private void holdExpired(GangKey key, String uid, HeldCalls.Held h) {
    if (h.answer().isDone()) {
      return;
    }
    BarrierDecision d = coordinator.holdExpired(key, uid);
    if (d instanceof BarrierDecision.AlreadyBound && beingBound(key, uid)) {
      return; // the barrier opened and the bind is in flight: BarrierBinds answers this call with its outcome
    }
    held.answer(uid, h, d instanceof BarrierDecision.AlreadyBound ? null
        : d instanceof BarrierDecision.Reject r ? r.reason() : "gang " + key + " is still waiting; the scheduler will retry");
  }

  /**
   * Holds a call until the in-flight bind of its member is done (BarrierBinds answers it); should that bind finish
   * between the check and the hold, a short re-check answers from the ledger.
   */
  private CompletableFuture<String> awaitBinding(GangKey key, String uid, String node) {
    HeldCalls.Held h = held.hold(key, uid);
    Runnable recheck = new Runnable() {
      @Override
      public void run() {
        if (h.answer().isDone()) {
          return;
        }
        if (beingBound(key, uid)) {
          timer.schedule(this, RECHECK_MS, TimeUnit.MILLISECONDS);
          return;
        }
        held.answer(uid, h, gangs.ledger().boundTo(uid, node) ? null
            : "the bind of this gang member did not complete; the scheduler will retry");
      }
    };
    timer.schedule(recheck, RECHECK_MS, TimeUnit.MILLISECONDS);
    return h.answer();
  }

  /** True while gpusched binds the member (barrier open, bind not yet done): success cannot be answered yet. */
  private boolean beingBound(GangKey key, String uid) {
    GangReservation g = coordinator.reservations().get(key);
    ReservedSlot s = g == null ? null : g.slotOf(uid);
    return s != null && s.state() == SlotState.BINDING;
  }
}
