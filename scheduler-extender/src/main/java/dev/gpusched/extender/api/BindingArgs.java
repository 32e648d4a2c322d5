package dev.gpusched.extender.api;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code ExtenderBindingArgs}: bind pod {@code PodNamespace/PodName} (uid {@code PodUID}) to {@code Node}. */
public record BindingArgs(String podName, String podNamespace, String podUid, String node) {
  public static BindingArgs decode(byte[] body) {
    ObjectNode root = WireJson.parseObject(body, "ExtenderBindingArgs with PodName, PodNamespace, PodUID, Node");
    return new BindingArgs(
        required(root, "PodName"), required(root, "PodNamespace"), required(root, "PodUID"), required(root, "Node"));
  }

  private static String required(ObjectNode root, String key) {
    JsonNode v = root.get(key);
    if (v == null || v.isNull()) {
      throw new BadRequestException("missing \"" + key + "\": ExtenderBindingArgs needs PodName, PodNamespace, PodUID and Node");
    }
    if (!v.isString() || v.stringValue().isBlank()) {
      throw new BadRequestException("\"" + key + "\" must be a non-empty string, got " + ExtenderArgs.kind(v));
    }
    return v.stringValue();
  }

  public String podKey() {
    return podNamespace + "/" + podName;
  }
}
