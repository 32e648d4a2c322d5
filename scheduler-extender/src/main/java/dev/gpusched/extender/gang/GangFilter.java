package dev.gpusched.extender.gang;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.gang.FilterOutcome;
import dev.gpusched.gang.GangCoordinator;
import dev.gpusched.gang.GangKey;
import dev.gpusched.gang.GangReservation;
import dev.gpusched.gang.GangSpec;
import dev.gpusched.gang.MemberAnswer;
import dev.gpusched.gang.Reservations;
import dev.gpusched.gang.ReservedSlot;
import dev.gpusched.gang.WaitingGangs;
import dev.gpusched.topology.cluster.ClusterTopology;
import io.fabric8.kubernetes.api.model.Pod;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Filter and prioritize for a gang member: the coordinator plans the gang over the snapshot (or the member claims its
 * place in the gang's plan), the member's claim is queued for its pod and the reservations for the ledger. Never blocks.
 */
final class GangFilter {
  private static final Logger LOG = LoggerFactory.getLogger(GangFilter.class);

  private final GangHandle gangs;
  private final GangCoordinator coordinator;
  private final TopologyCache topologies;

  GangFilter(GangHandle gangs, TopologyCache topologies) {
    this.gangs = gangs;
    this.coordinator = gangs.coordinator();
    this.topologies = topologies;
  }

  /** The member's planned node, or why it has none. */
  MemberAnswer filter(Pod pod, GangSpec spec, PodDemand demand, ClusterSnapshot snapshot) {
    GangKey key = spec.key();
    String notServing = gangs.gate().notServing();
    if (notServing != null) {
      return MemberAnswer.refused(notServing);
    }
    if (demand.isShared()) {
      return MemberAnswer.shareRefused(key, demand.milli());
    }
    String alreadyOn = gangs.pods().liveBoundNode(pod);
    if (alreadyOn != null) {
      return MemberAnswer.alreadyBound(key, alreadyOn); // its place is taken: claim nothing new
    }
    String uid = GangPods.uid(pod);
    ClusterTopology topology = topologies.of(snapshot);
    Reservations reservations = coordinator.reservations();
    int[] bound = reservations.get(key) == null ? gangs.pods().runningMemberNodes(key, uid, topology) : new int[0];
    WaitingGangs.Gang waited = coordinator.waiting().get(key);
    FilterOutcome outcome = coordinator.assign(spec, uid, SnapshotCapacityView.memberDemand(demand),
        () -> new SnapshotCapacityView(snapshot, topology, reservations, key, coordinator.starvation().nodesHeldAgainst(key),
            demand), bound);
    gangs.ledger().publish();
    PodRef ref = PodRef.of(pod);
    gangs.pods().met(ref);
    if (outcome instanceof FilterOutcome.Assigned a) {
      gangs.waits().started(key, waited != null ? waited.since() : a.reservation().reservedAt());
      if (a.newlyPlanned()) {
        LOG.info("gang {} planned: {}", key, a.planText());
      }
      gangs.writes().claim(ref, a);
    }
    return MemberAnswer.of(key, outcome);
  }

  /** Prioritize for a member: the node of its place, or null when it holds none. */
  String reservedNodeOf(Pod pod, GangSpec spec) {
    GangReservation g = coordinator.reservations().get(spec.key());
    ReservedSlot s = g == null ? null : g.slotOf(GangPods.uid(pod));
    return s == null ? null : s.node();
  }
}
