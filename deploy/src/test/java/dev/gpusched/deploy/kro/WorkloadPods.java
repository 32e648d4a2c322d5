package dev.gpusched.deploy.kro;

import dev.gpusched.deploy.Yaml;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The pods a rendered Deployment or indexed Job would create, as their controllers name and label them: a Deployment's
 * pods {@code <name>-<rs-hash>-<i>} owned by its ReplicaSet (spec.replicas, 1 when left out as the API server
 * defaults it); an indexed Job's pods {@code <name>-<index>-<suffix>} with the completion-index label and annotation,
 * the job-name labels, hostname {@code <name>-<index>}, owned by the Job. UIDs are derived from the names, so the same
 * instance always yields the same pods.
 */
public final class WorkloadPods {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private WorkloadPods() {}

  /** The same pods as fabric8 objects, ready to be created in an API server (e.g. a standalone gpusched's). */
  public static List<Pod> asFabric8(List<Map<String, Object>> pods) {
    List<Pod> out = new ArrayList<>(pods.size());
    for (Map<String, Object> pod : pods) {
      out.add(SERIALIZATION.unmarshal(Yaml.toJson(pod), Pod.class));
    }
    return out;
  }

  /** The pods of a Deployment (spec.replicas) or an indexed Job (spec.completions). */
  @SuppressWarnings("unchecked")
  public static List<Map<String, Object>> of(Map<String, Object> workload) {
    String kind = (String) workload.get("kind");
    Map<String, Object> meta = Yaml.asMap(workload.get("metadata"));
    String name = (String) meta.get("name");
    String namespace = (String) meta.getOrDefault("namespace", "default");
    Map<String, Object> template = Yaml.asMap(Yaml.at(workload, "spec.template"));
    List<Map<String, Object>> pods = new ArrayList<>();
    switch (kind) {
      case "Deployment" -> {
        Object replicasField = Yaml.at(workload, "spec.replicas");
        long replicas = replicasField == null ? 1 : ((Number) replicasField).longValue();
        String replicaSet = name + "-" + hash(name);
        for (int i = 0; i < replicas; i++) {
          pods.add(pod(template, replicaSet + "-" + hash(replicaSet + i), namespace, "ReplicaSet", replicaSet, -1));
        }
      }
      case "Job" -> {
        if (!"Indexed".equals(Yaml.at(workload, "spec.completionMode"))) {
          throw new IllegalArgumentException("Job " + name + " is not an indexed Job (spec.completionMode: Indexed)");
        }
        long completions = ((Number) Yaml.at(workload, "spec.completions")).longValue();
        for (int i = 0; i < completions; i++) {
          pods.add(pod(template, name + "-" + i + "-" + hash(name + i), namespace, "Job", name, i));
        }
      }
      default -> throw new IllegalArgumentException("expected a Deployment or a Job, found " + kind);
    }
    return pods;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> pod(Map<String, Object> template, String podName, String namespace,
                                         String ownerKind, String ownerName, int completionIndex) {
    Map<String, Object> templateMeta = Yaml.asMap(template.getOrDefault("metadata", Map.of()));
    Map<String, Object> labels = new LinkedHashMap<>((Map<String, Object>) templateMeta.getOrDefault("labels", Map.of()));
    Map<String, Object> annotations = new LinkedHashMap<>((Map<String, Object>) templateMeta.getOrDefault("annotations", Map.of()));
    Map<String, Object> spec = new LinkedHashMap<>(Yaml.asMap(template.get("spec")));
    if (completionIndex >= 0) {
      labels.put("job-name", ownerName);
      labels.put("batch.kubernetes.io/job-name", ownerName);
      labels.put("batch.kubernetes.io/job-completion-index", String.valueOf(completionIndex));
      annotations.put("batch.kubernetes.io/job-completion-index", String.valueOf(completionIndex));
      spec.put("hostname", ownerName + "-" + completionIndex);
    }
    Map<String, Object> owner = new LinkedHashMap<>();
    owner.put("apiVersion", ownerKind.equals("Job") ? "batch/v1" : "apps/v1");
    owner.put("kind", ownerKind);
    owner.put("name", ownerName);
    owner.put("uid", uid(namespace + "/" + ownerKind + "/" + ownerName));
    owner.put("controller", true);
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("name", podName);
    metadata.put("namespace", namespace);
    metadata.put("uid", uid(namespace + "/Pod/" + podName));
    metadata.put("labels", labels);
    metadata.put("annotations", annotations);
    metadata.put("ownerReferences", List.of(owner));
    Map<String, Object> pod = new LinkedHashMap<>();
    pod.put("apiVersion", "v1");
    pod.put("kind", "Pod");
    pod.put("metadata", metadata);
    pod.put("spec", spec);
    return pod;
  }

  private static String hash(String seed) {
    String alphabet = "bcdfghjklmnpqrstvwxz2456789"; // the alphabet Kubernetes uses for generated names
    long h = UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).getMostSignificantBits() & Long.MAX_VALUE;
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      out.append(alphabet.charAt((int) (h % alphabet.length())));
      h /= alphabet.length();
    }
    return out.toString();
  }

  private static String uid(String seed) {
    return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString();
  }
}
