package dev.gpusched.extender.gang;

import dev.gpusched.extender.kube.OwnerAnnotations;
import dev.gpusched.extender.kube.GangWrites;
import dev.gpusched.extender.bind.ClusterWriter;
import dev.gpusched.extender.metrics.ExtenderMetrics;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.ClusterState;
import dev.gpusched.extender.state.Holder;
import dev.gpusched.extender.kube.KubernetesSource;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.extender.state.PodRecord;
import dev.gpusched.gang.BarrierDecision;
import dev.gpusched.gang.ExpiredGang;
import dev.gpusched.gang.FilterOutcome;
import dev.gpusched.gang.GangAnnotations;
import dev.gpusched.gang.GangCoordinator;
import dev.gpusched.gang.GangKey;
import dev.gpusched.gang.GangPlanCodec;
import dev.gpusched.gang.GangPlanner;
import dev.gpusched.gang.GangPreemption;
import dev.gpusched.gang.GangRecovery;
import dev.gpusched.gang.GangReservation;
import dev.gpusched.gang.GangSpec;
import dev.gpusched.gang.MemberBinding;
import dev.gpusched.gang.MemberDemand;
import dev.gpusched.gang.Plan;
import dev.gpusched.gang.RecordedMember;
import dev.gpusched.gang.Reservations;
import dev.gpusched.gang.ReservedSlot;
import dev.gpusched.gang.StarvationGuard;
import dev.gpusched.topology.cluster.ClusterTopology;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gang scheduling inside the extender: the edge around the pure {@link GangCoordinator}. It plans gangs at filter over
 * the snapshot, writes the reservation annotations, holds bind calls asynchronously at the barrier and binds every
 * member itself when the barrier opens, releases timed-out gangs (deleting members already bound), keeps the
 * reservations in the ledger so every other pod sees them as used, nudges kube-scheduler to retry waiting gangs when
 * they became placeable, keeps preemption from splitting gangs, and rebuilds reservations from pod annotations at
 * start.
 *
 * <p>Threads: filter calls come from the event loop and never block (API writes go to a writer thread); bind calls
 * come from a worker; a timer thread sweeps about once a second and answers held bind calls at their hold bound.
 */
public final class GangScheduling implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GangScheduling.class);

  /**
   * @param topologyLabelKeys node label keys of the inter-node levels, narrowest first
   * @param holdBound how long a bind call is held at the barrier (below kube-scheduler's extender httpTimeout)
   * @param sweepInterval how often deadlines are checked and waiting gangs are re-checked
   * @param retryMinInterval least time between two retry nudges of one gang
   */
  public record Settings(List<String> topologyLabelKeys, Duration holdBound, Duration sweepInterval,
      Duration retryMinInterval, StarvationGuard starvation) {
    public static final Settings DEFAULT = new Settings(ClusterTopology.DEFAULT_LEVEL_KEYS, Duration.ofSeconds(4),
        Duration.ofSeconds(1), Duration.ofSeconds(5),
        StarvationGuard.create(Duration.ofSeconds(60), Duration.ofMinutes(15), Duration.ofMinutes(5)));

    public Settings withTopologyLabelKeys(List<String> keys) {
      return new Settings(keys, holdBound, sweepInterval, retryMinInterval, starvation);
    }

    public Settings withStarvation(StarvationGuard rule) {
      return new Settings(topologyLabelKeys, holdBound, sweepInterval, retryMinInterval, rule);
    }
  }

  /**
   * What filter answers for a gang member: {@code node} is the only node it may use (null: none), {@code reason} why
   * every other candidate (or, without a node, every candidate) fails.
   */
  public record FilterAnswer(String node, String reason) {
    /**
     * This answer over kube-scheduler's candidates, by position: only the reserved node passes, every other candidate
     * gets its reason (all of them when the scheduler did not offer the reserved node). Returns how many failed.
     */
    public int over(GangKey gang, List<String> names, boolean[] passed, String[] reasons) {
      boolean offered = false;
      int failed = 0;
      String elsewhere = node == null ? reason
          : "gang " + gang + " reserved node " + node + " for this member; it may use no other node";
      for (int i = 0; i < passed.length; i++) {
        if (node != null && node.equals(names.get(i))) {
          passed[i] = true;
          offered = true;
        } else {
          reasons[i] = elsewhere;
          failed++;
        }
      }
      if (node != null && !offered) {
        java.util.Arrays.fill(reasons, "gang " + gang + " reserved node " + node + " for this member, but the "
            + "scheduler did not offer it (its own filters rejected it); the member waits for that node");
      }
      return failed;
    }
  }

  /** A gang whose plan failed: its pods seen at filter and its last refusal. */
  private static final class Waiting {
    final GangSpec spec;
    final PodDemand demand;
    final Instant since;
    final Map<String, PodRef> pods = new ConcurrentHashMap<>();
    volatile String reason;
    volatile Instant lastAttempt;
    volatile Instant lastNudge;
    volatile long checkedVersion = -1;
    volatile Reservations checkedReservations;

    Waiting(GangSpec spec, PodDemand demand, Instant since) {
      this.spec = spec;
      this.demand = demand;
      this.since = since;
    }
  }

  private record Held(GangKey gang, CompletableFuture<String> answer) {}

  /** How long a bind waits for its members' claims to reach the API (they are queued at filter, long before). */
  private static final long CLAIM_WAIT_MS = 2_000;

  private final GangCoordinator coordinator;
  private final GangPlanner planner = new GangPlanner();
  private final InstantSource clock;
  private final Settings settings;
  private final ClusterState state;
  private final GangWrites writes;
  private final OwnerAnnotations owners;
  private final ExtenderMetrics metrics;
  private final TopologyCache topologies;
  private final GangPods pods;
  private final ScheduledExecutorService timer;
  private final ExecutorService apiWrites;
  private final ExecutorService bindPool;
  private final MemberBinder memberBinder;
  private final Map<String, PodRef> claimants = new ConcurrentHashMap<>();
  private final ClaimWrites claims;
  private final Map<GangKey, Waiting> waiting = new ConcurrentHashMap<>();
  private final Map<GangKey, Instant> firstSeen = new ConcurrentHashMap<>();
  private final Map<String, Held> held = new ConcurrentHashMap<>();
  private Reservations published;
  private CompletableFuture<Void> publishedDone = CompletableFuture.completedFuture(null);
  private volatile boolean recovered;
  private volatile java.util.function.BooleanSupplier leader = () -> true;

  public GangScheduling(Settings settings, InstantSource clock, ClusterState state, KubernetesSource source,
      ClusterWriter writer, io.fabric8.kubernetes.client.KubernetesClient client, OwnerAnnotations owners,
      ExtenderMetrics metrics) {
    this.settings = settings;
    this.clock = clock;
    this.coordinator = new GangCoordinator(planner, clock, settings.holdBound(), settings.starvation());
    this.state = state;
    this.writes = new GangWrites(client);
    this.owners = owners;
    this.metrics = metrics;
    this.topologies = new TopologyCache(settings.topologyLabelKeys());
    this.pods = new GangPods(source, owners);
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "gpusched-gang-timer"));
    this.apiWrites = Executors.newSingleThreadExecutor(r -> daemon(r, "gpusched-gang-writes"));
    this.bindPool = Executors.newFixedThreadPool(8, r -> daemon(r, "gpusched-gang-bind"));
    this.memberBinder = new MemberBinder(state, source, writer);
    this.claims = new ClaimWrites(apiWrites, writes::annotate);
    metrics.registerGangs(this::gangCount);
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Starts the sweep timer (after {@link #recover()}). */
  public void start() {
    long period = settings.sweepInterval().toMillis();
    timer.scheduleAtFixedRate(() -> {
      try {
        sweep();
      } catch (RuntimeException e) {
        LOG.error("gang sweep failed", e);
      }
    }, period, period, TimeUnit.MILLISECONDS);
  }

  /**
   * With several replicas, only the leader may plan gangs, hold binds, release timed-out gangs and nudge retries (the
   * gang state lives in one process). Default: always the leader. On gaining leadership call {@link #recover()} so
   * the new leader rebuilds the reservations from the pods' annotations.
   */
  public void leaderCheck(java.util.function.BooleanSupplier isLeader) {
    this.leader = isLeader;
  }

  private String notServing() {
    if (!recovered) {
      return "gpusched is still rebuilding gang reservations after its start; the scheduler will retry";
    }
    return leader.getAsBoolean() ? null
        : "this gpusched replica is not the leader; gang members are planned and bound by the leader only";
  }

  /** The coordinator (read-only use: reservations and starvation state). */
  public GangCoordinator coordinator() {
    return coordinator;
  }

  // ---------------------------------------------------------------------------------------------------- membership

  /**
   * The gang a pod belongs to, or null. Cheap for pods of no gang: a few map lookups, no allocation.
   *
   * @throws IllegalArgumentException with a message naming the bad key and value
   */
  public static GangSpec specOf(Pod pod, Map<String, String> ownerAnnotations) {
    return GangPods.specOf(pod, ownerAnnotations);
  }

  private static String uid(Pod pod) {
    return GangPods.uid(pod);
  }

  // ---------------------------------------------------------------------------------------------------- filter

  /** Filter for a gang member: its planned node, or why it has none. Never blocks. */
  public FilterAnswer filter(Pod pod, GangSpec spec, PodDemand demand, ClusterSnapshot snapshot) {
    GangKey key = spec.key();
    String notServing = notServing();
    if (notServing != null) {
      return new FilterAnswer(null, notServing);
    }
    if (demand.isShared()) {
      return new FilterAnswer(null, "gang " + key + ": members must ask for whole GPUs (nvidia.com/gpu); a share of a GPU "
          + "(" + demand.milli() + " milli-GPU) cannot be reserved for a gang");
    }
    String uid = uid(pod);
    String alreadyOn = pods.liveBoundNode(pod);
    if (alreadyOn != null) {
      // Bound already (its place is taken): answer that node and claim nothing new.
      return new FilterAnswer(alreadyOn, "gang " + key + ": this member is already bound to " + alreadyOn);
    }
    MemberDemand member = SnapshotCapacityView.memberDemand(demand);
    ClusterTopology topology = topologies.of(snapshot);
    Reservations reservations = coordinator.reservations();
    int[] bound = reservations.get(key) == null ? pods.runningMemberNodes(key, uid, topology) : new int[0];
    FilterOutcome outcome = coordinator.assign(spec, uid, member, () -> new SnapshotCapacityView(snapshot, topology,
        reservations, key, coordinator.starvation().nodesHeldAgainst(key), demand), bound);
    publishReservations();
    PodRef ref = PodRef.of(pod);
    if (outcome instanceof FilterOutcome.Assigned a) {
      claimants.put(uid, ref);
      Waiting w = waiting.remove(key);
      firstSeen.putIfAbsent(key, w != null ? w.since : a.reservation().reservedAt());
      if (a.newlyPlanned()) {
        LOG.info("gang {} planned: {}", key, a.planText());
      }
      writeClaim(ref, a);
      return new FilterAnswer(a.slot().node(), "gang " + key + " reserved node " + a.slot().node() + " (GPUs "
          + GangPlanCodec.gpuIds(a.slot().gpuMask()) + ") for this member");
    }
    String reason = ((FilterOutcome.Refused) outcome).reason();
    Instant now = clock.instant();
    Waiting w = waiting.computeIfAbsent(key, k -> new Waiting(spec, demand, now));
    w.pods.put(uid, ref);
    w.reason = reason;
    w.lastAttempt = now;
    return new FilterAnswer(null, reason);
  }

  /** Writes the reservation annotations on a claiming pod (once per claim), off the calling thread. */
  private void writeClaim(PodRef pod, FilterOutcome.Assigned a) {
    ReservedSlot slot = a.slot();
    Map<String, String> ann = new LinkedHashMap<>();
    ann.put(GangAnnotations.RESERVED_NODE, slot.node());
    ann.put(GangAnnotations.RESERVED_GPU_IDS, GangPlanCodec.gpuIds(slot.gpuMask()));
    ann.put(GangAnnotations.RESERVED_AT, a.reservation().reservedAt().toString());
    ann.put(GangAnnotations.GANG_SLOT, Integer.toString(slot.member()));
    ann.put(GangAnnotations.GANG_PLAN, a.planText());
    claims.write(pod, ann);
  }

  /** Prioritize for a member holding a place on {@code node}: the highest score there, 0 elsewhere. */
  public static int[] reservedNodeScores(String node, List<String> names) {
    int[] scores = new int[names.size()];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = node.equals(names.get(i)) ? dev.gpusched.extender.decide.DecisionPipeline.MAX_EXTENDER_PRIORITY : 0;
    }
    return scores;
  }

  /** Prioritize for a gang member: the node of its place, or null when it holds none. */
  public String reservedNodeOf(Pod pod, GangSpec spec) {
    GangReservation g = coordinator.reservations().get(spec.key());
    ReservedSlot s = g == null ? null : g.slotOf(uid(pod));
    return s == null ? null : s.node();
  }

  /**
   * Nodes a pod outside every gang may not use now because a starving gang holds them (empty almost always); the
   * set is immutable and read without locking.
   */
  public Set<String> nodesHeldAgainstOthers() {
    return coordinator.starvation().nodesHeldAgainst(null);
  }

  // ---------------------------------------------------------------------------------------------------- bind

  /**
   * A gang member's bind call. Completes with null (bound) or the error to answer; a call waiting at the barrier
   * completes when the barrier opens or at the hold bound, never blocking a thread meanwhile. The call that opens the
   * barrier binds every ready member on the calling thread (blocking API calls: call it off the event loop).
   */
  public CompletableFuture<String> bind(Pod pod, GangSpec spec, String node) {
    String notServing = notServing();
    if (notServing != null) {
      return CompletableFuture.completedFuture(notServing);
    }
    GangKey key = spec.key();
    String uid = uid(pod);
    String boundTo = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
    if (node.equals(boundTo) || bindingTo(uid, node)) {
      return CompletableFuture.completedFuture(null); // bound already (the barrier opened for it earlier)
    }
    claimants.put(uid, PodRef.of(pod));
    BarrierDecision decision = coordinator.arrive(key, uid, node);
    if (decision instanceof BarrierDecision.Wait w) {
      return hold(key, uid, w);
    }
    if (decision instanceof BarrierDecision.BindAll all) {
      Map<String, String> errors = bindAll(key, all.members());
      return CompletableFuture.completedFuture(errors.get(uid));
    }
    if (decision instanceof BarrierDecision.AlreadyBound) {
      // A retried call for a member the barrier is binding right now: its answer is that bind's outcome.
      return beingBound(key, uid) ? awaitBinding(key, uid, node) : CompletableFuture.completedFuture(null);
    }
    return CompletableFuture.completedFuture(((BarrierDecision.Reject) decision).reason());
  }

  /**
   * Holds a call until the in-flight bind of its member is done (bindAll answers it through {@link #answerHeld}); should
   * that bind finish between the check and the hold, a short re-check answers from the slot's state.
   */
  private CompletableFuture<String> awaitBinding(GangKey key, String uid, String node) {
    CompletableFuture<String> answer = new CompletableFuture<>();
    Held h = new Held(key, answer);
    Held previous = held.put(uid, h);
    if (previous != null) {
      previous.answer().complete("a newer bind call for this pod arrived; this one is answered");
    }
    Runnable recheck = new Runnable() {
      @Override
      public void run() {
        if (answer.isDone()) {
          return;
        }
        if (beingBound(key, uid)) {
          timer.schedule(this, 50, TimeUnit.MILLISECONDS);
          return;
        }
        held.remove(uid, h);
        answer.complete(boundTo(uid, node) ? null
            : "the bind of this gang member did not complete; the scheduler will retry");
      }
    };
    timer.schedule(recheck, 50, TimeUnit.MILLISECONDS);
    return answer;
  }

  /** True when the ledger holds the pod on the node: bound as the API shows it, or bound by gpusched and in flight. */
  private boolean boundTo(String uid, String node) {
    return state.apply(ledger -> {
      PodRecord p = ledger.pod(uid);
      PodRecord a = ledger.assumedPod(uid);
      return (p != null && node.equals(p.nodeName())) || (a != null && node.equals(a.nodeName()));
    }).join();
  }

  /** True when gpusched bound the pod to the node and the API does not show it yet. */
  private boolean bindingTo(String uid, String node) {
    PodRecord assumed = state.apply(ledger -> ledger.assumedPod(uid)).join();
    return assumed != null && node.equals(assumed.nodeName());
  }

  private CompletableFuture<String> hold(GangKey key, String uid, BarrierDecision.Wait w) {
    CompletableFuture<String> answer = new CompletableFuture<>();
    Held h = new Held(key, answer);
    Held previous = held.put(uid, h);
    if (previous != null) {
      previous.answer().complete("a newer bind call for this pod arrived; this one is answered");
    }
    long delay = Math.max(0, Duration.between(clock.instant(), w.holdUntil()).toMillis());
    LOG.debug("holding bind of {} ({} of {} members ready) for {} ms", uid, w.ready(), w.size(), delay);
    timer.schedule(() -> holdExpired(key, uid, h), delay, TimeUnit.MILLISECONDS);
    return answer;
  }

  private void holdExpired(GangKey key, String uid, Held h) {
    if (h.answer().isDone()) {
      return;
    }
    BarrierDecision d = coordinator.holdExpired(key, uid);
    if (d instanceof BarrierDecision.AlreadyBound && beingBound(key, uid)) {
      return; // the barrier opened and the bind is in flight: bindAll answers this call with its outcome
    }
    held.remove(uid, h);
    h.answer().complete(d instanceof BarrierDecision.AlreadyBound ? null
        : d instanceof BarrierDecision.Reject r ? r.reason() : "gang " + key + " is still waiting; the scheduler will retry");
  }

  /** True while gpusched binds the member (barrier open, bind not yet done): success cannot be answered yet. */
  private boolean beingBound(GangKey key, String uid) {
    GangReservation g = coordinator.reservations().get(key);
    ReservedSlot s = g == null ? null : g.slotOf(uid);
    return s != null && s.state() == dev.gpusched.gang.SlotState.BINDING;
  }

  private void answerHeld(String uid, String error) {
    Held h = held.remove(uid);
    if (h != null) {
      h.answer().complete(error);
    }
  }

  /**
   * Binds every member the barrier released, answering each held call as its member is done; returns each pod's error
   * (null when bound). No Binding is written unless every member's claim is in the API and every member's reserved
   * GPUs are still free: a taken place releases the gang (nothing of it bound in this round) to be planned again, a
   * claim not yet recorded sends every member back to bind. The writes then run in parallel (a big gang must bind well
   * within kube-scheduler's httpTimeout).
   */
  private Map<String, String> bindAll(GangKey key, List<MemberBinding> members) {
    Map<String, String> errors = new ConcurrentHashMap<>();
    List<MemberBinder.Prepared> prepared = new ArrayList<>(members.size());
    List<String> uids = new ArrayList<>(members.size());
    for (MemberBinding m : members) {
      prepared.add(memberBinder.prepare(key, m, podByUid(m.podUid())));
      uids.add(m.podUid());
    }
    String unrecorded = claims.missing(uids, CLAIM_WAIT_MS);
    if (unrecorded != null) {
      String notYet = "the reservation annotations of member(s) " + unrecorded + " of gang " + key
          + " are not recorded in the API yet; no member was bound, and each is retried";
      LOG.warn("{}", notYet);
      for (MemberBinding m : members) {
        coordinator.bindFailed(key, m.podUid());
        errors.put(m.podUid(), notYet);
        answerHeld(m.podUid(), notYet);
      }
      return errors;
    }
    String taken = memberBinder.holdAll(key, prepared);
    if (taken != null) {
      metrics.recordGangReplan(); // release() logs the reason
      for (ExpiredGang e : coordinator.abandon(key, taken)) {
        release(e);
      }
      publishReservations();
      for (MemberBinding m : members) {
        errors.put(m.podUid(), taken);
      }
      return errors;
    }
    java.util.concurrent.atomic.AtomicInteger ok = new java.util.concurrent.atomic.AtomicInteger();
    List<CompletableFuture<Void>> binds = new ArrayList<>(members.size());
    for (MemberBinder.Prepared p : prepared) {
      binds.add(CompletableFuture.runAsync(() -> {
        String uid = p.member().podUid();
        String error = p.error();
        if (p.toWrite()) {
          try {
            error = memberBinder.write(key, p);
          } catch (RuntimeException e) {
            memberBinder.release(p.ref());
            error = "bind of gang " + key + " member " + uid + " failed: " + e.getMessage();
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
        answerHeld(uid, error);
      }, bindPool));
    }
    CompletableFuture.allOf(binds.toArray(new CompletableFuture<?>[0])).join();
    publishReservations();
    if (ok.get() == members.size() && coordinator.reservations().get(key) == null) {
      Instant first = firstSeen.remove(key);
      if (first != null) {
        metrics.recordGangWait(Duration.between(first, clock.instant()));
      }
      LOG.info("gang {}: all {} members bound", key, members.size());
    }
    return errors;
  }

  private PodRef podByUid(String uid) {
    PodRef ref = claimants.get(uid);
    if (ref != null) {
      return ref;
    }
    return pods.byUid(uid);
  }

  // ---------------------------------------------------------------------------------------------------- timer

  /** Releases gangs past their deadline and re-checks waiting gangs; runs on the timer thread. */
  void sweep() {
    if (!recovered || !leader.getAsBoolean()) {
      return;
    }
    List<ExpiredGang> expired = coordinator.sweep();
    for (ExpiredGang e : expired) {
      metrics.recordGangTimeout();
      release(e);
    }
    if (!expired.isEmpty()) {
      publishReservations();
    }
    nudgeWaitingGangs();
  }

  /**
   * Carries out a gang's release: answers its held calls, deletes its bound members (no partial gang stays bound) and
   * clears the reservation annotations of the others, which plan again.
   */
  private void release(ExpiredGang e) {
    firstSeen.remove(e.gang());
    LOG.warn("{}", e.reason());
    for (String uid : e.waitingPodUids()) {
      answerHeld(uid, e.reason());
    }
    Set<String> deleted = new HashSet<>();
    for (MemberBinding b : e.boundToDelete()) {
      PodRef ref = podByUid(b.podUid());
      answerHeld(b.podUid(), e.reason());
      if (ref != null) {
        deleted.add(b.podUid());
        apiWrites.execute(() -> {
          try {
            if (writes.delete(ref)) {
              LOG.warn("deleted {}: bound member of gang {}, which was released", ref.key(), e.gang());
            }
          } catch (RuntimeException ex) {
            LOG.warn("could not delete {} (bound member of released gang {}): {}", ref.key(), e.gang(), ex.getMessage());
          }
        });
      }
    }
    for (String uid : e.claimedPodUids()) {
      claims.forget(uid);
      PodRef ref = podByUid(uid);
      if (ref != null && !deleted.contains(uid)) {
        apiWrites.execute(() -> {
          try {
            writes.clearReservation(ref);
          } catch (RuntimeException ex) {
            LOG.debug("could not clear the reservation annotations of {}: {}", ref.key(), ex.getMessage());
          }
        });
      }
    }
  }

  /**
   * Prompt retry: kube-scheduler parks a pod its extender refused in its unschedulable pool, for up to 5 minutes. An
   * update of the pod itself other than its status moves it back to the queue (the pod was rejected by no in-tree
   * plugin, so every pod-update event counts), so when capacity changed and a waiting gang's plan now succeeds, its
   * waiting pods get annotation {@code gpusched.dev/retry-after}. At most once per gang per retry interval, and only
   * after the snapshot or the reservations changed since the gang was last checked.
   */
  private void nudgeWaitingGangs() {
    if (waiting.isEmpty()) {
      return;
    }
    ClusterSnapshot snapshot = state.snapshot();
    if (!snapshot.synced()) {
      return;
    }
    Reservations reservations = coordinator.reservations();
    Instant now = clock.instant();
    for (Map.Entry<GangKey, Waiting> e : waiting.entrySet()) {
      Waiting w = e.getValue();
      GangKey key = e.getKey();
      if (!now.isBefore(w.lastAttempt.plus(Duration.ofMinutes(5))) || w.pods.isEmpty()) {
        waiting.remove(key, w);
        continue;
      }
      if (reservations.get(key) != null
          || (w.checkedVersion == snapshot.version() && w.checkedReservations == reservations)
          || (w.lastNudge != null && now.isBefore(w.lastNudge.plus(settings.retryMinInterval())))) {
        continue;
      }
      w.checkedVersion = snapshot.version();
      w.checkedReservations = reservations;
      ClusterTopology topology = topologies.of(snapshot);
      int[] bound = pods.runningMemberNodes(key, "", topology);
      int missing = w.spec.size() - bound.length;
      if (missing <= 0 || w.demand.isShared()) {
        continue;
      }
      SnapshotCapacityView view = new SnapshotCapacityView(snapshot, topology, reservations, key,
          coordinator.starvation().nodesHeldAgainst(key), w.demand);
      MemberDemand member = SnapshotCapacityView.memberDemand(w.demand);
      Plan plan = planner.plan(w.spec, Collections.nCopies(missing, member), view, bound);
      if (!(plan instanceof Plan.Planned)) {
        continue;
      }
      w.lastNudge = now;
      String stamp = now.toString();
      List<PodRef> pods = new ArrayList<>(w.pods.values());
      LOG.info("gang {} can be placed now; asking kube-scheduler to retry its {} waiting pod(s)", key, pods.size());
      for (PodRef ref : pods) {
        apiWrites.execute(() -> {
          try {
            writes.annotate(ref, Map.of(GangWrites.RETRY_AFTER, stamp));
          } catch (RuntimeException ex) {
            LOG.debug("retry nudge of {} failed: {}", ref.key(), ex.getMessage());
          }
        });
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------- deletion

  /** A pod was deleted (informer thread): its place waits for a replacement; the last pod of a gang ends it. */
  public void podDeleted(Pod pod) {
    String uid = uid(pod);
    answerHeld(uid, "pod " + PodRef.of(pod).key() + " was deleted");
    claimants.remove(uid);
    claims.forget(uid);
    for (Waiting w : waiting.values()) {
      w.pods.remove(uid);
    }
    GangSpec spec = pods.specOrNull(pod);
    if (spec == null) {
      return;
    }
    GangKey key = spec.key();
    coordinator.podDeleted(key, uid);
    if (!pods.anyPodOf(key, uid)) {
      coordinator.gangDeleted(key);
      waiting.remove(key);
      firstSeen.remove(key);
    }
    publishReservations();
  }

  // ---------------------------------------------------------------------------------------------------- preempt

  /** Kube-scheduler's proposed victims per node, expanded so no gang is split (nodes that would split one dropped). */
  public GangPreemption.Result expandVictims(Map<String, List<String>> proposed) {
    Map<String, GangPreemption.GangPod> placed = new LinkedHashMap<>();
    for (GangReservation g : coordinator.reservations().all()) {
      for (ReservedSlot s : g.slots()) {
        if (s.podUid() != null) {
          placed.put(s.podUid(), new GangPreemption.GangPod(s.podUid(), g.key(), s.node()));
        }
      }
    }
    for (GangPreemption.GangPod p : pods.boundGangPods()) {
      placed.put(p.podUid(), p);
    }
    GangPreemption.Result result = GangPreemption.expand(proposed, new ArrayList<>(placed.values()));
    result.droppedNodes().forEach((node, why) -> LOG.info("preemption candidate {} dropped: {}", node, why));
    return result;
  }

  // ---------------------------------------------------------------------------------------------------- restart

  /**
   * Rebuilds the reservations from the member pods' annotations before serving: called once the informers listed
   * everything, before decisions start. Gangs that cannot be restored safely are restored expired and released by
   * the first sweep (their bound members deleted).
   */
  public void recover() {
    try {
      rebuild();
    } catch (RuntimeException e) {
      LOG.error("gang recovery failed; serving gangs without the reservations found on pods (they may be planned again)", e);
    } finally {
      recovered = true;
    }
    sweep();
  }

  private void rebuild() {
    Set<String> uids = new HashSet<>();
    List<RecordedMember> records = pods.recordedMembers((m, ref) -> {
      uids.add(m.podUid());
      claimants.put(m.podUid(), ref);
    });
    Map<String, Long> used = state.apply(ledger -> {
      Map<String, Long> out = new HashMap<>();
      for (String name : ledger.nodeNames()) {
        NodeGpuState n = ledger.currentNode(name);
        long mask = 0;
        for (Holder h : n.holders()) {
          if (!uids.contains(h.uid())) {
            mask |= h.mask();
          }
        }
        out.put(name, mask);
      }
      return out;
    }).join();
    GangRecovery.Result result = GangRecovery.recover(records, node -> used.getOrDefault(node, 0L));
    coordinator.restore(result.reservations());
    for (GangReservation g : result.reservations().all()) {
      firstSeen.putIfAbsent(g.key(), g.reservedAt());
    }
    publishReservations().join();
    for (String note : result.notes()) {
      LOG.warn("gang recovery: {}", note);
    }
    LOG.info("gang recovery: {} reservation(s) rebuilt from {} annotated pod(s)", result.reservations().size(),
        records.size());
  }

  // ---------------------------------------------------------------------------------------------------- ledger

  /** Hands the reserved GPUs per node to the ledger (once per change), so every other pod sees them as used. */
  private synchronized CompletableFuture<Void> publishReservations() {
    Reservations r = coordinator.reservations();
    if (r == published) {
      return publishedDone;
    }
    Map<String, Long> masks = reservedMasks(r);
    published = r;
    publishedDone = state.apply(ledger -> {
      ledger.setReserved(masks);
      return null;
    });
    return publishedDone;
  }

  private static Map<String, Long> reservedMasks(Reservations r) {
    Map<String, Long> masks = new HashMap<>();
    for (GangReservation g : r.all()) {
      for (ReservedSlot s : g.slots()) {
        if (s.holdsCapacity() && !s.node().isEmpty()) {
          masks.merge(s.node(), s.gpuMask(), (a, b) -> a | b);
        }
      }
    }
    return masks;
  }

  // ---------------------------------------------------------------------------------------------------- inspect

  /** Gangs known by state (waiting, reserved, bound) for {@code gpusched_gangs{state}}. */
  double gangCount(String state) {
    return switch (state) {
      case "waiting" -> waiting.size();
      case "reserved" -> coordinator.reservations().size();
      case "bound" -> boundGangs().size();
      default -> 0;
    };
  }

  /** Gangs without a reservation whose running, bound pods number at least the gang's size. */
  private Map<GangKey, Integer> boundGangs() {
    Map<GangKey, Integer> out = new LinkedHashMap<>();
    Reservations r = coordinator.reservations();
    pods.runningMembers().forEach((k, c) -> {
      if (c[0] >= c[1] && r.get(k) == null) {
        out.put(k, c[0]);
      }
    });
    return out;
  }

  /** {@code GET /inspect/gangs}: reserved gangs with their members, waiting gangs with their reason, the hold. */
  public tools.jackson.databind.node.ObjectNode inspect() {
    List<GangInspectView.WaitingGang> w = new ArrayList<>();
    for (Map.Entry<GangKey, Waiting> e : waiting.entrySet()) {
      Waiting v = e.getValue();
      w.add(new GangInspectView.WaitingGang(e.getKey(), v.spec.size(), v.since, v.reason, v.pods.size(), v.lastNudge));
    }
    return GangInspectView.gangs(coordinator.reservations(), w, boundGangs(), coordinator.starvation().hold(),
        this::podKeyOf, clock.instant());
  }

  /** Reservations on one node for {@code GET /inspect/{node}}. */
  public tools.jackson.databind.node.ArrayNode reservationsOn(String node) {
    return GangInspectView.reservationsOn(coordinator.reservations(), node, this::podKeyOf);
  }

  private String podKeyOf(String uid) {
    PodRef ref = uid == null ? null : claimants.get(uid);
    return ref == null ? null : ref.key();
  }

  @Override
  public void close() {
    timer.shutdownNow();
    bindPool.shutdown();
    apiWrites.shutdown(); // let a write in flight finish: interrupting an API call mid-request helps nobody
    try {
      if (!apiWrites.awaitTermination(5, TimeUnit.SECONDS)) {
        apiWrites.shutdownNow();
      }
    } catch (InterruptedException e) {
      apiWrites.shutdownNow();
      Thread.currentThread().interrupt();
    }
    for (Held h : held.values()) {
      h.answer().complete("gpusched is shutting down; the scheduler will retry");
    }
  }
}
