package dev.gpusched.extender.testing;

import dev.gpusched.extender.kube.CachedPods;
import dev.gpusched.extender.kube.KubeRecords;
import dev.gpusched.extender.state.CachedPod;
import dev.gpusched.extender.state.PodCache;
import dev.gpusched.extender.state.PodRecord;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link PodCache} holding the pods a test puts in it (a test may change a pod after putting it), read back as the
 * informers' cache keeps and rebuilds them, with the informers' record conversion and no owners.
 */
public final class FixedPods implements PodCache {
  private final List<Pod> pods = new CopyOnWriteArrayList<>();

  public FixedPods(Pod... pods) {
    this.pods.addAll(List.of(pods));
  }

  /** Adds or replaces (same namespace and name) a pod. */
  public FixedPods put(Pod pod) {
    remove(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
    pods.add(pod);
    return this;
  }

  public void remove(String namespace, String name) {
    pods.removeIf(p -> p.getMetadata().getNamespace().equals(namespace) && p.getMetadata().getName().equals(name));
  }

  @Override
  public Pod pod(String namespace, String name) {
    for (Pod p : pods) {
      if (p.getMetadata().getNamespace().equals(namespace) && p.getMetadata().getName().equals(name)) {
        return CachedPods.pod(CachedPods.of(p));
      }
    }
    return null;
  }

  @Override
  public List<CachedPod> pods() {
    return pods.stream().map(CachedPods::of).toList();
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
}
