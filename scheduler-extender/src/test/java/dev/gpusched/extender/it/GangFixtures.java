package dev.gpusched.extender.it;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import tools.jackson.databind.JsonNode;

/** Nodes, gang pods and HTTP calls shared by the gang tests (all through the extender's HTTP verbs). */
final class GangFixtures {
  static final String LEAF = "network.topology.nvidia.com/leaf";
  static final String H100 = "NVIDIA-H100-80GB-HBM3";

  private GangFixtures() {}

  /** An 8-GPU node, in a leaf when {@code leaf} is not null. */
  static Node node(String name, String leaf) {
    Node n = Standalone.gpuNode(name, 8, H100);
    if (leaf != null) {
      n.getMetadata().getLabels().put(LEAF, leaf);
    }
    return n;
  }

  /** A pod of gang {@code gang} of {@code size} members asking {@code gpus} GPUs, with extra annotations. */
  static Pod member(String name, String gang, int size, int gpus, String... extra) {
    Map<String, String> ann = new HashMap<>();
    ann.put("gpusched.dev/gang", gang);
    ann.put("gpusched.dev/gang-size", Integer.toString(size));
    for (int i = 0; i + 1 < extra.length; i += 2) {
      ann.put(extra[i], extra[i + 1]);
    }
    return Standalone.gpuPod("ml", name, gpus, ann);
  }

  static JsonNode filter(Standalone s, Pod pod, List<String> nodes) throws Exception {
    return s.json(s.post("/scheduler/filter", Standalone.filterBody(pod, nodes)));
  }

  /** The nodes a filter answer passes. */
  static List<String> passed(JsonNode filterAnswer) {
    List<String> out = new java.util.ArrayList<>();
    for (JsonNode n : filterAnswer.path("NodeNames")) {
      out.add(n.asString());
    }
    return out;
  }

  /** Sends a bind without waiting; completes with the answer's Error field ("" on success). */
  static CompletableFuture<String> bindAsync(Standalone s, Pod pod, String node) {
    return s.postAsync("/scheduler/bind", s.bindBody(pod, node))
        .thenApply(r -> Standalone.JSON.readTree(r.body()).path("Error").asString());
  }

  static Pod live(Standalone s, String name) {
    return s.client.pods().inNamespace("ml").withName(name).get();
  }

  static String annotation(Standalone s, String pod, String key) {
    Pod p = live(s, pod);
    return p == null || p.getMetadata().getAnnotations() == null ? null : p.getMetadata().getAnnotations().get(key);
  }

  static String nodeOf(Standalone s, String pod) {
    Pod p = live(s, pod);
    return p == null ? null : p.getSpec().getNodeName();
  }

  static JsonNode gangs(Standalone s) throws Exception {
    return s.json(s.get("/inspect/gangs"));
  }

  /** Polls until the condition holds (API writes and informers are asynchronous); fails after 15 s. */
  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 15_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(25);
    }
  }

  /** A condition that may throw (HTTP calls), for {@link #await}. */
  interface Check {
    boolean test() throws Exception;
  }

  static BooleanSupplier check(Check c) {
    return () -> {
      try {
        return c.test();
      } catch (Exception e) {
        return false;
      }
    };
  }
}
