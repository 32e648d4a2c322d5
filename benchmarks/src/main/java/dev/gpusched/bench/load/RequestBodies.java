package dev.gpusched.bench.load;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Request bodies shaped exactly like kube-scheduler's in NodeNames mode ({@code nodeCacheCapable: true}): the Pod of a
 * captured request, {@code "Nodes":null}, and {@code "NodeNames"} replaced by the given list. Also reads the surviving
 * names out of a filter answer, as kube-scheduler does before it calls prioritize.
 */
public final class RequestBodies {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final JsonNode pod;
  private final byte[] prefix;
  private final String podName;

  private RequestBodies(JsonNode pod) {
    ObjectNode args = JSON.createObjectNode();
    args.set("Pod", pod);
    args.putNull("Nodes");
    String head = JSON.writeValueAsString(args);
    this.pod = pod;
    this.prefix = (head.substring(0, head.length() - 1) + ",\"NodeNames\":[").getBytes(StandardCharsets.UTF_8);
    this.podName = pod.path("metadata").path("name").asString("");
  }

  /** The default template: the first filter request captured from a real kube-scheduler with nodeCacheCapable. */
  public static Path defaultTemplate(Path testData) {
    return testData.resolve("kube-scheduler/nodecache-true/001-filter-request.raw.json");
  }

  /** @param template a captured {@code ExtenderArgs} body with a {@code Pod} */
  public static RequestBodies fromTemplate(Path template) {
    String text;
    try {
      text = Files.readString(template);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the request template " + template, e);
    }
    JsonNode root = JSON.readTree(text);
    if (!root.isObject() || !root.path("Pod").isObject()) {
      throw new IllegalArgumentException(template + " is not a kube-scheduler ExtenderArgs body: expected a JSON object "
          + "with a \"Pod\" object (e.g. testdata/kube-scheduler/nodecache-true/001-filter-request.raw.json)");
    }
    if (!root.path("Pod").path("spec").path("containers").path(0).isObject()) {
      throw new IllegalArgumentException(template + ": the Pod has no spec.containers[0]");
    }
    return new RequestBodies(root.get("Pod"));
  }

  /**
   * The same pod with its first container's CPU request set to {@code milli} milli-CPU: a pod of a demand shape the
   * extender has not seen when {@code milli} is new (its GPU plugins read no CPU, so decisions stay the same).
   */
  public RequestBodies withCpuMilli(long milli) {
    JsonNode copy = pod.deepCopy();
    ObjectNode container = (ObjectNode) copy.path("spec").path("containers").path(0);
    JsonNode resources = container.path("resources");
    ObjectNode r = resources.isObject() ? (ObjectNode) resources : container.putObject("resources");
    JsonNode requests = r.path("requests");
    ObjectNode req = requests.isObject() ? (ObjectNode) requests : r.putObject("requests");
    req.put("cpu", milli + "m");
    return new RequestBodies(copy);
  }

  /** The same pod with the annotation set (added, or replacing the template's). */
  public RequestBodies withAnnotation(String key, String value) {
    JsonNode copy = pod.deepCopy();
    ObjectNode metadata = (ObjectNode) copy.path("metadata");
    JsonNode annotations = metadata.path("annotations");
    ObjectNode a = annotations.isObject() ? (ObjectNode) annotations : metadata.putObject("annotations");
    a.put(key, value);
    return new RequestBodies(copy);
  }

  public String podName() {
    return podName;
  }

  /** The {@code ExtenderArgs} body for these candidate names (DNS names: no JSON escaping is needed, and checked). */
  public byte[] body(List<String> names) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(prefix.length + names.size() * 20 + 4);
    out.writeBytes(prefix);
    for (int i = 0; i < names.size(); i++) {
      String n = names.get(i);
      if (i > 0) {
        out.write(',');
      }
      out.write('"');
      for (int c = 0; c < n.length(); c++) {
        char ch = n.charAt(c);
        if (ch == '"' || ch == '\\' || ch < 0x20 || ch > 0x7e) {
          throw new IllegalArgumentException("node name \"" + n + "\" is not a DNS name (character " + (int) ch + ")");
        }
        out.write(ch);
      }
      out.write('"');
    }
    out.write(']');
    out.write('}');
    return out.toByteArray();
  }

  /**
   * The {@code NodeNames} an {@code ExtenderFilterResult} lets through.
   *
   * @throws IllegalStateException when the answer has a non-empty {@code Error} or no {@code NodeNames} array
   */
  public static List<String> survivors(byte[] filterAnswer) {
    List<String> names = null;
    String error = "";
    try (JsonParser p = JSON.createParser(filterAnswer)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalStateException("filter answer is not a JSON object: " + preview(filterAnswer));
      }
      while (p.nextToken() == JsonToken.PROPERTY_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("NodeNames") && value == JsonToken.START_ARRAY) {
          names = new ArrayList<>();
          while (p.nextToken() == JsonToken.VALUE_STRING) {
            names.add(p.getString());
          }
        } else if (field.equals("Error") && value == JsonToken.VALUE_STRING) {
          error = p.getString();
        } else {
          p.skipChildren();
        }
      }
    }
    if (!error.isEmpty()) {
      throw new IllegalStateException("filter answered Error: " + error);
    }
    if (names == null) {
      throw new IllegalStateException("filter answer has no NodeNames array: " + preview(filterAnswer));
    }
    return names;
  }

  private static String preview(byte[] body) {
    String s = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8);
    return body.length > 200 ? s + "..." : s;
  }
}
