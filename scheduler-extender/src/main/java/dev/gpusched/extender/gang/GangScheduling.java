package dev.gpusched.extender.gang;

import dev.gpusched.extender.bind.ClusterWriter;
import dev.gpusched.extender.metrics.ExtenderMetrics;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.retry.RetryNudges;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.ClusterState;
import dev.gpusched.extender.state.CachedPod;
import dev.gpusched.extender.state.PodCache;
import dev.gpusched.gang.GangCoordinator;
import dev.gpusched.gang.GangKey;
import dev.gpusched.gang.GangPlanner;
import dev.gpusched.gang.GangSpec;
import dev.gpusched.gang.MemberAnswer;
import dev.gpusched.gang.PreemptionFollowUp;
import dev.gpusched.gang.Reservations;
import dev.gpusched.gang.StarvationGuard;
import dev.gpusched.gang.WaitingGangs;
import dev.gpusched.topology.cluster.ClusterTopology;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiPredicate;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Gang scheduling inside the extender: the pure {@link GangCoordinator} (gang-scheduling's policy) behind four thin
 * adapters: filter ({@link GangFilter}), the bind barrier ({@link GangBindHold}, {@link BarrierBinds}), housekeeping
 * ({@link GangHousekeeping}: timeouts, retry nudges, deletions) and recovery ({@link ReservationRecovery}). It reads pods
 * through the {@link PodCache} port, binds through {@link ClusterWriter} and writes member annotations through
 * {@link GangWriter}; the Kubernetes edge implements all three.
 *
 * <p>Threads: filter calls come from the event loop and never block (API writes are queued on one writer thread); bind
 * calls come from a worker; a timer thread sweeps about once a second and answers held bind calls at their hold bound.
 */
public final class GangScheduling implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GangScheduling.class);

  /**
   * @param topologyLabelKeys node label keys of the inter-node levels, narrowest first
   * @param holdBound how long a bind call is held at the barrier (below kube-scheduler's extender httpTimeout)
   * @param sweepInterval how often deadlines are checked and waiting gangs are re-checked
   * @param retryMinInterval least time between two retry nudges of one gang
   * @param preemption when a whole-gang eviction's follow-up evicts the pods on the preemption's node itself, and when
   *     it undoes a decision nothing came of
   */
  public record Settings(List<String> topologyLabelKeys, Duration holdBound, Duration sweepInterval,
      Duration retryMinInterval, StarvationGuard starvation, PreemptionFollowUp.Timing preemption) {
    public static final Settings DEFAULT = new Settings(ClusterTopology.DEFAULT_LEVEL_KEYS, Duration.ofSeconds(4),
        Duration.ofSeconds(1), Duration.ofSeconds(5),
        StarvationGuard.create(Duration.ofSeconds(60), Duration.ofMinutes(15), Duration.ofMinutes(5)),
        PreemptionFollowUp.Timing.DEFAULT);

    public Settings withTopologyLabelKeys(List<String> keys) {
      return new Settings(keys, holdBound, sweepInterval, retryMinInterval, starvation, preemption);
    }

    public Settings withStarvation(StarvationGuard rule) {
      return new Settings(topologyLabelKeys, holdBound, sweepInterval, retryMinInterval, rule, preemption);
    }

    public Settings withPreemption(PreemptionFollowUp.Timing timing) {
      return new Settings(topologyLabelKeys, holdBound, sweepInterval, retryMinInterval, starvation, timing);
    }
  }

  private final Settings settings;
  private final GangHandle gangs;
  private final ScheduledExecutorService timer;
  private final GangFilter filter;
  private final BarrierBinds barrierBinds;
  private final GangBindHold bindHold;
  private final GangHousekeeping housekeeping;
  private final ReservationRecovery recovery;
  private final WholeGangEvictions evictions;
  private final PreemptAnswer preempt;

  /**
   * @param pods the pods as the informers hold them
   * @param binds writes a member's GPU ids and Binding
   * @param writes writes claims and their removal on member pods, deletes members of released gangs, and records
   *     whole-gang preemptions on their pods
   * @param disruptions evicts the pods of a gang a preemption takes, and reports it in events
   * @param nudges asks kube-scheduler to retry the waiting pods of a gang that fits now
   */
  public GangScheduling(Settings settings, InstantSource clock, ClusterState state, PodCache pods, ClusterWriter binds,
      GangWriter writes, GangDisruptions disruptions, RetryNudges nudges, ExtenderMetrics metrics) {
    this.settings = settings;
    GangCoordinator coordinator = new GangCoordinator(new GangPlanner(), clock, settings.holdBound(),
        settings.starvation());
    GangPods gangPods = new GangPods(pods);
    this.gangs = new GangHandle(coordinator, gangPods, new GangLedger(state, coordinator),
        new MemberWrites(writes, Executors.newSingleThreadExecutor(r -> daemon(r, "gpusched-gang-writes")),
            Executors.newSingleThreadExecutor(r -> daemon(r, "gpusched-gang-background-writes"))), nudges,
        new HeldCalls(), new ServingGate(), new GangWaits(metrics), metrics, clock);
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "gpusched-gang-timer"));
    TopologyCache topologies = new TopologyCache(settings.topologyLabelKeys());
    GangRelease release = new GangRelease(gangs);
    this.filter = new GangFilter(gangs, topologies);
    this.barrierBinds = new BarrierBinds(gangs, new MemberBinder(state, gangPods, binds), release);
    this.bindHold = new GangBindHold(gangs, barrierBinds, timer);
    this.housekeeping = new GangHousekeeping(gangs, release, topologies, settings.retryMinInterval());
    this.recovery = new ReservationRecovery(gangs);
    this.evictions = new WholeGangEvictions(gangs, writes, disruptions, settings.preemption());
    this.preempt = new PreemptAnswer(gangs, writes, disruptions, evictions);
    metrics.registerGangs(this::gangCount);
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Starts the sweep timer (after {@link #recover()}). */
  public void start() {
    housekeeping.start(timer, settings.sweepInterval());
    long period = settings.sweepInterval().toMillis();
    timer.scheduleAtFixedRate(() -> {
      try {
        evictions.sweep();
      } catch (RuntimeException e) {
        LOG.error("whole-gang eviction sweep failed", e);
      }
    }, period, period, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /**
   * With several replicas, only the leader may plan gangs, hold binds, release timed-out gangs and nudge retries (the
   * gang state lives in one process). Default: always the leader. On gaining leadership call {@link #recover()} so
   * the new leader rebuilds the reservations from the pods' annotations.
   */
  public void leaderCheck(BooleanSupplier isLeader) {
    gangs.gate().leaderCheck(isLeader);
  }

  /** The coordinator (read-only use: reservations and starvation state). */
  public GangCoordinator coordinator() {
    return gangs.coordinator();
  }

  /**
   * The gang a pod belongs to, or null. Cheap for pods of no gang: a few map lookups, no allocation.
   *
   * @throws IllegalArgumentException with a message naming the bad key and value
   */
  public static GangSpec specOf(Pod pod, Map<String, String> ownerAnnotations) {
    return GangPods.specOf(pod, ownerAnnotations);
  }

  /** {@link #specOf(Pod, Map)} of a pod the cache keeps. */
  public static GangSpec specOf(CachedPod pod, Map<String, String> ownerAnnotations) {
    return GangPods.specOf(pod, ownerAnnotations);
  }

  /** Filter for a gang member: its planned node, or why it has none. Never blocks. */
  public MemberAnswer filter(Pod pod, GangSpec spec, PodDemand demand, ClusterSnapshot snapshot) {
    return filter.filter(pod, spec, demand, snapshot);
  }

  /** Prioritize for a gang member: the node of its place, or null when it holds none. */
  public String reservedNodeOf(Pod pod, GangSpec spec) {
    return filter.reservedNodeOf(pod, spec);
  }

  /**
   * Nodes a pod outside every gang may not use now because a starving gang holds them (empty almost always); the
   * set is immutable and read without locking.
   */
  public Set<String> nodesHeldAgainstOthers() {
    return gangs.coordinator().starvation().nodesHeldAgainst(null);
  }

  /** A gang member's bind call: see {@link GangBindHold#bind}. Call it off the event loop. */
  public CompletableFuture<String> bind(Pod pod, GangSpec spec, String node) {
    return bindHold.bind(pod, spec, node);
  }

  /** A pod was deleted (informer thread): its place waits for a replacement; the last pod of a gang ends it. */
  public void podDeleted(Pod pod) {
    housekeeping.podDeleted(pod);
  }

  /**
   * The preempt verb's candidates: kube-scheduler's proposed victims widened so that a gang goes whole, weighed, and a
   * gang that runs on other nodes too taken whole when no candidate spares it ({@link PreemptAnswer}). Blocking: call
   * it off the event loop.
   *
   * @param pdbViolations per node, the PDB violations kube-scheduler counted among its proposed victims
   * @param fits whether evicting these pods from the node frees enough for the preemptor
   * @return node to victim UIDs, most important first
   */
  public Map<String, List<String>> preempt(Pod preemptor, Map<String, List<String>> proposed,
      Map<String, Long> pdbViolations, BiPredicate<String, Set<String>> fits) {
    PreemptAnswer.Answer answer = preempt.answer(preemptor, proposed, pdbViolations, fits);
    answer.dropped().forEach((node, why) -> LOG.info("preemption candidate {} dropped: {}", node, why));
    return answer.candidates();
  }

  /**
   * Rebuilds the reservations from the member pods' annotations before serving: called once the informers listed
   * everything, before decisions start. Gangs that cannot be restored safely are restored expired and released by
   * the sweep that follows (their bound members deleted).
   */
  public void recover() {
    recovery.recover();
    evictions.recover();
    housekeeping.sweep();
  }

  /** Gangs known by state (waiting, reserved, bound) for {@code gpusched_gangs{state}}. */
  double gangCount(String state) {
    return switch (state) {
      case "waiting" -> gangs.coordinator().waiting().size();
      case "reserved" -> gangs.coordinator().reservations().size();
      case "bound" -> boundGangs().size();
      default -> 0;
    };
  }

  /** Gangs without a reservation whose running, bound pods number at least the gang's size. */
  private Map<GangKey, Integer> boundGangs() {
    Map<GangKey, Integer> out = new LinkedHashMap<>();
    Reservations r = gangs.coordinator().reservations();
    gangs.pods().runningMembers().forEach((k, c) -> {
      if (c[0] >= c[1] && r.get(k) == null) {
        out.put(k, c[0]);
      }
    });
    return out;
  }

  /**
   * {@code GET /inspect/gangs}: reserved gangs with their members, waiting gangs with their reason, the hold, and the
   * gangs preemptions took whole (by which pod, for which node).
   */
  public ObjectNode inspect() {
    List<GangInspectView.WaitingGang> waiting = new ArrayList<>();
    for (WaitingGangs.Gang w : gangs.coordinator().waiting().all()) {
      waiting.add(new GangInspectView.WaitingGang(w.key(), w.spec().size(), w.since(), w.reason(), w.podUids().size(),
          w.lastNudge()));
    }
    ObjectNode out = GangInspectView.gangs(gangs.coordinator().reservations(), waiting, boundGangs(),
        gangs.coordinator().starvation().hold(), gangs.pods()::keyOf, gangs.clock().instant());
    out.set("preempted", evictions.inspect());
    return out;
  }

  /** Reservations on one node for {@code GET /inspect/{node}}. */
  public ArrayNode reservationsOn(String node) {
    return GangInspectView.reservationsOn(gangs.coordinator().reservations(), node, gangs.pods()::keyOf);
  }

  @Override
  public void close() {
    timer.shutdownNow();
    barrierBinds.close();
    gangs.writes().close();
    gangs.held().answerAll("gpusched is shutting down; the scheduler will retry");
  }
}
