package dev.gpusched.extender.gang;

import dev.gpusched.extender.state.CachedPod;
import dev.gpusched.extender.state.PodCache;
import dev.gpusched.extender.state.PodRecord;
import dev.gpusched.gang.GangAnnotations;
import dev.gpusched.gang.GangKey;
import dev.gpusched.gang.GangPreemption;
import dev.gpusched.gang.GangSpec;
import dev.gpusched.gang.PreemptedGang;
import dev.gpusched.gang.RecordedMember;
import dev.gpusched.topology.cluster.ClusterTopology;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gang membership as the pod cache shows it: which gang a pod belongs to (with its owner's intent), which members run
 * where, the reservation records pods carry, and the gang pods met so far by UID (the gang state names pods by UID
 * only). Scans are O(pods) and used off the hot path only (at gang planning, deletion, preemption, recovery, /inspect
 * and metrics).
 */
final class GangPods {
  private static final Logger LOG = LoggerFactory.getLogger(GangPods.class);

  private final PodCache cache;
  /** Gang pods met at filter, bind or recovery, by UID; forgotten when deleted. */
  private final Map<String, PodRef> met = new ConcurrentHashMap<>();

  GangPods(PodCache cache) {
    this.cache = cache;
  }

  /** Remembers a gang pod's name by its UID. */
  void met(PodRef pod) {
    met.put(pod.uid(), pod);
  }

  /** The pod was deleted. */
  void forget(String uid) {
    met.remove(uid);
  }

  /** namespace/name of a pod met so far, or null (for /inspect: no scan). */
  String keyOf(String uid) {
    PodRef ref = uid == null ? null : met.get(uid);
    return ref == null ? null : ref.key();
  }

  /** The pod with this UID: one met so far, else from a scan of the cache; null when there is none. */
  PodRef byUid(String uid) {
    PodRef ref = met.get(uid);
    if (ref != null) {
      return ref;
    }
    for (CachedPod p : cache.pods()) {
      if (uid.equals(p.uid())) {
        return PodRef.of(p);
      }
    }
    return null;
  }

  /** The pod as the cache holds it now, if it is still the one with this UID; else null. */
  Pod live(PodRef ref) {
    Pod pod = cache.pod(ref.namespace(), ref.name());
    return pod == null || !ref.uid().equals(pod.getMetadata().getUid()) ? null : pod;
  }

  /** The pod's ledger record, as the informers convert it. */
  PodRecord record(Pod pod) {
    return cache.record(pod);
  }

  /** The annotations of the pod's owning MLService. */
  Map<String, String> ownerAnnotations(Pod pod) {
    return cache.ownerAnnotations(pod);
  }

  /**
   * The gang a pod belongs to, or null. Cheap for pods of no gang: a few map lookups, no allocation.
   *
   * @throws IllegalArgumentException with a message naming the bad key and value
   */
  static GangSpec specOf(Pod pod, Map<String, String> ownerAnnotations) {
    var meta = pod.getMetadata();
    return specOf(meta.getNamespace(), meta.getAnnotations(), meta.getLabels(), ownerAnnotations);
  }

  /** {@link #specOf(Pod, Map)} of a pod the cache keeps. */
  static GangSpec specOf(CachedPod pod, Map<String, String> ownerAnnotations) {
    return specOf(pod.namespace(), pod.annotations(), pod.labels(), ownerAnnotations);
  }

  private static GangSpec specOf(String namespace, Map<String, String> annotations, Map<String, String> podLabels,
      Map<String, String> ownerAnnotations) {
    Map<String, String> ann = annotations == null ? Map.of() : annotations;
    Map<String, String> labels = podLabels == null ? Map.of() : podLabels;
    Map<String, String> owner = ownerAnnotations == null ? Map.of() : ownerAnnotations;
    if (!ann.containsKey(GangAnnotations.GANG) && !ann.containsKey(GangAnnotations.GANG_SIZE)
        && !ann.containsKey(GangAnnotations.GANG_FROM_KRO) && !labels.containsKey(GangAnnotations.GANG)
        && !labels.containsKey(GangAnnotations.GANG_SIZE) && !owner.containsKey(GangAnnotations.GANG)) {
      return null;
    }
    return GangSpec.fromPod(namespace == null ? "default" : namespace, ann, labels, owner);
  }

  /**
   * The node the API already shows this very pod (same UID) bound to, from the informer cache, or null. kube-scheduler
   * may filter a member again after a bind answer it took for a failure while the bind went through.
   */
  String liveBoundNode(Pod pod) {
    var meta = pod.getMetadata();
    Pod live = cache.pod(meta.getNamespace() == null ? "default" : meta.getNamespace(), meta.getName());
    return live == null || !java.util.Objects.equals(live.getMetadata().getUid(), meta.getUid()) ? null : boundNode(live);
  }

  /** The pod's gang, or null when it has none or its gang annotations are malformed. */
  GangSpec specOrNull(Pod pod) {
    try {
      return specOf(pod, cache.ownerAnnotations(pod));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** {@link #specOrNull(Pod)} of a pod the cache keeps. */
  GangSpec specOrNull(CachedPod pod) {
    try {
      return specOf(pod, cache.ownerAnnotations(pod));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  static String uid(Pod pod) {
    return pod.getMetadata().getUid() == null ? "" : pod.getMetadata().getUid();
  }

  /** Finished or being deleted: it holds no place any more. */
  static boolean gone(Pod p) {
    String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase) || p.getMetadata().getDeletionTimestamp() != null;
  }

  /**
   * Finished, being deleted, or under a whole-gang preemption ({@link PreemptedGang#PREEMPTED_BY}): a pod of its gang's
   * past, which new members are not planned next to.
   */
  private static boolean doomed(CachedPod p) {
    return p.gone() || p.annotations().containsKey(PreemptedGang.PREEMPTED_BY);
  }

  /** The node the pod is bound to, or null. */
  static String boundNode(Pod p) {
    String node = p.getSpec() == null ? null : p.getSpec().getNodeName();
    return node == null || node.isEmpty() ? null : node;
  }

  /** Topology indices of the nodes of the gang's bound, running members other than {@code exceptUid}. */
  int[] runningMemberNodes(GangKey key, String exceptUid, ClusterTopology topology) {
    List<Integer> nodes = new ArrayList<>();
    for (CachedPod p : cache.pods()) {
      String node = p.nodeName();
      if (node == null || exceptUid.equals(p.uid()) || doomed(p)) {
        continue;
      }
      GangSpec s = specOrNull(p);
      int i = s != null && s.key().equals(key) ? topology.nodeIndex(node) : -1;
      if (i >= 0) {
        nodes.add(i);
      }
    }
    int[] out = new int[nodes.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = nodes.get(i);
    }
    return out;
  }

  /** True when a pod of the gang other than {@code exceptUid} still exists (not being deleted). */
  boolean anyPodOf(GangKey key, String exceptUid) {
    for (CachedPod p : cache.pods()) {
      if (!exceptUid.equals(p.uid()) && p.deletionTimestamp() == null) {
        GangSpec s = specOrNull(p);
        if (s != null && s.key().equals(key)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Per gang: how many of its pods are bound and running, and its size (as {@code {running, size}}). */
  Map<GangKey, int[]> runningMembers() {
    Map<GangKey, int[]> out = new LinkedHashMap<>();
    for (CachedPod p : cache.pods()) {
      if (p.nodeName() == null || p.gone()) {
        continue;
      }
      GangSpec s = specOrNull(p);
      if (s != null) {
        out.computeIfAbsent(s.key(), k -> new int[] {0, s.size()})[0]++;
      }
    }
    return out;
  }

  /** Every pod in the cache by UID (one scan). */
  Map<String, CachedPod> byUidIndex() {
    Map<String, CachedPod> out = new HashMap<>();
    for (CachedPod p : cache.pods()) {
      out.put(p.uid(), p);
    }
    return out;
  }

  /** Every bound, running pod of every gang among {@code pods}, for preemption. */
  List<GangPreemption.GangPod> boundGangPods(Collection<CachedPod> pods) {
    List<GangPreemption.GangPod> out = new ArrayList<>();
    for (CachedPod p : pods) {
      String node = p.nodeName();
      if (node == null || p.gone()) {
        continue;
      }
      GangSpec s = specOrNull(p);
      if (s != null) {
        out.add(new GangPreemption.GangPod(p.uid(), s.key(), node));
      }
    }
    return out;
  }

  /** A pod carrying a whole-gang preemption record. */
  record Carrier(PreemptedGang decision, PodRef pod, String node, boolean terminating) {}

  /**
   * Every pod carrying a whole-gang preemption record (unreadable records logged and skipped), and in
   * {@code runningOut} per gang how many of its pods are bound and running.
   */
  List<Carrier> preemptionCarriers(Map<GangKey, Integer> runningOut) {
    List<Carrier> out = new ArrayList<>();
    for (CachedPod p : cache.pods()) {
      GangSpec s = null;
      Map<String, String> ann = p.annotations();
      boolean recorded = ann.containsKey(PreemptedGang.PREEMPTED_BY);
      String node = p.nodeName();
      if (recorded || node != null && !p.gone()) {
        s = specOrNull(p);
      }
      if (s == null) {
        continue;
      }
      if (node != null && !p.gone()) {
        runningOut.merge(s.key(), 1, Integer::sum);
      }
      if (recorded) {
        try {
          out.add(new Carrier(PreemptedGang.fromAnnotations(s.key(), ann), PodRef.of(p), node, p.gone()));
        } catch (IllegalArgumentException e) {
          LOG.warn("pod {}: its gang preemption record is unreadable and ignored: {}", p.key(), e.getMessage());
        }
      }
    }
    return out;
  }

  /**
   * What running pods record of their gang reservations ({@code gpusched.dev/reserved-node} etc.); unreadable ones
   * logged.
   */
  List<RecordedMember> recordedMembers(BiConsumer<RecordedMember, PodRef> eachPod) {
    return records(p -> !p.gone(), eachPod);
  }

  /**
   * The records of bound members that finished or are being deleted: they held their places, so their plan was bound
   * whole however few of its members still run.
   */
  List<RecordedMember> endedMemberRecords() {
    return records(p -> p.gone() && p.nodeName() != null, (m, ref) -> { });
  }

  private List<RecordedMember> records(Predicate<CachedPod> which, BiConsumer<RecordedMember, PodRef> eachPod) {
    List<RecordedMember> records = new ArrayList<>();
    for (CachedPod p : cache.pods()) {
      Map<String, String> ann = p.annotations();
      if (!ann.containsKey(GangAnnotations.RESERVED_NODE) || !which.test(p)) {
        continue;
      }
      try {
        GangSpec spec = specOf(p, cache.ownerAnnotations(p));
        RecordedMember m = spec == null ? null : RecordedMember.fromAnnotations(p.uid(), spec, ann, p.nodeName());
        if (m != null) {
          records.add(m);
          eachPod.accept(m, PodRef.of(p));
        }
      } catch (IllegalArgumentException e) {
        LOG.warn("pod {}: its gang reservation annotations are unreadable and ignored: {}", p.key(), e.getMessage());
      }
    }
    return records;
  }
}
