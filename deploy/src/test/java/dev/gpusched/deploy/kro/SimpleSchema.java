package dev.gpusched.deploy.kro;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * kro's "simple schema" for an instance spec ({@code field: type | default=.. required=true enum="a,b" minimum=..
 * maximum=.. description=".."}, nested mappings for structures): applies defaults and validates an instance the way
 * the CRD kro generates would, with messages that name the field and what would be right.
 */
public final class SimpleSchema {
  /** One leaf field: its type (string, integer, boolean, float, object, []T, map[string]T) and markers. */
  public record Field(String name, String type, boolean required, Object defaultValue, List<String> allowed,
                      Long minimum, Long maximum, String description) {}

  private final Map<String, Object> fields;

  private SimpleSchema(Map<String, Object> fields) {
    this.fields = fields;
  }

  /** Parses the {@code spec:} block of an RGD's schema. */
  public static SimpleSchema parse(Map<String, Object> specSchema) {
    return new SimpleSchema(parseLevel(specSchema, "spec"));
  }

  /** The leaf fields, by dotted path ("spec.replicas"). */
  public Map<String, Field> leafFields() {
    Map<String, Field> out = new LinkedHashMap<>();
    collectLeaves(fields, out);
    return out;
  }

  /** The spec with defaults applied; throws on a missing required field, a wrong type, enum or range, or an unknown field. */
  public Map<String, Object> apply(Map<String, Object> spec) {
    List<String> problems = new ArrayList<>();
    Map<String, Object> out = applyLevel(fields, spec == null ? Map.of() : spec, "spec", problems);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("invalid MLService spec:\n  " + String.join("\n  ", problems));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> parseLevel(Map<String, Object> level, String path) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : level.entrySet()) {
      String fieldPath = path + "." + e.getKey();
      if (e.getValue() instanceof Map<?, ?> nested) {
        out.put(e.getKey(), parseLevel((Map<String, Object>) nested, fieldPath));
      } else if (e.getValue() instanceof String declaration) {
        out.put(e.getKey(), parseField(fieldPath, declaration));
      } else {
        throw new IllegalArgumentException("schema field " + fieldPath + ": expected \"type | markers\" or a nested"
            + " mapping, found " + e.getValue());
      }
    }
    return out;
  }

  static Field parseField(String path, String declaration) {
    int bar = declaration.indexOf('|');
    String type = (bar < 0 ? declaration : declaration.substring(0, bar)).trim();
    Map<String, String> markers = bar < 0 ? Map.of() : parseMarkers(path, declaration.substring(bar + 1));
    for (String key : markers.keySet()) {
      if (!List.of("default", "required", "enum", "minimum", "maximum", "description", "immutable").contains(key)) {
        throw new IllegalArgumentException("schema field " + path + ": unknown marker '" + key
            + "'; kro knows default, required, enum, minimum, maximum, description, immutable");
      }
    }
    List<String> allowed = markers.containsKey("enum") ? List.of(markers.get("enum").split(",")) : List.of();
    Object defaultValue = markers.containsKey("default") ? typed(path, type, markers.get("default")) : null;
    Field field = new Field(path, type, "true".equals(markers.get("required")), defaultValue, allowed,
        markers.containsKey("minimum") ? Long.valueOf(markers.get("minimum")) : null,
        markers.containsKey("maximum") ? Long.valueOf(markers.get("maximum")) : null,
        markers.getOrDefault("description", ""));
    if (defaultValue != null) {
      List<String> problems = new ArrayList<>();
      check(field, defaultValue, problems);
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException("schema field " + path + ": its default breaks its own markers: " + problems);
      }
    }
    return field;
  }

  private static Map<String, String> parseMarkers(String path, String text) {
    Map<String, String> markers = new LinkedHashMap<>();
    int i = 0;
    while (i < text.length()) {
      while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
        i++;
      }
      if (i >= text.length()) {
        break;
      }
      int eq = text.indexOf('=', i);
      if (eq < 0) {
        throw new IllegalArgumentException("schema field " + path + ": marker without '=' near: " + text.substring(i));
      }
      String key = text.substring(i, eq).trim();
      int j = eq + 1;
      String value;
      if (j < text.length() && text.charAt(j) == '"') {
        int close = text.indexOf('"', j + 1);
        if (close < 0) {
          throw new IllegalArgumentException("schema field " + path + ": unclosed quote in marker " + key);
        }
        value = text.substring(j + 1, close);
        i = close + 1;
      } else {
        int end = j;
        while (end < text.length() && !Character.isWhitespace(text.charAt(end))) {
          end++;
        }
        value = text.substring(j, end);
        i = end;
      }
      markers.put(key, value);
    }
    return markers;
  }

  private static Object typed(String path, String type, String text) {
    switch (type) {
      case "string":
        return text;
      case "integer":
        try {
          return Long.valueOf(text);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("schema field " + path + ": default '" + text + "' is not an integer");
        }
      case "boolean":
        if (!text.equals("true") && !text.equals("false")) {
          throw new IllegalArgumentException("schema field " + path + ": default '" + text + "' is not true or false");
        }
        return Boolean.valueOf(text);
      case "float":
      case "number":
        return Double.valueOf(text);
      default:
        throw new IllegalArgumentException("schema field " + path + ": defaults are supported here for"
            + " string, integer, boolean and float fields, not " + type);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> applyLevel(Map<String, Object> schema, Map<String, Object> given, String path,
                                                List<String> problems) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String key : given.keySet()) {
      if (!schema.containsKey(key)) {
        problems.add(path + "." + key + ": unknown field; known fields: " + String.join(", ", schema.keySet()));
      }
    }
    for (Map.Entry<String, Object> e : schema.entrySet()) {
      Object value = given.get(e.getKey());
      if (e.getValue() instanceof Map<?, ?> nested) {
        Map<String, Object> nestedGiven = value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        if (value != null && !(value instanceof Map)) {
          problems.add(path + "." + e.getKey() + ": expected an object, found " + value);
        }
        out.put(e.getKey(), applyLevel((Map<String, Object>) nested, nestedGiven, path + "." + e.getKey(), problems));
        continue;
      }
      Field field = (Field) e.getValue();
      if (value == null) {
        if (field.required()) {
          problems.add(field.name() + ": required (" + field.description() + ")");
        } else if (field.defaultValue() != null) {
          out.put(e.getKey(), field.defaultValue());
        }
        continue;
      }
      Object converted = CelEvaluator.toCel(value);
      check(field, converted, problems);
      out.put(e.getKey(), converted);
    }
    return out;
  }

  private static void check(Field field, Object value, List<String> problems) {
    String type = field.type();
    boolean typeOk = switch (type) {
      case "string" -> value instanceof String;
      case "integer" -> value instanceof Long;
      case "boolean" -> value instanceof Boolean;
      case "float", "number" -> value instanceof Double || value instanceof Long;
      case "object" -> value instanceof Map;
      default -> type.startsWith("[]") ? value instanceof List : !type.startsWith("map[") || value instanceof Map;
    };
    if (!typeOk) {
      problems.add(field.name() + ": expected " + type + ", found " + value + " (" + value.getClass().getSimpleName() + ")");
      return;
    }
    if (!field.allowed().isEmpty() && !field.allowed().contains(String.valueOf(value))) {
      problems.add(field.name() + ": '" + value + "' is not allowed; use one of " + String.join(", ", field.allowed()));
    }
    if (value instanceof Long n) {
      if (field.minimum() != null && n < field.minimum()) {
        problems.add(field.name() + ": " + n + " is below the minimum " + field.minimum());
      }
      if (field.maximum() != null && n > field.maximum()) {
        problems.add(field.name() + ": " + n + " is above the maximum " + field.maximum());
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static void collectLeaves(Map<String, Object> level, Map<String, Field> out) {
    for (Object value : level.values()) {
      if (value instanceof Field f) {
        out.put(f.name(), f);
      } else {
        collectLeaves((Map<String, Object>) value, out);
      }
    }
  }
}
