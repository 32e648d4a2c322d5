package dev.gpusched.deploy.manifest;

import dev.gpusched.deploy.ProjectPaths;
import dev.gpusched.deploy.Yaml;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** The install manifests of deploy/: what the kustomization lists, what kubectl kustomize renders, lookups by kind. */
public final class Manifests {
  private Manifests() {}

  /** deploy/kustomization.yaml. */
  public static Path kustomization() {
    return ProjectPaths.deploy().resolve("kustomization.yaml");
  }

  /** The files the kustomization lists under resources:, resolved against deploy/. */
  @SuppressWarnings("unchecked")
  public static List<Path> listedFiles() {
    List<Path> files = new ArrayList<>();
    for (Object resource : (List<Object>) Yaml.readOne(kustomization()).get("resources")) {
      files.add(ProjectPaths.deploy().resolve(String.valueOf(resource)).normalize());
    }
    return files;
  }

  /** Every object of the files the kustomization lists, in order (what kustomize renders when it transforms nothing). */
  public static List<Map<String, Object>> listedObjects() {
    List<Map<String, Object>> objects = new ArrayList<>();
    for (Path file : listedFiles()) {
      objects.addAll(Yaml.readAll(file));
    }
    return objects;
  }

  /** {@code kubectl kustomize deploy/}'s output, or empty when kubectl is not installed. */
  public static Optional<List<Map<String, Object>>> kustomized() {
    Optional<Path> kubectl = onPath("kubectl");
    if (kubectl.isEmpty()) {
      return Optional.empty();
    }
    try {
      Process process = new ProcessBuilder(kubectl.get().toString(), "kustomize", ProjectPaths.deploy().toString())
          .redirectErrorStream(false).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("kubectl kustomize did not finish in 120s");
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException("kubectl kustomize " + ProjectPaths.deploy() + " failed:\n" + err);
      }
      return Optional.of(Yaml.readAll(out, "kubectl kustomize deploy/"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** An executable on PATH. */
  public static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** "kind namespace/name", the identity of an object in a rendered set. */
  public static String key(Map<String, Object> object) {
    Object namespace = Yaml.at(object, "metadata.namespace");
    return object.get("kind") + " " + (namespace == null ? "" : namespace + "/") + Yaml.at(object, "metadata.name");
  }

  /** Objects by {@link #key}, each normalized: embedded YAML documents in ConfigMap data are parsed into trees. */
  public static Map<String, Object> byKey(List<Map<String, Object>> objects) {
    Map<String, Object> out = new TreeMap<>();
    for (Map<String, Object> object : objects) {
      Object previous = out.put(key(object), normalize(object));
      if (previous != null) {
        throw new IllegalArgumentException("two objects are " + key(object));
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> normalize(Map<String, Object> object) {
    if (!"ConfigMap".equals(object.get("kind")) || !(object.get("data") instanceof Map)) {
      return object;
    }
    Map<String, Object> copy = new LinkedHashMap<>(object);
    Map<String, Object> data = new LinkedHashMap<>((Map<String, Object>) object.get("data"));
    for (Map.Entry<String, Object> e : data.entrySet()) {
      if (e.getKey().endsWith(".yaml") || e.getKey().endsWith(".yml")) {
        e.setValue(Yaml.readOne(String.valueOf(e.getValue()), "ConfigMap " + Yaml.at(object, "metadata.name") + " " + e.getKey()));
      }
    }
    copy.put("data", data);
    return copy;
  }

  /** The one object of this kind and name; throws listing what exists otherwise. */
  public static Map<String, Object> find(List<Map<String, Object>> objects, String kind, String name) {
    List<String> seen = new ArrayList<>();
    for (Map<String, Object> object : objects) {
      if (kind.equals(object.get("kind")) && name.equals(Yaml.at(object, "metadata.name"))) {
        return object;
      }
      seen.add(key(object));
    }
    throw new AssertionError("no " + kind + " named " + name + "; objects: " + seen);
  }

  /** The KubeSchedulerConfiguration held in the scheduler's ConfigMap. */
  public static Map<String, Object> schedulerConfiguration(List<Map<String, Object>> objects) {
    Map<String, Object> configMap = find(objects, "ConfigMap", "gpusched-scheduler-config");
    Object data = configMap.get("data");
    Object config = data instanceof Map<?, ?> m ? m.get("config.yaml") : null;
    if (config == null) {
      throw new AssertionError("ConfigMap gpusched-scheduler-config has no data key config.yaml");
    }
    return Yaml.readOne(String.valueOf(config), "gpusched-scheduler-config config.yaml");
  }
}
