package dev.gpusched.extender.state;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who holds which GPU: nodes and GPU pods as the API shows them, plus the binds gpusched has made that the API does not
 * show yet ("assumed"). Mutated by one writer thread only ({@link ClusterState}); every change marks the nodes whose
 * {@link NodeGpuState} must be rebuilt.
 */
public final class Ledger {
  private final Map<String, NodeInfo> nodes = new HashMap<>();
  private final Map<String, PodRecord> pods = new HashMap<>();
  private final Map<String, Set<String>> podUidsByNode = new HashMap<>();
  private final Map<String, PodRecord> assumed = new HashMap<>();
  private final Set<String> dirty = new HashSet<>();
  /** Per node: GPUs held by gang reservations for members not bound yet (from the gang coordinator). */
  private Map<String, Long> reserved = Map.of();
  private dev.gpusched.extender.dcgm.GpuTelemetry telemetry;
  private dev.gpusched.extender.dcgm.HealthRules health = dev.gpusched.extender.dcgm.HealthRules.DEFAULT;

  /**
   * Fresh DCGM data (or null when it went stale or was never read): nodes it covers are rebuilt with it, so filter and
   * score read it from the snapshot without waiting or checking clocks.
   */
  public void setTelemetry(dev.gpusched.extender.dcgm.GpuTelemetry next, dev.gpusched.extender.dcgm.HealthRules rules) {
    if (telemetry != null) {
      dirty.addAll(telemetry.nodeNames());
    }
    if (next != null) {
      dirty.addAll(next.nodeNames());
    }
    telemetry = next;
    health = rules;
  }

  public boolean hasTelemetry() {
    return telemetry != null;
  }

  /**
   * The GPUs gang reservations keep per node (every gang's, for members not bound yet): they count as used for every
   * pod outside the gang, in filter, prioritize and bind. Nodes whose reserved GPUs changed are rebuilt.
   */
  public void setReserved(Map<String, Long> next) {
    for (Map.Entry<String, Long> e : next.entrySet()) {
      if (!e.getValue().equals(reserved.get(e.getKey()))) {
        dirty.add(e.getKey());
      }
    }
    for (String name : reserved.keySet()) {
      if (!next.containsKey(name)) {
        dirty.add(name);
      }
    }
    reserved = Map.copyOf(next);
  }

  /** GPUs reserved for gangs on a node (0 when none). */
  public long reservedOn(String node) {
    Long m = reserved.get(node);
    return m == null ? 0 : m;
  }

  /** Names of every known node. */
  public Set<String> nodeNames() {
    return Set.copyOf(nodes.keySet());
  }

  public void upsertNode(NodeInfo node) {
    nodes.put(node.name(), node);
    dirty.add(node.name());
  }

  public void removeNode(String name) {
    nodes.remove(name);
    dirty.add(name);
  }

  /** CPU a bound, running pod takes of its node (every pod, GPU or not): what {@code CpuView} subtracts. */
  private record PodCpu(String node, long milli) {}

  private final Map<String, PodCpu> cpuByPod = new HashMap<>();
  private final Map<String, Long> cpuByNode = new HashMap<>();

  private void accountCpu(String uid, String node, long milli) {
    PodCpu next = node == null || milli <= 0 ? null : new PodCpu(node, milli);
    PodCpu old = next == null ? cpuByPod.remove(uid) : cpuByPod.put(uid, next);
    if (java.util.Objects.equals(old, next)) {
      return;
    }
    if (old != null) {
      cpuByNode.merge(old.node(), -old.milli(), Long::sum);
      dirty.add(old.node());
    }
    if (next != null) {
      cpuByNode.merge(node, milli, Long::sum);
      dirty.add(node);
    }
  }

  /** Records the API's view of a pod; a pod that no longer holds GPUs is forgotten (but for its CPU, while bound). */
  public void upsertPod(PodRecord pod) {
    accountCpu(pod.uid(), pod.terminal() ? null : pod.nodeName(), pod.cpuMilli());
    PodRecord old = pods.get(pod.uid());
    if (old != null && old.nodeName() != null) {
      unindex(old);
    }
    PodRecord a = assumed.get(pod.uid());
    if (a != null && (pod.nodeName() != null || pod.terminal())) {
      // The API now shows our bind (or the pod ended): it is the truth from here on.
      assumed.remove(pod.uid());
      dirty.add(a.nodeName());
    }
    if (pod.terminal() || (pod.gpus() == 0 && pod.milli() == 0)) {
      pods.remove(pod.uid());
      return;
    }
    pods.put(pod.uid(), pod);
    if (pod.nodeName() != null) {
      podUidsByNode.computeIfAbsent(pod.nodeName(), k -> new LinkedHashSet<>()).add(pod.uid());
      dirty.add(pod.nodeName());
    }
  }

  public void removePod(String uid) {
    accountCpu(uid, null, 0);
    PodRecord old = pods.remove(uid);
    if (old != null && old.nodeName() != null) {
      unindex(old);
    }
    PodRecord a = assumed.remove(uid);
    if (a != null) {
      dirty.add(a.nodeName());
    }
  }

  /** Holds GPUs for a pod gpusched is binding, until the API shows the bind or {@link #forgetAssumed} rolls it back. */
  public void assume(PodRecord placed) {
    assumed.put(placed.uid(), placed);
    dirty.add(placed.nodeName());
  }

  public void forgetAssumed(String uid) {
    PodRecord a = assumed.remove(uid);
    if (a != null) {
      dirty.add(a.nodeName());
    }
  }

  public PodRecord pod(String uid) {
    return pods.get(uid);
  }

  public PodRecord assumedPod(String uid) {
    return assumed.get(uid);
  }

  public int podCount() {
    return pods.size();
  }

  /** Rebuilds the state of every node changed since the last call; a removed node maps to null. */
  Map<String, NodeGpuState> drainChanges() {
    Map<String, NodeGpuState> out = new HashMap<>();
    for (String name : dirty) {
      NodeInfo info = nodes.get(name);
      out.put(name, info == null ? null : buildNode(info));
    }
    dirty.clear();
    return out;
  }

  /** Every node, rebuilt (used once when the initial list completes). */
  Map<String, NodeGpuState> buildAll() {
    dirty.clear();
    Map<String, NodeGpuState> out = new HashMap<>();
    for (NodeInfo info : nodes.values()) {
      out.put(info.name(), buildNode(info));
    }
    return out;
  }

  /** The node's state as of every change applied so far, published or not; null for an unknown node. */
  public NodeGpuState currentNode(String name) {
    NodeInfo info = nodes.get(name);
    return info == null ? null : buildNode(info);
  }

  private NodeGpuState buildNode(NodeInfo info) {
    List<PodRecord> bound = new ArrayList<>();
    for (String uid : podUidsByNode.getOrDefault(info.name(), Set.of())) {
      PodRecord p = pods.get(uid);
      if (p != null && p.holdsGpus()) {
        bound.add(p);
      }
    }
    List<PodRecord> placing = new ArrayList<>();
    long cpu = cpuByNode.getOrDefault(info.name(), 0L);
    for (PodRecord a : assumed.values()) {
      if (info.name().equals(a.nodeName())) {
        placing.add(a);
        if (!cpuByPod.containsKey(a.uid())) {
          cpu += a.cpuMilli();
        }
      }
    }
    NodeTelemetry observed = null;
    if (telemetry != null) {
      var samples = telemetry.node(info.name());
      if (samples != null) {
        observed = new NodeTelemetry(samples, telemetry.observedPods(info.name()), health);
      }
    }
    NodeGpuState built = NodeStateBuilder.build(info, bound, placing, observed);
    Long r = reserved.get(info.name());
    return (r == null ? built : built.withReservedMask(r)).withCpuRequested(cpu);
  }

  private void unindex(PodRecord old) {
    Set<String> uids = podUidsByNode.get(old.nodeName());
    if (uids != null) {
      uids.remove(old.uid());
      if (uids.isEmpty()) {
        podUidsByNode.remove(old.nodeName());
      }
    }
    dirty.add(old.nodeName());
  }
}
