package dev.gpusched.extender.kube;

import dev.gpusched.extender.gang.GangWriter;
import dev.gpusched.extender.gang.PodRef;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.HashMap;
import java.util.Map;

/**
 * {@link GangWriter} through the real API: a JSON merge patch of the annotations carrying the pod's UID (the API server
 * refuses it for a pod re-created under the same name), and a delete after checking the UID. Annotation patches are
 * retried twice on a conflict or I/O error.
 */
public final class KubernetesGangWriter implements GangWriter {
  private final KubernetesClient client;

  public KubernetesGangWriter(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public void annotate(PodRef pod, Map<String, String> annotations) {
    Map<String, Object> meta = new HashMap<>();
    meta.put("uid", pod.uid());
    meta.put("annotations", annotations);
    String body = client.getKubernetesSerialization().asJson(Map.of("metadata", meta));
    for (int attempt = 1; ; attempt++) {
      try {
        client.pods().inNamespace(pod.namespace()).withName(pod.name()).patch(PatchContext.of(PatchType.JSON_MERGE), body);
        return;
      } catch (KubernetesClientException e) {
        if (attempt >= 3 || e.getCode() == 404) {
          throw new IllegalStateException("patching annotations of " + pod.key() + " failed (HTTP " + e.getCode() + "): "
              + (e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage()), e);
        }
        try {
          Thread.sleep(50L * attempt);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  @Override
  public boolean delete(PodRef pod) {
    Pod live = client.pods().inNamespace(pod.namespace()).withName(pod.name()).get();
    if (live == null || !pod.uid().equals(live.getMetadata().getUid())) {
      return false;
    }
    client.pods().inNamespace(pod.namespace()).withName(pod.name()).delete();
    return true;
  }
}
