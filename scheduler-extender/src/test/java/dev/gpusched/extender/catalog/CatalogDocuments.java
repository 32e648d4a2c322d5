package dev.gpusched.extender.catalog;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** The catalog's YAML read back, entities by {@code kind:name}, for tests that check what was emitted. */
public final class CatalogDocuments {
  private static final YAMLMapper YAML = YAMLMapper.builder().build();

  private CatalogDocuments() {}

  /** Every document, keyed {@code Kind:name} in the order written; fails on a repeated key. */
  public static Map<String, JsonNode> read(String yaml) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
      while (it.hasNext()) {
        JsonNode doc = it.next();
        String key = doc.path("kind").asString() + ":" + doc.path("metadata").path("name").asString();
        if (out.put(key, doc) != null) {
          throw new AssertionError("two documents are " + key);
        }
      }
    }
    return out;
  }

  /** An annotation's value, or null. */
  public static String annotation(JsonNode entity, String key) {
    JsonNode v = entity.path("metadata").path("annotations").get(key);
    return v == null ? null : v.asString();
  }

  /** A spec field's strings (one for a string, all for an array; none when absent). */
  public static List<String> spec(JsonNode entity, String field) {
    List<String> out = new ArrayList<>();
    JsonNode v = entity.path("spec").get(field);
    if (v != null && v.isArray()) {
      v.forEach(x -> out.add(x.asString()));
    } else if (v != null) {
      out.add(v.asString());
    }
    return out;
  }
}
