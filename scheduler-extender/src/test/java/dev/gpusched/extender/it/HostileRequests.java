package dev.gpusched.extender.it;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A seeded generator of hostile extender requests: the same seed gives the same requests, so a failure is reproduced by
 * re-running with its seed. Every request is one that must be rejected or answered without changing the ledger (binds
 * name pods that do not exist or nodes gpusched does not know).
 */
public final class HostileRequests {
  /** What kind of hostility a request carries (the suite counts outcomes per class). */
  public enum Kind {
    TRUNCATED, DEEP_NESTING, OVERSIZED, WRONG_TYPES, UNKNOWN_NODES, HUGE_NODE_LIST, BAD_ANNOTATIONS, DUPLICATE_KEYS,
    WRONG_CONTENT_TYPE, GARBAGE_BYTES, WRONG_ROUTE, BAD_BIND, VALID_READ_ONLY
  }

  /** One HTTP request: method, path, content type (null: none), body. */
  public record Request(Kind kind, String method, String path, String contentType, byte[] body) {
  }

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final String[] VERBS = {"filter", "prioritize", "preempt"};
  private static final String[] ANNOTATION_KEYS = {"gpusched.dev/gpu-memory", "gpusched.dev/intra-node",
      "gpusched.dev/inter-node", "gpusched.dev/placement", "gpusched.dev/gpu-model", "gpusched.dev/gang",
      "gpusched.dev/gang-size", "gpusched.dev/gang-timeout", "gpusched.dev/gpu-ids", "gpusched.dev/gpu-topology",
      "gpusched.dev/unknown-key"};
  private static final String[] ABSURD_VALUES = {"", " ", "-1", "0", "1e309", "99999999999999999999", "NaN", "lots",
      "20Gi20Gi", "-20Gi", "1Ei", "nvlink,numa", "same-galaxy", "\u0000", "\uD83D\uDE80", "a|b|c|".repeat(200),
      "x".repeat(70_000), "0,0,0", "0-7", "-3", "300000h", "1.5", "true", "null", "{}", "[]", "%s%n", "../../etc/passwd"};

  private final Random random;
  private final List<String> knownNodes;
  private final long maxBody;

  public HostileRequests(long seed, List<String> knownNodes, long maxBody) {
    this.random = new Random(seed);
    this.knownNodes = knownNodes;
    this.maxBody = maxBody;
  }

  /** {@code count} requests, each class in proportion (the huge ones rarer: they cost megabytes each). */
  public List<Request> generate(int count) {
    List<Request> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int r = random.nextInt(1000);
      Kind kind;
      if (r < 3) {
        kind = Kind.OVERSIZED;
      } else if (r < 5) {
        kind = Kind.HUGE_NODE_LIST;
      } else {
        Kind[] common = {Kind.TRUNCATED, Kind.DEEP_NESTING, Kind.WRONG_TYPES, Kind.UNKNOWN_NODES, Kind.BAD_ANNOTATIONS,
            Kind.DUPLICATE_KEYS, Kind.WRONG_CONTENT_TYPE, Kind.GARBAGE_BYTES, Kind.WRONG_ROUTE, Kind.BAD_BIND,
            Kind.VALID_READ_ONLY};
        kind = common[random.nextInt(common.length)];
      }
      out.add(make(kind));
    }
    return out;
  }

  private Request make(Kind kind) {
    String verb = VERBS[random.nextInt(VERBS.length)];
    String path = "/scheduler/" + verb;
    return switch (kind) {
      case TRUNCATED -> {
        byte[] full = bytes(args(verb, validPod(), names(1 + random.nextInt(8), false)));
        int cut = random.nextInt(full.length);
        yield json(kind, path, java.util.Arrays.copyOf(full, cut));
      }
      case DEEP_NESTING -> json(kind, path, nesting(200 + random.nextInt(200_000)));
      case OVERSIZED -> {
        StringBuilder sb = new StringBuilder((int) maxBody + 64).append("{\"Pod\":{},\"NodeNames\":[");
        while (sb.length() <= maxBody) {
          sb.append("\"n").append(random.nextInt(1_000_000)).append("\",");
        }
        sb.append("\"x\"]}");
        yield json(kind, path, sb.toString().getBytes(StandardCharsets.UTF_8));
      }
      case WRONG_TYPES -> json(kind, path, bytes(wrongType(args(verb, validPod(), names(3, true)))));
      case UNKNOWN_NODES -> json(kind, "/scheduler/" + (random.nextBoolean() ? "filter" : "prioritize"),
          bytes(args("filter", validPod(), names(1 + random.nextInt(50), false))));
      case HUGE_NODE_LIST -> {
        // 100,000 names is over the cap (a clear 400); 50,000 unknown names is a valid request (all FailedNodes).
        int n = random.nextBoolean() ? 100_000 : 50_000;
        yield json(kind, "/scheduler/filter", bytes(args("filter", validPod(), names(n, false))));
      }
      case BAD_ANNOTATIONS -> {
        ObjectNode pod = validPod();
        ObjectNode ann = (ObjectNode) pod.path("metadata").path("annotations");
        int k = 1 + random.nextInt(3);
        for (int i = 0; i < k; i++) {
          ann.put(ANNOTATION_KEYS[random.nextInt(ANNOTATION_KEYS.length)], ABSURD_VALUES[random.nextInt(ABSURD_VALUES.length)]);
        }
        if (random.nextInt(4) == 0) {
          ObjectNode limits = (ObjectNode) pod.path("spec").path("containers").get(0).path("resources").path("limits");
          limits.put(random.nextBoolean() ? "nvidia.com/gpu" : "gpusched.dev/gpu-milli",
              ABSURD_VALUES[random.nextInt(ABSURD_VALUES.length)]);
        }
        yield json(kind, path, bytes(args(verb, pod, names(3, true))));
      }
      case DUPLICATE_KEYS -> {
        String pod = JSON.writeValueAsString(validPod());
        String names = JSON.writeValueAsString(names(2, true));
        String body = switch (random.nextInt(3)) {
          case 0 -> "{\"Pod\":" + pod + ",\"Pod\":" + pod + ",\"NodeNames\":" + names + "}";
          case 1 -> "{\"Pod\":" + pod + ",\"NodeNames\":" + names + ",\"NodeNames\":[\"node-a\"]}";
          default -> "{\"Pod\":" + pod.replaceFirst("\"metadata\":\\{", "\"metadata\":{\"name\":\"dup\",") + ",\"NodeNames\":"
              + names + "}";
        };
        yield json(kind, path, body.getBytes(StandardCharsets.UTF_8));
      }
      case WRONG_CONTENT_TYPE -> {
        String[] types = {null, "text/plain", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data",
            "json", "application/jsonx", ""};
        String type = types[random.nextInt(types.length)];
        if ("application/jsonx".equals(type)) {
          type = "text/json";
        }
        yield new Request(kind, "POST", path, type, bytes(args(verb, validPod(), names(2, true))));
      }
      case GARBAGE_BYTES -> {
        byte[] b = new byte[random.nextInt(4096)];
        random.nextBytes(b);
        yield json(kind, random.nextBoolean() ? path : "/scheduler/bind", b);
      }
      case WRONG_ROUTE -> {
        String[][] routes = {{"GET", "/scheduler/filter"}, {"PUT", "/scheduler/bind"}, {"DELETE", "/inspect"},
            {"POST", "/scheduler/unknown"}, {"POST", "/scheduler/"}, {"GET", "/nope"}, {"POST", "/healthz"},
            {"GET", "/inspect/no-such-node"}, {"GET", "/inspect/pod/ns/no-such-pod"}, {"PATCH", "/scheduler/filter"}};
        String[] route = routes[random.nextInt(routes.length)];
        yield new Request(kind, route[0], route[1], "application/json", route[0].equals("GET") ? new byte[0] : "{}".getBytes());
      }
      case BAD_BIND -> {
        ObjectNode b = F.objectNode();
        b.put("PodName", random.nextBoolean() ? "ghost-" + random.nextInt(1000) : "");
        b.put("PodNamespace", random.nextInt(5) == 0 ? "" : "ml");
        b.put("PodUID", random.nextBoolean() ? "not-a-uid" : java.util.UUID.randomUUID().toString());
        b.put("Node", random.nextBoolean() ? knownNodes.get(random.nextInt(knownNodes.size())) : "nowhere");
        if (random.nextInt(3) == 0) {
          b.remove(random.nextBoolean() ? "PodUID" : "Node");
        }
        yield json(kind, "/scheduler/bind", bytes(b));
      }
      case VALID_READ_ONLY -> json(kind, path, bytes(args(verb, validPod(), names(1 + random.nextInt(4), true))));
    };
  }

  private static Request json(Kind kind, String path, byte[] body) {
    return new Request(kind, "POST", path, "application/json", body);
  }

  private static byte[] bytes(JsonNode n) {
    return JSON.writeValueAsBytes(n);
  }

  private ObjectNode validPod() {
    ObjectNode pod = F.objectNode();
    ObjectNode meta = pod.putObject("metadata");
    meta.put("name", "hostile-" + random.nextInt(100_000));
    meta.put("namespace", "ml");
    meta.put("uid", java.util.UUID.randomUUID().toString());
    meta.putObject("annotations");
    ObjectNode container = pod.putObject("spec").putArray("containers").addObject();
    container.put("name", "main");
    ObjectNode limits = container.putObject("resources").putObject("limits");
    if (random.nextBoolean()) {
      limits.put("nvidia.com/gpu", Integer.toString(1 + random.nextInt(8)));
    } else {
      limits.put("gpusched.dev/gpu-milli", Integer.toString(100 * (1 + random.nextInt(9))));
    }
    return pod;
  }

  private ArrayNode names(int n, boolean known) {
    ArrayNode a = F.arrayNode(n);
    for (int i = 0; i < n; i++) {
      a.add(known ? knownNodes.get(random.nextInt(knownNodes.size())) : "unknown-node-" + i);
    }
    return a;
  }

  private ObjectNode args(String verb, ObjectNode pod, ArrayNode names) {
    ObjectNode a = F.objectNode();
    a.set("Pod", pod);
    if (verb.equals("preempt")) {
      ObjectNode victims = a.putObject("NodeNameToMetaVictims");
      for (JsonNode n : names) {
        ObjectNode v = victims.putObject(n.asString());
        v.putArray("Pods").addObject().put("UID", "victim-" + random.nextInt(100));
        v.put("NumPDBViolations", random.nextInt(3));
      }
    } else {
      a.putNull("Nodes");
      a.set("NodeNames", names);
    }
    return a;
  }

  private byte[] nesting(int depth) {
    StringBuilder sb = new StringBuilder(depth * 2 + 32).append("{\"Pod\":");
    for (int i = 0; i < depth; i++) {
      sb.append(random.nextBoolean() ? "[" : "{\"a\":");
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8); // never closed: the parser must stop at its depth limit
  }

  private JsonNode wrongType(ObjectNode args) {
    JsonNode[] wrong = {F.numberNode(42), F.stringNode("surprise"), F.arrayNode().add(1), F.objectNode().put("x", 1),
        F.nullNode(), F.booleanNode(true), F.numberNode(-1.5e300)};
    JsonNode value = wrong[random.nextInt(wrong.length)];
    ObjectNode pod = (ObjectNode) args.path("Pod");
    switch (random.nextInt(8)) {
      case 0 -> args.set("Pod", value);
      case 1 -> args.set(args.has("NodeNames") ? "NodeNames" : "NodeNameToMetaVictims", value);
      case 2 -> pod.set("metadata", value);
      case 3 -> ((ObjectNode) pod.path("metadata")).set("annotations", value);
      case 4 -> pod.set("spec", value);
      case 5 -> ((ObjectNode) pod.path("spec")).set("containers", value);
      case 6 -> ((ObjectNode) pod.path("metadata")).set("name", value);
      default -> {
        if (args.has("NodeNames")) {
          ((ArrayNode) args.path("NodeNames")).add(value);
        } else {
          args.set("Nodes", value);
        }
      }
    }
    return args;
  }
}
