package dev.gpusched.extender.gang;

import dev.gpusched.extender.decide.GpuModelFit;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.gang.CapacityView;
import dev.gpusched.gang.GangKey;
import dev.gpusched.gang.MemberDemand;
import dev.gpusched.gang.Reservations;
import dev.gpusched.topology.IntraNodePolicy;
import dev.gpusched.topology.WholeGpuChoice;
import dev.gpusched.topology.cluster.ClusterTopology;
import java.util.Set;

/**
 * The gang planner's view of one snapshot, as one gang sees it: free GPUs without GPUs in use, without other gangs'
 * reservations and without nodes held for another starving gang; GPUs are chosen by {@link WholeGpuChoice} with the
 * member's intra-node policy, as the bind of a single pod would choose them. Built per gang planning (not on
 * the hot path of pods outside gangs). Node indices are those of the snapshot, which the topology shares.
 *
 * <p>Public so that the simulator ({@code benchmarks}) plans gangs over its own node states through this very view.
 */
public final class SnapshotCapacityView implements CapacityView {
  private static final GpuModelFit MODEL_FIT = new GpuModelFit();

  private final ClusterTopology topology;
  private final NodeGpuState[] nodes;
  private final long[] free;
  private final PodDemand podDemand;

  /**
   * @param forGang the gang planning (its own reservation counts as free for it), or null for a pod of no gang
   * @param held nodes held against this gang by the starvation rule
   * @param podDemand the member's parsed demand (GPU model and memory per GPU are checked per node)
   */
  public SnapshotCapacityView(ClusterSnapshot snapshot, ClusterTopology topology, Reservations reservations, GangKey forGang,
      Set<String> held, PodDemand podDemand) {
    if (topology.nodeCount() != snapshot.nodes().length) {
      throw new IllegalArgumentException("topology has " + topology.nodeCount() + " nodes, the snapshot "
          + snapshot.nodes().length);
    }
    this.topology = topology;
    this.nodes = snapshot.nodes();
    this.podDemand = podDemand;
    this.free = new long[nodes.length];
    for (int i = 0; i < nodes.length; i++) {
      NodeGpuState n = nodes[i];
      if (n.info().problem() != null || n.info().unschedulable() || held.contains(n.name())
          || MODEL_FIT.filter(podDemand, n) != null) {
        continue;
      }
      long mask = n.freeWholeMaskIgnoringReservations() & ~reservations.reservedMaskOnNode(n.name(), forGang);
      if (podDemand.memoryMiB() > 0) {
        for (long m = mask; m != 0; m &= m - 1) {
          int g = Long.numberOfTrailingZeros(m);
          if (n.freeMemoryMiB(g) < podDemand.memoryMiB()) {
            mask &= ~(1L << g);
          }
        }
      }
      free[i] = mask;
    }
  }

  /** What one member asks of the planner: its whole GPUs and its intra-node policy, as this view interprets it. */
  public static MemberDemand memberDemand(PodDemand demand) {
    return new MemberDemand(demand.gpus(), demand.intraNode().annotationValue());
  }

  /** Free GPUs of a node for this gang, as a bitmask. */
  long freeMask(int node) {
    return free[node];
  }

  @Override
  public int nodeCount() {
    return nodes.length;
  }

  @Override
  public String nodeName(int node) {
    return nodes[node].name();
  }

  @Override
  public ClusterTopology topology() {
    return topology;
  }

  @Override
  public int freeGpus(int node) {
    return Long.bitCount(free[node]);
  }

  @Override
  public int totalGpus(int node) {
    NodeGpuState n = nodes[node];
    return n.info().problem() != null || MODEL_FIT.filter(podDemand, n) != null ? 0 : n.gpuCount();
  }

  @Override
  public long placeMember(int node, MemberDemand d, long gpusAlreadyTakenByThisPlan) {
    return WholeGpuChoice.choose(nodes[node].topology(), free[node] & ~gpusAlreadyTakenByThisPlan, d.gpus(), policyOf(d));
  }

  private IntraNodePolicy policyOf(MemberDemand d) {
    if (d.intraPolicyId().isEmpty()) {
      return podDemand.intraNode();
    }
    try {
      return IntraNodePolicy.parse(d.intraPolicyId());
    } catch (IllegalArgumentException e) {
      return podDemand.intraNode();
    }
  }
}
