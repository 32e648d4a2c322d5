package dev.gpusched.deploy.kro;

import dev.gpusched.deploy.Yaml;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * kro's "simple schema" for an instance spec ({@code field: type | default=.. required=true enum="a,b" minimum=..
 * maximum=.. immutable=true description=".."}, nested mappings for structures, {@code []T} and {@code map[string]T},
 * custom types from {@code spec.schema.types}): applies defaults and validates an instance the way the CRD kro generates
 * would, with messages that name the field and what would be right, and writes that CRD's OpenAPI schema.
 */
public final class SimpleSchema {
  /** A field's type: a basic type (string, integer, boolean, float, object), an object, an array or a map. */
  public sealed interface Type permits Basic, ObjectType, ArrayType, MapType {}

  /** string, integer, boolean, float (number) or object (unstructured). */
  public record Basic(String name) implements Type {}

  /** A structure: its fields by name. */
  public record ObjectType(Map<String, Field> fields) implements Type {}

  /** {@code []T}. */
  public record ArrayType(Type items) implements Type {}

  /** {@code map[string]T}. */
  public record MapType(Type values) implements Type {}

  /** One field, by dotted path ("spec.replicas"), with its markers. */
  public record Field(String name, Type type, boolean required, Object defaultValue, List<String> allowed,
                      Long minimum, Long maximum, String description, boolean immutable) {}

  private static final List<String> BASIC = List.of("string", "integer", "boolean", "float", "number", "object");
  private static final List<String> MARKERS =
      List.of("default", "required", "enum", "minimum", "maximum", "description", "immutable");

  private final ObjectType spec;

  private SimpleSchema(ObjectType spec) {
    this.spec = spec;
  }

  /** Parses the {@code spec:} block of an RGD's schema, with the custom {@code types:} it may use (may be empty). */
  public static SimpleSchema parse(Map<String, Object> specSchema, Map<String, Object> types) {
    return new SimpleSchema(new Parser(types).object(specSchema, "spec"));
  }

  /** The spec's top-level fields. */
  public Map<String, Field> fields() {
    return spec.fields();
  }

  /** The spec with defaults applied; throws on a missing required field, a wrong type, enum or range, or an unknown field. */
  public Map<String, Object> apply(Map<String, Object> given) {
    List<String> problems = new ArrayList<>();
    Map<String, Object> out = applyObject(spec, given == null ? Map.of() : given, "spec", problems);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("invalid MLService spec:\n  " + String.join("\n  ", problems));
    }
    return out;
  }

  /**
   * The OpenAPI schema of {@code spec} in the CRD kro generates: types, defaults, enums, bounds, required fields, and
   * for {@code immutable=true} the rule kro writes, {@code self == oldSelf} with the message "field is immutable".
   */
  public Map<String, Object> openApi() {
    return openApi(spec, null);
  }

  private static Map<String, Object> openApi(Type type, Field field) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (type instanceof Basic b) {
      out.put("type", b.name().equals("float") ? "number" : b.name());
      if (b.name().equals("object")) {
        out.put("x-kubernetes-preserve-unknown-fields", true);
      }
    } else if (type instanceof ArrayType a) {
      out.put("type", "array");
      out.put("items", openApi(a.items(), null));
    } else if (type instanceof MapType m) {
      out.put("type", "object");
      out.put("additionalProperties", openApi(m.values(), null));
    } else {
      ObjectType o = (ObjectType) type;
      out.put("type", "object");
      Map<String, Object> properties = new LinkedHashMap<>();
      List<String> required = new ArrayList<>();
      for (Map.Entry<String, Field> e : o.fields().entrySet()) {
        properties.put(e.getKey(), openApi(e.getValue().type(), e.getValue()));
        if (e.getValue().required()) {
          required.add(e.getKey());
        }
      }
      out.put("properties", properties);
      if (!required.isEmpty()) {
        out.put("required", required);
      }
    }
    if (field != null) {
      if (!field.description().isEmpty()) {
        out.put("description", field.description());
      }
      if (field.defaultValue() != null) {
        out.put("default", field.defaultValue());
      }
      if (!field.allowed().isEmpty()) {
        out.put("enum", field.allowed());
      }
      if (field.minimum() != null) {
        out.put("minimum", field.minimum());
      }
      if (field.maximum() != null) {
        out.put("maximum", field.maximum());
      }
      if (field.immutable()) {
        out.put("x-kubernetes-validations", List.of(Map.of("rule", "self == oldSelf", "message", "field is immutable")));
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Object applyValue(Type type, Object value, String path, List<String> problems) {
    Object converted = CelEvaluator.toCel(value);
    if (type instanceof ObjectType o) {
      if (converted instanceof Map<?, ?> m) {
        return applyObject(o, (Map<String, Object>) m, path, problems);
      }
      problems.add(path + ": expected an object, found " + converted);
    } else if (type instanceof ArrayType a) {
      if (converted instanceof List<?> list) {
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
          out.add(applyValue(a.items(), list.get(i), path + "[" + i + "]", problems));
        }
        return out;
      }
      problems.add(path + ": expected a list, found " + converted);
    } else if (type instanceof MapType m) {
      if (converted instanceof Map<?, ?> map) {
        Map<String, Object> out = new LinkedHashMap<>();
        map.forEach((k, v) -> out.put(String.valueOf(k), applyValue(m.values(), v, path + "." + k, problems)));
        return out;
      }
      problems.add(path + ": expected a map, found " + converted);
    } else {
      String name = ((Basic) type).name();
      boolean ok = switch (name) {
        case "string" -> converted instanceof String;
        case "integer" -> converted instanceof Long;
        case "boolean" -> converted instanceof Boolean;
        case "float", "number" -> converted instanceof Double || converted instanceof Long;
        default -> converted instanceof Map;
      };
      if (!ok) {
        problems.add(path + ": expected " + name + ", found " + converted + " ("
            + (converted == null ? "nothing" : converted.getClass().getSimpleName()) + ")");
      }
    }
    return converted;
  }

  private static Map<String, Object> applyObject(ObjectType type, Map<String, Object> given, String path,
                                                 List<String> problems) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String key : given.keySet()) {
      if (!type.fields().containsKey(key)) {
        problems.add(path + "." + key + ": unknown field; known fields: " + String.join(", ", type.fields().keySet()));
      }
    }
    for (Map.Entry<String, Field> e : type.fields().entrySet()) {
      Field field = e.getValue();
      Object value = given.get(e.getKey());
      if (value == null && field.required()) {
        problems.add(field.name() + ": required" + (field.description().isEmpty() ? "" : " (" + field.description() + ")"));
        continue;
      }
      if (value == null && field.defaultValue() == null) {
        continue;
      }
      Object applied = applyValue(field.type(), value != null ? value : field.defaultValue(), path + "." + e.getKey(), problems);
      checkMarkers(field, applied, problems);
      out.put(e.getKey(), applied);
    }
    return out;
  }

  private static void checkMarkers(Field field, Object value, List<String> problems) {
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

  /** Reads declarations, resolving custom type names against {@code types}. */
  private record Parser(Map<String, Object> types) {
    Parser {
      types = types == null ? Map.of() : types;
    }

    @SuppressWarnings("unchecked")
    ObjectType object(Map<String, Object> level, String path) {
      Map<String, Field> fields = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : level.entrySet()) {
        String fieldPath = path + "." + e.getKey();
        if (e.getValue() instanceof Map<?, ?> nested) {
          fields.put(e.getKey(), new Field(fieldPath, object((Map<String, Object>) nested, fieldPath), false, null,
              List.of(), null, null, "", false));
        } else if (e.getValue() instanceof String declaration) {
          fields.put(e.getKey(), field(fieldPath, declaration));
        } else {
          throw new IllegalArgumentException("schema field " + fieldPath + ": expected \"type | markers\" or a nested"
              + " mapping, found " + e.getValue());
        }
      }
      return new ObjectType(fields);
    }

    Field field(String path, String declaration) {
      int bar = declaration.indexOf('|');
      String typeName = (bar < 0 ? declaration : declaration.substring(0, bar)).trim();
      Map<String, String> markers = bar < 0 ? Map.of() : markers(path, declaration.substring(bar + 1));
      for (String key : markers.keySet()) {
        if (!MARKERS.contains(key)) {
          throw new IllegalArgumentException("schema field " + path + ": unknown marker '" + key + "'; kro knows "
              + String.join(", ", MARKERS) + " (and others this renderer does not check)");
        }
      }
      Type type = type(path, typeName);
      List<String> allowed = markers.containsKey("enum") ? List.of(markers.get("enum").split(",")) : List.of();
      Object defaultValue = markers.containsKey("default") ? defaultValue(path, type, markers.get("default")) : null;
      Field field = new Field(path, type, "true".equals(markers.get("required")), defaultValue, allowed,
          markers.containsKey("minimum") ? Long.valueOf(markers.get("minimum")) : null,
          markers.containsKey("maximum") ? Long.valueOf(markers.get("maximum")) : null,
          markers.getOrDefault("description", ""), "true".equals(markers.get("immutable")));
      if (defaultValue != null) {
        List<String> problems = new ArrayList<>();
        checkMarkers(field, applyValue(type, defaultValue, path, problems), problems);
        if (!problems.isEmpty()) {
          throw new IllegalArgumentException("schema field " + path + ": its default breaks its own markers: " + problems);
        }
      }
      return field;
    }

    @SuppressWarnings("unchecked")
    Type type(String path, String name) {
      if (name.startsWith("[]")) {
        return new ArrayType(type(path, name.substring(2)));
      }
      if (name.startsWith("map[string]")) {
        return new MapType(type(path, name.substring("map[string]".length())));
      }
      if (BASIC.contains(name)) {
        return new Basic(name);
      }
      if (types.get(name) instanceof Map<?, ?> custom) {
        return object((Map<String, Object>) custom, path);
      }
      throw new IllegalArgumentException("schema field " + path + ": unknown type '" + name + "'; use string, integer,"
          + " boolean, float, object, []T, map[string]T or a type of spec.schema.types (" + types.keySet() + ")");
    }

    static Object defaultValue(String path, Type type, String text) {
      String name = type instanceof Basic b ? b.name() : "";
      try {
        switch (name) {
          case "string":
            return text;
          case "integer":
            return Long.valueOf(text);
          case "float":
          case "number":
            return Double.valueOf(text);
          case "boolean":
            if (!text.equals("true") && !text.equals("false")) {
              throw new IllegalArgumentException("'" + text + "' is not true or false");
            }
            return Boolean.valueOf(text);
          default:
            return CelEvaluator.toCel(Yaml.readJsonValue(text, "default of " + path));
        }
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("schema field " + path + ": default '" + text + "' does not fit its type: "
            + e.getMessage(), e);
      }
    }
  }

  /**
   * Splits {@code key=value} markers as kro's parser does: values end at whitespace outside double quotes and
   * brackets ({@code default=[{"a": 1}]} is one value); a value in double quotes loses them, with {@code \"} unescaped.
   */
  static Map<String, String> markers(String path, String text) {
    Map<String, String> out = new LinkedHashMap<>();
    StringBuilder buffer = new StringBuilder();
    String key = null;
    boolean inQuotes = false;
    boolean escaped = false;
    int brackets = 0;
    for (char c : (text + " ").toCharArray()) {
      if (c == '=' && key == null && !inQuotes && brackets == 0) {
        key = buffer.toString().trim();
        buffer.setLength(0);
      } else if (c == '"' && !escaped) {
        inQuotes = !inQuotes;
        buffer.append(c);
      } else if (c == '\\' && inQuotes && !escaped) {
        escaped = true;
        buffer.append(c);
      } else if ((c == '{' || c == '[') && !inQuotes) {
        brackets++;
        buffer.append(c);
      } else if ((c == '}' || c == ']') && !inQuotes) {
        brackets--;
        buffer.append(c);
      } else if (Character.isWhitespace(c) && !inQuotes && brackets == 0) {
        if (key != null) {
          out.put(key, unquote(buffer.toString().trim()));
          key = null;
          buffer.setLength(0);
        } else if (!buffer.toString().isBlank()) {
          throw new IllegalArgumentException("schema field " + path + ": marker without '=' near: " + buffer);
        }
      } else {
        escaped = false;
        buffer.append(c);
      }
    }
    if (inQuotes || brackets != 0) {
      throw new IllegalArgumentException("schema field " + path + ": unclosed quote or bracket in: " + text.trim());
    }
    return out;
  }

  private static String unquote(String value) {
    if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
      return value.substring(1, value.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
    }
    return value;
  }
}
