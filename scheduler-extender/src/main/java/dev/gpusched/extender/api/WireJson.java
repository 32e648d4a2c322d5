package dev.gpusched.extender.api;

import io.fabric8.kubernetes.api.model.Pod;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * JSON of the kube-scheduler extender protocol ({@code k8s.io/kube-scheduler/extender/v1}): the Go structs carry no json
 * tags, so every key is the Go field name (PascalCase); embedded Pods and Nodes are ordinary Kubernetes JSON.
 *
 * <p>Parsing is strict (duplicate keys rejected, nesting depth bounded) because a request that means two things must not
 * be guessed at.
 */
public final class WireJson {
  /** Deeper than any real Pod; deep enough to stop a nesting bomb long before the stack is at risk. */
  public static final int MAX_NESTING_DEPTH = 64;

  private static final JsonMapper MAPPER =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
                  .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                  .build())
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();
  /** fabric8's model types carry their own Jackson annotations and (de)serializers: a plain mapper reads them. */
  private static final JsonMapper MODEL = JsonMapper.builder().build();

  private WireJson() {}

  public static JsonNodeFactory nodes() {
    return MAPPER.getNodeFactory();
  }

  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  public static ArrayNode array() {
    return MAPPER.createArrayNode();
  }

  /** Parses a request body into a JSON object, or explains why it is not one. */
  public static ObjectNode parseObject(byte[] body, String what) {
    if (body == null || body.length == 0) {
      throw new BadRequestException("empty body: expected a JSON object (" + what + ")");
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(body);
    } catch (JacksonException e) {
      throw new BadRequestException("malformed JSON: " + firstLine(e.getOriginalMessage())
          + locationOf(e) + "; expected a JSON object (" + what + ")");
    }
    if (root == null || !root.isObject()) {
      throw new BadRequestException("expected a JSON object (" + what + "), got "
          + (root == null ? "nothing" : root.getNodeType().name().toLowerCase()));
    }
    return (ObjectNode) root;
  }

  /** Converts the {@code Pod} member into fabric8's model, or explains what is wrong with it. */
  public static Pod toPod(JsonNode podJson) {
    if (podJson == null || podJson.isNull() || podJson.isMissingNode()) {
      throw new BadRequestException("missing \"Pod\": the request must carry the pod being scheduled");
    }
    if (!podJson.isObject()) {
      throw new BadRequestException("\"Pod\" must be a Kubernetes Pod object, got " + podJson.getNodeType().name().toLowerCase());
    }
    Pod pod;
    try {
      pod = MODEL.convertValue(podJson, Pod.class);
    } catch (RuntimeException e) {
      throw new BadRequestException("\"Pod\" is not a valid Kubernetes Pod: " + firstLine(e.getMessage()));
    }
    if (pod.getMetadata() == null || isBlank(pod.getMetadata().getName())) {
      throw new BadRequestException("\"Pod\" has no metadata.name: expected a Pod with metadata.name and metadata.namespace");
    }
    return pod;
  }

  /** A streaming writer onto {@code out}, for answers too large to build as a tree first. */
  public static tools.jackson.core.JsonGenerator generator(java.io.OutputStream out) {
    return MAPPER.createGenerator(out);
  }

  public static byte[] write(JsonNode node) {
    return MAPPER.writeValueAsBytes(node);
  }

  public static String writeString(Object value) {
    return MAPPER.writeValueAsString(value);
  }

  public static JsonNode valueToTree(Object value) {
    return MAPPER.valueToTree(value);
  }

  static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  private static String locationOf(JacksonException e) {
    var loc = e.getLocation();
    return loc == null || loc.getLineNr() < 0 ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
  }

  static String firstLine(String s) {
    if (s == null) {
      return "(no detail)";
    }
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }
}
