package dev.gpusched.extender.kube;

import dev.gpusched.extender.gang.PodRef;
import dev.gpusched.gang.GangAnnotations;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.HashMap;
import java.util.Map;

/**
 * The API writes of gang scheduling besides binds: reservation annotations on member pods, their removal, the retry
 * nudge annotation, and deleting members bound when their gang timed out. Every write names the pod's UID, so a pod
 * re-created under the same name is never touched by mistake. Blocking; throws with the API server's message.
 */
public final class GangWrites {
  /** Patched on waiting gang pods when their gang became placeable, so kube-scheduler retries them promptly. */
  public static final String RETRY_AFTER = "gpusched.dev/retry-after";

  private final KubernetesClient client;

  public GangWrites(KubernetesClient client) {
    this.client = client;
  }

  /** Sets (value non-null) or removes (value null) annotations of a pod; retried twice on a conflict or I/O error. */
  public void annotate(PodRef pod, Map<String, String> annotations) {
    Map<String, Object> meta = new HashMap<>();
    meta.put("uid", pod.uid());
    meta.put("annotations", annotations);
    String body = client.getKubernetesSerialization().asJson(Map.of("metadata", meta));
    for (int attempt = 1; ; attempt++) {
      try {
        client.pods().inNamespace(pod.namespace()).withName(pod.name()).patch(PatchContext.of(PatchType.JSON_MERGE), body);
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
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

  /** Removes the reservation annotations of a member whose gang's reservation was released. */
  public void clearReservation(PodRef pod) {
    Map<String, String> none = new HashMap<>();
    none.put(GangAnnotations.RESERVED_NODE, null);
    none.put(GangAnnotations.RESERVED_GPU_IDS, null);
    none.put(GangAnnotations.RESERVED_AT, null);
    none.put(GangAnnotations.GANG_SLOT, null);
    none.put(GangAnnotations.GANG_PLAN, null);
    annotate(pod, none);
  }

  /** Deletes a pod if it is still the one with this UID; false when it is already gone or re-created. */
  public boolean delete(PodRef pod) {
    Pod live = client.pods().inNamespace(pod.namespace()).withName(pod.name()).get();
    if (live == null || !pod.uid().equals(live.getMetadata().getUid())) {
      return false;
    }
    client.pods().inNamespace(pod.namespace()).withName(pod.name()).delete();
    return true;
  }
}
