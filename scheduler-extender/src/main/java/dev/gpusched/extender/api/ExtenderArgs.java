package dev.gpusched.extender.api;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code ExtenderArgs}: the body of filter and prioritize. Exactly one of {@link #nodeItems} (full {@code Nodes}, when the
 * extender is not nodeCacheCapable) or {@link #nodeNames} (names only) is present; {@link #candidateNames()} gives the
 * names either way, in request order.
 *
 * @param nodeItems the raw Node objects of {@code Nodes.items}, echoed back unchanged in a filter answer; null in names mode
 */
public record ExtenderArgs(Pod pod, List<JsonNode> nodeItems, List<String> nodeNames, List<String> candidateNames) {
  /** More candidate nodes than any cluster kube-scheduler supports (5,000 nodes is its tested limit). */
  public static final int MAX_NODES = 50_000;

  public boolean namesMode() {
    return nodeNames != null;
  }

  public static ExtenderArgs decode(byte[] body) {
    ObjectNode root = WireJson.parseObject(body, "ExtenderArgs with Pod and Nodes or NodeNames");
    Pod pod = WireJson.toPod(root.get("Pod"));
    JsonNode names = root.get("NodeNames");
    JsonNode nodes = root.get("Nodes");
    boolean hasNames = names != null && !names.isNull();
    boolean hasNodes = nodes != null && !nodes.isNull();
    if (hasNames) {
      if (!names.isArray()) {
        throw new BadRequestException("\"NodeNames\" must be an array of node names, got " + kind(names));
      }
      checkSize(names.size());
      List<String> list = new ArrayList<>(names.size());
      for (JsonNode n : names) {
        if (!n.isString() || n.stringValue().isEmpty()) {
          throw new BadRequestException("\"NodeNames\" must hold non-empty strings, found " + kind(n));
        }
        list.add(n.stringValue());
      }
      return new ExtenderArgs(pod, null, list, list);
    }
    if (hasNodes) {
      if (!nodes.isObject()) {
        throw new BadRequestException("\"Nodes\" must be a NodeList object with \"items\", got " + kind(nodes));
      }
      JsonNode items = nodes.get("items");
      if (items == null || items.isNull()) {
        return new ExtenderArgs(pod, List.of(), null, List.of());
      }
      if (!items.isArray()) {
        throw new BadRequestException("\"Nodes.items\" must be an array of Node objects, got " + kind(items));
      }
      checkSize(items.size());
      List<JsonNode> raw = new ArrayList<>(items.size());
      List<String> list = new ArrayList<>(items.size());
      for (JsonNode item : items) {
        JsonNode name = item.path("metadata").path("name");
        if (!name.isString() || name.stringValue().isEmpty()) {
          throw new BadRequestException("every item of \"Nodes.items\" needs metadata.name (a string)");
        }
        raw.add(item);
        list.add(name.stringValue());
      }
      return new ExtenderArgs(pod, raw, null, list);
    }
    throw new BadRequestException(
        "neither \"NodeNames\" nor \"Nodes\" is set: kube-scheduler sends NodeNames when nodeCacheCapable is true, else Nodes");
  }

  private static void checkSize(int n) {
    if (n > MAX_NODES) {
      throw new BadRequestException(n + " candidate nodes is more than gpusched accepts (" + MAX_NODES + ")");
    }
  }

  static String kind(JsonNode n) {
    return n.getNodeType().name().toLowerCase();
  }
}
