package dev.gpusched.bench.sim;

import dev.gpusched.extender.gang.GangScheduling;
import dev.gpusched.extender.gang.SnapshotCapacityView;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.gang.GangAnnotations;
import dev.gpusched.gang.GangPlanner;
import dev.gpusched.gang.GangSpec;
import dev.gpusched.gang.MemberDemand;
import dev.gpusched.gang.MemberPlacement;
import dev.gpusched.gang.Plan;
import dev.gpusched.gang.Reservations;
import dev.gpusched.topology.cluster.ClusterTopology;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * gpusched's gang placement in the synthetic replay, made by the extender's own code, as {@code GangScheduling.filter}
 * makes it for a gang's first member: the {@link GangSpec} parsed from the two annotations a member carries
 * ({@code gpusched.dev/gang}, {@code gpusched.dev/gang-size}; nothing else, so the server's defaults hold, among them
 * inter-node {@code prefer-narrowest}), the {@link ClusterTopology} of the nodes' labels under the server's default
 * level keys ({@code GangScheduling.Settings.DEFAULT}), a {@link SnapshotCapacityView} over a snapshot of the replay's
 * node states, and {@link GangPlanner#plan} for every member at once.
 *
 * <p>The planner sees GPUs only. Its plan is then checked against CPU and memory left, as kube-scheduler's
 * NodeResourcesFit would check each member's reserved node; a plan that fails that check does not start the gang now
 * (counted in {@link #plansUnfitForCpuOrMemory()}; the gang is planned again at the next event). In the server such a
 * plan would hold its GPUs until the gang's timeout; the replay does not model that wait, nor reservations (a planned
 * gang binds at once here) nor the starvation hold.
 */
final class PlannedGangs {
  private final GangPlanner planner = new GangPlanner();
  private final SimCluster cluster;
  private final ClusterTopology topology;
  private long version;
  private int unfit;

  /**
   * Over the replay's cluster, whose nodes carry their topology labels and annotations
   * ({@link SimCluster#SimCluster(List, List, List)}).
   */
  PlannedGangs(SimCluster cluster) {
    this.cluster = cluster;
    int n = cluster.size();
    List<String> names = new ArrayList<>(n);
    List<Map<String, String>> labels = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      NodeGpuState s = cluster.gpu(i);
      names.add(s.name());
      labels.add(s.info().labels());
    }
    topology = ClusterTopology.of(GangScheduling.Settings.DEFAULT.topologyLabelKeys(), names, labels);
  }

  /** The gang's spec as the server parses it from a member pod's annotations. */
  static GangSpec specOf(SyntheticWorkload.Job job) {
    return GangSpec.fromPod("trace", Map.of(GangAnnotations.GANG, "job-" + job.id(),
        GangAnnotations.GANG_SIZE, Integer.toString(job.members())), Map.of(), null);
  }

  /**
   * A place (node index of the replay's cluster, GPUs) for every member of the gang, in member order, or null when
   * gpusched would not start it now.
   */
  MemberPlacement[] plan(SyntheticWorkload.Job job) {
    NodeGpuState[] states = new NodeGpuState[cluster.size()];
    for (int i = 0; i < states.length; i++) {
      states[i] = cluster.gpu(i);
    }
    ClusterSnapshot snapshot = ClusterSnapshot.of(++version, states);
    GangSpec spec = specOf(job);
    PodDemand demand = job.member().demand();
    SnapshotCapacityView view = new SnapshotCapacityView(snapshot, topology, Reservations.EMPTY, spec.key(), Set.of(),
        demand);
    MemberDemand member = SnapshotCapacityView.memberDemand(demand);
    Plan plan = planner.plan(spec, Collections.nCopies(job.members(), member), view);
    if (!(plan instanceof Plan.Planned planned)) {
      return null;
    }
    MemberPlacement[] out = planned.placements().toArray(new MemberPlacement[0]);
    TracePod pod = job.member().trace();
    long[] cpu = new long[states.length];
    long[] mem = new long[states.length];
    for (MemberPlacement p : out) {
      cpu[p.node()] += pod.cpuMilli();
      mem[p.node()] += pod.memoryMib();
      if (cpu[p.node()] > cluster.cpuLeft(p.node()) || mem[p.node()] > cluster.memLeft(p.node())) {
        unfit++;
        return null;
      }
    }
    return out;
  }

  /** Plans the GPUs allowed but CPU or memory did not (so far). */
  int plansUnfitForCpuOrMemory() {
    return unfit;
  }
}
