package dev.gpusched.bench.sim;

import dev.gpusched.extender.decide.CpuView;
import dev.gpusched.extender.decide.CycleState;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.extender.state.NodeInfo;
import dev.gpusched.extender.state.NodeStateBuilder;
import dev.gpusched.extender.state.PodRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The replay's cluster: per node its CPU and memory left, and its GPU state as gpusched's own {@link NodeStateBuilder}
 * derives it from the pods placed there (rebuilt after each placement on that node, as the server rebuilds it from the
 * API). Mutable; one instance per replay.
 *
 * <p>It is also the {@link CpuView} gpusched's plugins get in the replay (CPU left per node), and numbers its nodes
 * for them as a snapshot does: node {@code i} is at position {@code i} of this cluster, with a {@link #stamp} that
 * changes whenever its GPU state or its CPU left changes.
 */
public final class SimCluster implements CpuView {
  private final TraceNode[] nodes;
  private final NodeInfo[] infos;
  private final long[] cpuLeft;
  private final long[] memLeft;
  private final NodeGpuState[] gpu;
  private final List<List<PodRecord>> pods;
  private final long totalGpuMilli;
  private final Map<String, Integer> indexByName = new HashMap<>();
  private final int[] stamps;
  private long allocatedGpuMilli;
  private dev.gpusched.extender.decide.WorkloadProfile learnedProfile;
  private int placed;

  public SimCluster(List<TraceNode> trace) {
    this(trace, null, null);
  }

  /**
   * @param labels each node's labels (node i has {@code labels.get(i)}), e.g. the inter-node topology levels the gang
   *     planner reads; null: no labels
   * @param annotations each node's annotations, e.g. {@code gpusched.dev/gpu-topology}, read as the server reads them;
   *     null: none (the GPU topology is then inferred from the model name, as from GPU feature discovery)
   */
  public SimCluster(List<TraceNode> trace, List<Map<String, String>> labels, List<Map<String, String>> annotations) {
    int n = trace.size();
    if (labels != null && labels.size() != n || annotations != null && annotations.size() != n) {
      throw new IllegalArgumentException("got " + (labels == null ? 0 : labels.size()) + " label maps and "
          + (annotations == null ? 0 : annotations.size()) + " annotation maps for " + n + " nodes; give one per node");
    }
    nodes = trace.toArray(new TraceNode[0]);
    infos = new NodeInfo[n];
    cpuLeft = new long[n];
    memLeft = new long[n];
    gpu = new NodeGpuState[n];
    stamps = new int[n];
    pods = new ArrayList<>(n);
    long total = 0;
    for (int i = 0; i < n; i++) {
      TraceNode t = nodes[i];
      infos[i] = NodeInfo.withTopology(t.name(), t.gpus(), t.model(), 0, labels == null ? Map.of() : labels.get(i),
          annotations == null ? Map.of() : annotations.get(i), false, null);
      cpuLeft[i] = t.cpuMilli();
      memLeft[i] = t.memoryMib();
      gpu[i] = NodeStateBuilder.build(infos[i], List.of(), List.of());
      pods.add(new ArrayList<>());
      total += t.gpus() * 1000L;
      indexByName.put(t.name(), i);
    }
    totalGpuMilli = total;
  }

  @Override
  public long nodeCpuLeftMilli(NodeGpuState node) {
    Integer i = indexByName.get(node.name());
    return i == null ? UNKNOWN : cpuLeft[i];
  }

  public int size() {
    return nodes.length;
  }

  public TraceNode node(int i) {
    return nodes[i];
  }

  public NodeGpuState gpu(int i) {
    return gpu[i];
  }

  /** Changes whenever node {@code i}'s GPU state or CPU left changes: what it says for a snapshot's node. */
  public int stamp(int i) {
    return stamps[i];
  }

  /** A cycle of the pod at node {@code i}, with its place in this cluster (plugins keep per-node figures by it). */
  public CycleState at(CycleState cycle, int i) {
    return cycle.at(gpu[i], this, i, stamps[i]);
  }

  public long cpuLeft(int i) {
    return cpuLeft[i];
  }

  public long memLeft(int i) {
    return memLeft[i];
  }

  /** Free milli-GPU of the node: whole free GPUs plus what shared GPUs have left. */
  public long gpuMilliLeft(int i) {
    NodeGpuState s = gpu[i];
    long left = (long) s.freeWholeCount() * 1000;
    for (long m = s.sharedMask() & ~s.unusableMask(); m != 0; m &= m - 1) {
      left += 1000 - s.milliUsed(Long.numberOfTrailingZeros(m));
    }
    return left;
  }

  public long totalGpuMilli() {
    return totalGpuMilli;
  }

  /**
   * The workload profile learned from the pods seen so far, when the replay learns it online (as the server would, from
   * the pods it is asked about); null when the policy keeps the profile it was built with.
   */
  public dev.gpusched.extender.decide.WorkloadProfile learnedProfile() {
    return learnedProfile;
  }

  void learnedProfile(dev.gpusched.extender.decide.WorkloadProfile profile) {
    this.learnedProfile = profile;
  }

  public long allocatedGpuMilli() {
    return allocatedGpuMilli;
  }

  public int placedPods() {
    return placed;
  }

  /**
   * Removes a pod placed with {@link #place} (a departure), giving back its CPU, memory and GPUs.
   *
   * @param sequence the sequence number it was placed with
   */
  public void remove(int i, SimPod pod, int sequence) {
    TracePod t = pod.trace();
    cpuLeft[i] += t.cpuMilli();
    memLeft[i] += t.memoryMib();
    stamps[i]++;
    if (t.numGpu() > 0) {
      String name = t.name() + "-" + sequence;
      List<PodRecord> list = pods.get(i);
      boolean removed = false;
      for (int k = 0; k < list.size(); k++) {
        if (list.get(k).name().equals(name)) {
          list.remove(k);
          removed = true;
          break;
        }
      }
      if (!removed) {
        throw new IllegalStateException(name + " is not on node " + infos[i].name());
      }
      gpu[i] = NodeStateBuilder.build(infos[i], list, List.of());
      allocatedGpuMilli -= t.gpuRequestMilli();
    }
    placed--;
  }

  /** Binds the pod to node {@code i} on the GPUs of {@code gpuMask} and rebuilds that node's GPU state. */
  public void place(int i, SimPod pod, long gpuMask, int sequence) {
    TracePod t = pod.trace();
    cpuLeft[i] -= t.cpuMilli();
    memLeft[i] -= t.memoryMib();
    stamps[i]++;
    if (t.numGpu() > 0) {
      List<Integer> ids = new ArrayList<>(Long.bitCount(gpuMask));
      for (long m = gpuMask; m != 0; m &= m - 1) {
        ids.add(Long.numberOfTrailingZeros(m));
      }
      PodRecord r = new PodRecord(pod.demand().uid() + "-" + sequence, "trace", t.name() + "-" + sequence, infos[i].name(),
          pod.demand().gpus(), pod.demand().milli(), 0, ids, false, String.format("%09d", sequence), null);
      pods.get(i).add(r);
      gpu[i] = NodeStateBuilder.build(infos[i], pods.get(i), List.of());
      allocatedGpuMilli += t.gpuRequestMilli();
    }
    placed++;
  }
}
