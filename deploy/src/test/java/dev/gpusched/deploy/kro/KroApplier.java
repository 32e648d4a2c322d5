package dev.gpusched.deploy.kro;

import dev.gpusched.deploy.Yaml;
import dev.gpusched.extender.testing.KubeApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes an instance's rendered objects to a real API server the way kro's instance controller does (kro's
 * pkg/controller/instance/applyset): each object labelled {@code applyset.kubernetes.io/part-of} with the instance's
 * ApplySet id and server-side applied (fabric8) by field manager {@code kro.run/applyset} with {@code force=true}; then
 * every object of the ApplySet that was not just applied is deleted with a UID precondition and no propagation policy
 * (kro's prune, and its deletion of an instance), sent as a plain request since fabric8 adds a propagation policy.
 */
final class KroApplier {
  static final String FIELD_MANAGER = "kro.run/applyset";
  static final String PART_OF = "applyset.kubernetes.io/part-of";
  /** The REST paths of the kinds the RGD renders (group/version and plural). */
  private static final Map<String, String> PATHS = Map.of(
      "Deployment", "/apis/apps/v1/namespaces/%s/deployments",
      "Job", "/apis/batch/v1/namespaces/%s/jobs",
      "Service", "/api/v1/namespaces/%s/services",
      "PodDisruptionBudget", "/apis/policy/v1/namespaces/%s/poddisruptionbudgets");

  /** An apply or delete the API server refused: its HTTP status and message. */
  static final class Refused extends RuntimeException {
    final int status;

    Refused(String what, HttpResponse<String> response) {
      super(what + " refused (HTTP " + response.statusCode() + "): " + message(response.body()));
      this.status = response.statusCode();
    }

    Refused(String what, KubernetesClientException e) {
      super(what + " refused (HTTP " + e.getCode() + "): "
          + (e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage()), e);
      this.status = e.getCode();
    }
  }

  private final KubeApiServer server;
  private final KubernetesClient client;
  private final String namespace;
  private final String applySetId;

  /** For one instance: its name, namespace, kind and group make the ApplySet id (KEP-3659, as kro computes it). */
  KroApplier(KubeApiServer server, KubernetesClient client, String name, String namespace, String kind, String group) {
    this.server = server;
    this.client = client;
    this.namespace = namespace;
    this.applySetId = "applyset-" + Base64.getUrlEncoder().withoutPadding()
        .encodeToString(sha256(name + "." + namespace + "." + kind + "." + group)) + "-v1";
  }

  /** Server-side applies the objects (force, kro's field manager); returns the live objects by resource id. */
  Map<String, Map<String, Object>> apply(List<RgdRenderer.RenderedResource> resources) {
    Map<String, Map<String, Object>> live = new LinkedHashMap<>();
    for (RgdRenderer.RenderedResource r : resources) {
      Map<String, Object> object = Yaml.asMap(Yaml.readJsonValue(Yaml.toJson(r.object()), r.id()));
      Map<String, Object> meta = Yaml.asMap(object.get("metadata"));
      Map<String, Object> labels = new LinkedHashMap<>(Yaml.asMap(meta.getOrDefault("labels", Map.of())));
      labels.put(PART_OF, applySetId);
      meta.put("labels", labels);
      object.put("metadata", meta);
      GenericKubernetesResource resource =
          client.getKubernetesSerialization().unmarshal(Yaml.toJson(object), GenericKubernetesResource.class);
      try {
        GenericKubernetesResource applied =
            client.resource(resource).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
        live.put(r.id(), Yaml.readJson(client.getKubernetesSerialization().asJson(applied), r.id()));
      } catch (KubernetesClientException e) {
        throw new Refused("apply of " + r.kind() + " " + meta.get("name"), e);
      }
    }
    return live;
  }

  /**
   * Deletes, as kro prunes, every object of the ApplySet whose UID is not in {@code keep} and that is not being deleted
   * already (kro deletes those again, to no effect); returns their kind/name.
   */
  List<String> prune(Set<String> keep) {
    List<String> deleted = new ArrayList<>();
    for (String kind : PATHS.keySet()) {
      String list = path(kind) + "?labelSelector=" + PART_OF + "%3D" + applySetId;
      HttpResponse<String> response = server.request("GET", list, null, null);
      if (response.statusCode() != 200) {
        throw new Refused("list of " + kind, response);
      }
      for (Object item : (List<?>) Yaml.readJson(response.body(), list).get("items")) {
        Map<String, Object> meta = Yaml.asMap(Yaml.asMap(item).get("metadata"));
        if (!keep.contains((String) meta.get("uid")) && meta.get("deletionTimestamp") == null) {
          delete(kind, (String) meta.get("name"), (String) meta.get("uid"));
          deleted.add(kind + "/" + meta.get("name"));
        }
      }
    }
    return deleted;
  }

  /** Deletes one object as kro does: a UID precondition, no propagation policy (the resource's default applies). */
  void delete(String kind, String name, String uid) {
    String body = "{\"apiVersion\":\"v1\",\"kind\":\"DeleteOptions\",\"preconditions\":{\"uid\":\"" + uid + "\"}}";
    HttpResponse<String> response = server.request("DELETE", path(kind) + "/" + name, body, "application/json");
    if (response.statusCode() != 200 && response.statusCode() != 202 && response.statusCode() != 404) {
      throw new Refused("delete of " + kind + " " + name, response);
    }
  }

  private String path(String kind) {
    String path = PATHS.get(kind);
    if (path == null) {
      throw new IllegalArgumentException("the RGD renders no " + kind + "; known: " + PATHS.keySet());
    }
    return String.format(path, namespace);
  }

  private static String message(String body) {
    try {
      Object message = Yaml.readJsonValue(body, "status") instanceof Map<?, ?> m ? m.get("message") : null;
      return message == null ? body : message.toString();
    } catch (IllegalArgumentException e) {
      return body;
    }
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
