package dev.gpusched.extender.state;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;

/**
 * The pods gpusched's informers hold, as bind, the gang adapters and the request path read them: never from the API
 * itself. The cache keeps of each pod only what gpusched decides from ({@link CachedPod}); a caller that needs more of a
 * pod (to write it, say) reads it from the API. Implemented at the Kubernetes edge ({@code kube/}); tests give a fixed
 * set.
 */
public interface PodCache {
  /**
   * The pod {@code namespace/name} rebuilt from what the cache keeps of it, or null when the cache has none. It carries
   * the pod's identity, node, phase, deletion timestamp, labels and annotations under {@code gpusched.dev/} and
   * {@code kro.run/}, its scheduler, priority and start, a pending pod's {@code PodScheduled=False} condition, and its
   * containers' CPU and GPU requests and limits (one container requesting the CPU total for a pod that names no GPU
   * resource): every field gpusched's readers of pods use, and nothing else.
   */
  Pod pod(String namespace, String name);

  /** Every pod in the cache, as it keeps them, in a list the caller may keep: for scans. */
  List<CachedPod> pods();

  /**
   * The ledger's record of a pod: the conversion the informers apply, so that a pod assumed at bind is the record the
   * informer delivers once the Binding is in.
   */
  PodRecord record(Pod pod);

  /**
   * The annotations of the MLService that owns the pod (found through kro's labels on it), for intent the pod itself
   * lacks; empty when it has no owner, the owner is unknown, or the cluster has no MLService CRD.
   */
  Map<String, String> ownerAnnotations(Pod pod);

  /** {@link #ownerAnnotations(Pod)} of a pod the cache keeps. */
  Map<String, String> ownerAnnotations(CachedPod pod);

  /** {@code namespace/name} of the MLService that owns the pod (found through its labels), or null when none does. */
  String ownerKey(CachedPod pod);

  /** No pods at all: for a service without a cluster behind it (benchmarks of the request path). */
  PodCache EMPTY = new PodCache() {
    @Override
    public Pod pod(String namespace, String name) {
      return null;
    }

    @Override
    public List<CachedPod> pods() {
      return List.of();
    }

    @Override
    public PodRecord record(Pod pod) {
      throw new IllegalStateException("the empty pod cache holds no pod to record");
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
  };
}
