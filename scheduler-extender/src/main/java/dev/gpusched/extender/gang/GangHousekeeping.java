package dev.gpusched.extender.gang;

import dev.gpusched.extender.model.InvalidDemandException;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.model.PodDemandParser;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.gang.ExpiredGang;
import dev.gpusched.gang.GangCoordinator;
import dev.gpusched.gang.GangKey;
import dev.gpusched.gang.GangSpec;
import dev.gpusched.gang.WaitingGangs;
import dev.gpusched.topology.cluster.ClusterTopology;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What gang scheduling does between calls, on the timer thread and the informer's: releases gangs past their deadline,
 * nudges kube-scheduler to retry the pods of waiting gangs that could be placed now (the rule is
 * {@link WaitingGangs#dueForRetry}), and lets a deleted pod's place wait for its replacement (the last pod of a gang
 * ends it).
 */
final class GangHousekeeping {
  private static final Logger LOG = LoggerFactory.getLogger(GangHousekeeping.class);

  private final GangHandle gangs;
  private final GangCoordinator coordinator;
  private final GangRelease release;
  private final TopologyCache topologies;
  private final Duration retryMinInterval;

  GangHousekeeping(GangHandle gangs, GangRelease release, TopologyCache topologies, Duration retryMinInterval) {
    this.gangs = gangs;
    this.coordinator = gangs.coordinator();
    this.release = release;
    this.topologies = topologies;
    this.retryMinInterval = retryMinInterval;
  }

  /** Sweeps every {@code interval} on {@code timer}. */
  void start(ScheduledExecutorService timer, Duration interval) {
    long period = interval.toMillis();
    timer.scheduleAtFixedRate(() -> {
      try {
        sweep();
      } catch (RuntimeException e) {
        LOG.error("gang sweep failed", e);
      }
    }, period, period, TimeUnit.MILLISECONDS);
  }

  /** Releases gangs past their deadline and nudges waiting gangs that fit now; only while this replica serves. */
  void sweep() {
    if (!gangs.gate().serving()) {
      return;
    }
    List<ExpiredGang> expired = coordinator.sweep();
    for (ExpiredGang e : expired) {
      gangs.metrics().recordGangTimeout();
      release.release(e);
    }
    if (!expired.isEmpty()) {
      gangs.ledger().publish();
    }
    nudgeWaitingGangs();
  }

  private void nudgeWaitingGangs() {
    if (coordinator.waiting().size() == 0) {
      return;
    }
    ClusterSnapshot snapshot = gangs.ledger().snapshot();
    if (!snapshot.synced()) {
      return;
    }
    for (WaitingGangs.Gang w : coordinator.retryDue(snapshot.version(), retryMinInterval)) {
      PodDemand demand = demandOf(w);
      if (demand == null || demand.isShared()) {
        continue;
      }
      GangKey key = w.key();
      ClusterTopology topology = topologies.of(snapshot);
      SnapshotCapacityView view = new SnapshotCapacityView(snapshot, topology, coordinator.reservations(), key,
          coordinator.starvation().nodesHeldAgainst(key), demand);
      int[] bound = gangs.pods().runningMemberNodes(key, "", topology);
      if (!coordinator.wouldPlace(w.spec(), SnapshotCapacityView.memberDemand(demand), view, bound)) {
        continue;
      }
      coordinator.retryNudged(key);
      List<PodRef> waiting = new ArrayList<>();
      for (String uid : w.podUids()) {
        PodRef ref = gangs.pods().byUid(uid);
        if (ref != null) {
          waiting.add(ref);
        }
      }
      LOG.info("gang {} can be placed now; asking kube-scheduler to retry its {} waiting pod(s)", key, waiting.size());
      for (PodRef ref : waiting) {
        gangs.nudges().nudge(ref);
      }
    }
  }

  /** The demand of a waiting pod of the gang as the cache has it now, or null when none is readable. */
  private PodDemand demandOf(WaitingGangs.Gang w) {
    for (String uid : w.podUids()) {
      PodRef ref = gangs.pods().byUid(uid);
      Pod pod = ref == null ? null : gangs.pods().live(ref);
      if (pod != null) {
        try {
          return PodDemandParser.parse(pod, gangs.pods().ownerAnnotations(pod));
        } catch (InvalidDemandException e) {
          LOG.debug("waiting gang {}: pod {} has no readable demand: {}", w.key(), ref.key(), e.getMessage());
        }
      }
    }
    return null;
  }

  /** A pod was deleted (informer thread): its place waits for a replacement; the last pod of a gang ends it. */
  void podDeleted(Pod pod) {
    String uid = GangPods.uid(pod);
    gangs.held().answer(uid, "pod " + PodRef.of(pod).key() + " was deleted");
    gangs.pods().forget(uid);
    gangs.writes().claimGone(uid);
    GangSpec spec = gangs.pods().specOrNull(pod);
    coordinator.podDeleted(spec == null ? null : spec.key(), uid);
    if (spec == null) {
      return;
    }
    GangKey key = spec.key();
    if (!gangs.pods().anyPodOf(key, uid)) {
      coordinator.gangDeleted(key);
      gangs.waits().forget(key);
    }
    gangs.ledger().publish();
  }
}
