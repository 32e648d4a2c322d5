package dev.gpusched.bench.sim;

import dev.gpusched.extender.bind.ClusterWriter;
import dev.gpusched.extender.gang.GangDisruptions;
import dev.gpusched.extender.gang.GangWriter;
import dev.gpusched.extender.gang.PodRef;
import dev.gpusched.extender.kube.CachedPods;
import dev.gpusched.extender.kube.KubeRecords;
import dev.gpusched.extender.model.Annotations;
import dev.gpusched.extender.state.CachedPod;
import dev.gpusched.extender.state.ClusterState;
import dev.gpusched.extender.state.PodCache;
import dev.gpusched.extender.state.PodRecord;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The API server and the informers of an offline replay, in memory: gpusched's ports read the pods from here
 * ({@link PodCache}), bind here ({@link ClusterWriter}: a pod takes its node and {@code gpusched.dev/gpu-ids}, as
 * kube-apiserver's Binding does, refused for another UID or a bound pod) and annotate here ({@link GangWriter}: gang
 * claims) and evict here ({@link GangDisruptions}: no disruption budgets, no events kept); every change reaches the
 * ledger as the pod informer would deliver it.
 */
final class ReplayApi implements PodCache, ClusterWriter, GangWriter, GangDisruptions {
  private final ClusterState state;
  private final Map<String, Integer> nodeGpus;
  private final Map<String, Pod> pods = new ConcurrentHashMap<>();
  private final Map<String, Integer> gpusRequested = new ConcurrentHashMap<>();

  /** @param nodeGpus each node's GPUs, as kube-scheduler counts them (allocatable {@code nvidia.com/gpu}) */
  ReplayApi(ClusterState state, Map<String, Integer> nodeGpus) {
    this.state = state;
    this.nodeGpus = Map.copyOf(nodeGpus);
  }

  /** The node's GPUs (0 for a node without). */
  int gpusOf(String node) {
    return nodeGpus.getOrDefault(node, 0);
  }

  /** GPUs the pods bound to the node request, as kube-scheduler's cache sums them. */
  int gpusRequestedOn(String node) {
    return gpusRequested.getOrDefault(node, 0);
  }

  /** Adds a pod (it gets {@code uid} when it has none), as its creation would reach the informer. */
  Pod add(Pod pod, String uid) {
    Pod p = new PodBuilder(pod).build();
    if (p.getMetadata().getNamespace() == null) {
      p.getMetadata().setNamespace("default");
    }
    if (p.getMetadata().getUid() == null) {
      p.getMetadata().setUid(uid);
    }
    deliver(p);
    return p;
  }

  private void deliver(Pod p) {
    Pod before = pods.put(p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(), p);
    String node = p.getSpec().getNodeName();
    if (node != null && (before == null || before.getSpec().getNodeName() == null)) {
      gpusRequested.merge(node, Placements.ClusterFile.gpus(p), Integer::sum);
    }
    PodRecord r = KubeRecords.podRecord(p);
    state.submit(l -> l.upsertPod(r));
  }

  @Override
  public synchronized void bind(String namespace, String name, String uid, String node, String gpuIds) {
    Pod p = pods.get(namespace + "/" + name);
    if (p == null || !uid.equals(p.getMetadata().getUid())) {
      throw new IllegalStateException("pod " + namespace + "/" + name + " with UID " + uid + " does not exist");
    }
    if (p.getSpec().getNodeName() != null) {
      throw new IllegalStateException("pod " + name + " is already assigned to node \"" + p.getSpec().getNodeName() + "\"");
    }
    Pod bound = new PodBuilder(p).editSpec().withNodeName(node).endSpec().build();
    if (!gpuIds.isEmpty()) {
      bound.getMetadata().setAnnotations(with(bound.getMetadata().getAnnotations(), Map.of(Annotations.GPU_IDS, gpuIds)));
    }
    deliver(bound);
  }

  @Override
  public synchronized void annotate(PodRef pod, Map<String, String> annotations) {
    Pod p = pods.get(pod.key());
    if (p == null || !pod.uid().equals(p.getMetadata().getUid())) {
      throw new IllegalStateException("pod " + pod.key() + " is gone");
    }
    Pod changed = new PodBuilder(p).build();
    changed.getMetadata().setAnnotations(with(changed.getMetadata().getAnnotations(), annotations));
    deliver(changed);
  }

  @Override
  public synchronized boolean delete(PodRef pod) {
    Pod p = pods.get(pod.key());
    if (p == null || !pod.uid().equals(p.getMetadata().getUid())) {
      return false;
    }
    pods.remove(pod.key());
    if (p.getSpec().getNodeName() != null) {
      gpusRequested.merge(p.getSpec().getNodeName(), -Placements.ClusterFile.gpus(p), Integer::sum);
    }
    state.submit(l -> l.removePod(pod.uid()));
    return true;
  }

  private static Map<String, String> with(Map<String, String> base, Map<String, String> changes) {
    Map<String, String> out = new HashMap<>(base == null ? Map.of() : base);
    changes.forEach((k, v) -> {
      if (v == null) {
        out.remove(k);
      } else {
        out.put(k, v);
      }
    });
    return out;
  }

  @Override
  public Pod pod(String namespace, String name) {
    return pods.get(namespace + "/" + name);
  }

  @Override
  public List<CachedPod> pods() {
    return pods.values().stream().map(CachedPods::of).toList();
  }

  @Override
  public PodRecord record(Pod pod) {
    return KubeRecords.podRecord(pod);
  }

  @Override
  public Map<String, String> ownerAnnotations(Pod pod) {
    return Map.of();
  }

  @Override
  public Map<String, String> ownerAnnotations(CachedPod pod) {
    return Map.of();
  }

  @Override
  public String ownerKey(CachedPod pod) {
    return null;
  }

  @Override
  public Eviction evict(PodRef pod, boolean dryRun) {
    Pod p = pods.get(pod.key());
    if (p == null || !pod.uid().equals(p.getMetadata().getUid())) {
      return Eviction.GONE;
    }
    if (!dryRun) {
      delete(pod);
    }
    return Eviction.EVICTED; // the replay has no disruption budgets
  }

  @Override
  public void event(PodRef pod, String type, String reason, String message) {
    // a replay keeps no events: nothing reads them back
  }
}
