package dev.gpusched.extender.gang;

import io.fabric8.kubernetes.api.model.Pod;

/** A pod's identity: namespace, name and UID (a re-created pod has another UID). */
public record PodRef(String namespace, String name, String uid) {
  public static PodRef of(Pod pod) {
    var m = pod.getMetadata();
    return new PodRef(m.getNamespace() == null ? "default" : m.getNamespace(), m.getName(),
        m.getUid() == null ? "" : m.getUid());
  }

  public String key() {
    return namespace + "/" + name;
  }
}
