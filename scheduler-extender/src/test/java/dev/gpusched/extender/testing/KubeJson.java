package dev.gpusched.extender.testing;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/** fabric8's serialization of Kubernetes objects, for building request bodies and reading manifests in tests. */
public final class KubeJson {
  public static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private KubeJson() {}
}
