package dev.gpusched.extender.kube;

import dev.gpusched.extender.bind.ClusterWriter;
import dev.gpusched.extender.model.Annotations;
import io.fabric8.kubernetes.api.model.Binding;
import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.Map;

/**
 * Writes through the real API: a JSON merge patch of the annotation (carrying the pod's UID, so a pod re-created under
 * the same name is never patched by mistake) and a {@code Binding} with the pod's UID, as kube-scheduler creates it.
 */
public class KubernetesClusterWriter implements ClusterWriter {
  protected final KubernetesClient client;

  public KubernetesClusterWriter(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public void writeGpuIds(String namespace, String name, String uid, String gpuIds) {
    patch(namespace, name, Map.of("metadata", Map.of("uid", uid, "annotations", Map.of(Annotations.GPU_IDS, gpuIds))));
  }

  @Override
  public void clearGpuIds(String namespace, String name, String uid) {
    java.util.Map<String, Object> annotations = new java.util.HashMap<>();
    annotations.put(Annotations.GPU_IDS, null);
    patch(namespace, name, Map.of("metadata", Map.of("uid", uid, "annotations", annotations)));
  }

  protected void patch(String namespace, String name, Map<String, Object> body) {
    client.pods().inNamespace(namespace).withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), client.getKubernetesSerialization().asJson(body));
  }

  @Override
  public void bind(String namespace, String name, String uid, String node) {
    Binding binding = new BindingBuilder()
        .withNewMetadata().withName(name).withNamespace(namespace).withUid(uid).endMetadata()
        .withNewTarget().withApiVersion("v1").withKind("Node").withName(node).endTarget()
        .build();
    client.bindings().inNamespace(namespace).resource(binding).create();
  }
}
