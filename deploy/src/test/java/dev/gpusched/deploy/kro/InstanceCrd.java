package dev.gpusched.deploy.kro;

import dev.gpusched.deploy.Yaml;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The CustomResourceDefinition kro generates for an RGD's instances: group (default {@code kro.run}), the schema's
 * version and kind, plural {@code <kind lower-case>s}, namespaced, a status subresource, the spec's OpenAPI schema from
 * {@link SimpleSchema#openApi()} and the printer columns. kro types the status fields from their expressions; here the
 * status is left open ({@code x-kubernetes-preserve-unknown-fields}), since only kro writes it.
 */
final class InstanceCrd {
  private InstanceCrd() {}

  @SuppressWarnings("unchecked")
  static Map<String, Object> of(Map<String, Object> rgd, SimpleSchema schema) {
    Map<String, Object> block = Yaml.asMap(Yaml.at(rgd, "spec.schema"));
    String group = (String) block.getOrDefault("group", "kro.run");
    String kind = (String) block.get("kind");
    String plural = kind.toLowerCase(Locale.ROOT) + "s";
    Map<String, Object> properties = new LinkedHashMap<>();
    properties.put("apiVersion", Map.of("type", "string"));
    properties.put("kind", Map.of("type", "string"));
    properties.put("metadata", Map.of("type", "object"));
    properties.put("spec", schema.openApi());
    properties.put("status", Map.of("type", "object", "x-kubernetes-preserve-unknown-fields", true));
    Map<String, Object> version = new LinkedHashMap<>();
    version.put("name", block.get("apiVersion"));
    version.put("served", true);
    version.put("storage", true);
    version.put("subresources", Map.of("status", Map.of()));
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("type", "object");
    root.put("properties", properties);
    version.put("schema", Map.of("openAPIV3Schema", root));
    if (block.get("additionalPrinterColumns") != null) {
      version.put("additionalPrinterColumns", block.get("additionalPrinterColumns"));
    }
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("group", group);
    spec.put("names", Map.of("kind", kind, "listKind", kind + "List", "plural", plural,
        "singular", kind.toLowerCase(Locale.ROOT)));
    spec.put("scope", "Namespaced");
    spec.put("versions", List.of(version));
    Map<String, Object> crd = new LinkedHashMap<>();
    crd.put("apiVersion", "apiextensions.k8s.io/v1");
    crd.put("kind", "CustomResourceDefinition");
    crd.put("metadata", Map.of("name", plural + "." + group));
    crd.put("spec", spec);
    return crd;
  }

  /**
   * Removes every {@code x-kubernetes-validations} list from a schema tree (in place), for an API server that cannot
   * compile them, and returns where they were (dotted property paths) with their rules.
   */
  @SuppressWarnings("unchecked")
  static List<String> removeValidationRules(Object schemaNode, String path) {
    List<String> removed = new ArrayList<>();
    if (schemaNode instanceof Map<?, ?> map) {
      Map<String, Object> node = (Map<String, Object>) map;
      Object rules = node.containsKey("x-kubernetes-validations") ? node.remove("x-kubernetes-validations") : null;
      if (rules != null) {
        for (Object rule : (List<Object>) rules) {
          Map<String, Object> r = (Map<String, Object>) rule;
          removed.add(path + ": " + r.get("rule") + " (" + r.get("message") + ")");
        }
      }
      if (node.get("properties") instanceof Map<?, ?> properties) {
        for (Map.Entry<?, ?> e : properties.entrySet()) {
          removed.addAll(removeValidationRules(e.getValue(), path.isEmpty() ? String.valueOf(e.getKey()) : path + "." + e.getKey()));
        }
      }
      if (node.get("items") != null) {
        removed.addAll(removeValidationRules(node.get("items"), path + "[]"));
      }
    }
    return removed;
  }
}
