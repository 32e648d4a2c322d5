package dev.gpusched.extender.kube;

import dev.gpusched.extender.state.CachedPod;
import dev.gpusched.extender.state.PodCache;
import dev.gpusched.extender.state.PodRecord;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;

/** {@link PodCache} over the pod informer's store and the MLService informer, with the informers' record conversion. */
public final class InformerCache implements PodCache {
  private final KubernetesSource source;
  private final OwnerAnnotations owners;

  public InformerCache(KubernetesSource source, OwnerAnnotations owners) {
    this.source = source;
    this.owners = owners;
  }

  @Override
  public Pod pod(String namespace, String name) {
    CachedPod kept = source.pod(namespace, name);
    return kept == null ? null : CachedPods.pod(kept);
  }

  @Override
  public List<CachedPod> pods() {
    return source.pods();
  }

  @Override
  public PodRecord record(Pod pod) {
    return KubeRecords.podRecord(pod);
  }

  @Override
  public Map<String, String> ownerAnnotations(Pod pod) {
    return owners.of(pod);
  }

  @Override
  public Map<String, String> ownerAnnotations(CachedPod pod) {
    return owners.of(pod.namespace(), pod.labels());
  }

  @Override
  public String ownerKey(CachedPod pod) {
    return OwnerAnnotations.ownerKey(pod.namespace(), pod.labels());
  }
}
