package dev.gpusched.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** Reads YAML and JSON files into plain trees (maps, lists, strings, numbers, booleans), naming the file on errors. */
public final class Yaml {
  private static final ObjectMapper YAML = YAMLMapper.builder().build();
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private Yaml() {}

  /** Every non-empty document of a (possibly multi-document) YAML text. */
  public static List<Map<String, Object>> readAll(String text, String source) {
    List<Map<String, Object>> documents = new ArrayList<>();
    try (MappingIterator<Object> it = YAML.readerFor(Object.class).readValues(text)) {
      while (it.hasNext()) {
        Object document = it.next();
        if (document == null) {
          continue;
        }
        if (!(document instanceof Map)) {
          throw new IllegalArgumentException(source + ": document " + (documents.size() + 1)
              + " is a " + document.getClass().getSimpleName() + ", expected a mapping (an object with apiVersion, kind...)");
        }
        documents.add(asMap(document));
      }
    } catch (JacksonException e) {
      throw new IllegalArgumentException(source + ": not valid YAML: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"), e);
    }
    return documents;
  }

  /** Every non-empty document of a YAML file. */
  public static List<Map<String, Object>> readAll(Path file) {
    return readAll(readString(file), file.toString());
  }

  /** The single document of a YAML file. */
  public static Map<String, Object> readOne(Path file) {
    List<Map<String, Object>> documents = readAll(file);
    if (documents.size() != 1) {
      throw new IllegalArgumentException(file + ": expected exactly one YAML document, found " + documents.size());
    }
    return documents.get(0);
  }

  /** The single document of a YAML text. */
  public static Map<String, Object> readOne(String text, String source) {
    List<Map<String, Object>> documents = readAll(text, source);
    if (documents.size() != 1) {
      throw new IllegalArgumentException(source + ": expected exactly one YAML document, found " + documents.size());
    }
    return documents.get(0);
  }

  /** A JSON file's top-level object. */
  public static Map<String, Object> readJson(Path file) {
    try {
      return asMap(JSON.readValue(readString(file), Object.class));
    } catch (JacksonException e) {
      throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"), e);
    }
  }

  /** The top-level object of a JSON text. */
  public static Map<String, Object> readJson(String text, String source) {
    Object value = readJsonValue(text, source);
    if (!(value instanceof Map)) {
      throw new IllegalArgumentException(source + ": expected a JSON object, found " + text);
    }
    return asMap(value);
  }

  /** Any JSON value (object, array, string, number, boolean, null) of a text. */
  public static Object readJsonValue(String text, String source) {
    try {
      return JSON.readValue(text, Object.class);
    } catch (JacksonException e) {
      throw new IllegalArgumentException(source + ": not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** A tree as JSON text (for messages and for handing objects to HTTP APIs). */
  public static String toJson(Object tree) {
    return JSON.writeValueAsString(tree);
  }

  /** A tree as YAML text. */
  public static String toYaml(Object tree) {
    return YAML.writeValueAsString(tree);
  }

  @SuppressWarnings("unchecked")
  public static Map<String, Object> asMap(Object node) {
    if (!(node instanceof Map)) {
      throw new IllegalArgumentException("expected a mapping, found " + (node == null ? "nothing" : node.getClass().getSimpleName()));
    }
    return new LinkedHashMap<>((Map<String, Object>) node);
  }

  /** The value at a dotted path of mappings (e.g. "spec.template.spec"), or null where the path ends early. */
  @SuppressWarnings("unchecked")
  public static Object at(Object tree, String dottedPath) {
    Object node = tree;
    for (String key : dottedPath.split("\\.")) {
      if (!(node instanceof Map)) {
        return null;
      }
      node = ((Map<String, Object>) node).get(key);
    }
    return node;
  }

  private static String readString(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
