package dev.gpusched.extender.gang;

import dev.gpusched.extender.state.CachedPod;
import io.fabric8.kubernetes.api.model.Pod;

/** A pod's identity: namespace, name and UID (a re-created pod has another UID). */
public record PodRef(String namespace, String name, String uid) {
  public static PodRef of(Pod pod) {
    var m = pod.getMetadata();
    return new PodRef(m.getNamespace() == null ? "default" : m.getNamespace(), m.getName(),
        m.getUid() == null ? "" : m.getUid());
  }

  public static PodRef of(CachedPod pod) {
    return new PodRef(pod.namespace(), pod.name(), pod.uid());
  }

  public String key() {
    return namespace + "/" + name;
  }
}
