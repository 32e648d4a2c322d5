package dev.gpusched.extender.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.http.ServerLimits;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Every class of bad input gets a clear error, never a stack trace or a crash, and leaves the ledger unchanged. */
class BadInputTest {
  private static Standalone gpusched;
  private String ledgerBefore;

  @BeforeAll
  static void start() throws Exception {
    List<HasMetadata> objects = new ArrayList<>();
    objects.add(Standalone.gpuNode("node-a", 8, "NVIDIA-H100-80GB-HBM3"));
    Pod held = Standalone.gpuPod("ml", "held", 3, Map.of("gpusched.dev/gpu-ids", "0,1,2"));
    held.getSpec().setNodeName("node-a");
    held.getStatus().setPhase("Running");
    objects.add(held);
    gpusched = Standalone.start(objects, new ServerLimits(64 * 1024, 16 * 1024, 30));
  }

  @AfterAll
  static void stop() {
    gpusched.close();
  }

  @BeforeEach
  void recordLedger() throws Exception {
    ledgerBefore = gpusched.get("/inspect/node-a").body();
  }

  @AfterEach
  void ledgerUnchanged() throws Exception {
    assertThat(gpusched.get("/inspect/node-a").body()).isEqualTo(ledgerBefore);
    assertThat(gpusched.get("/healthz").statusCode()).isEqualTo(200);
  }

  private static String errorOf(HttpResponse<String> r) {
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ");
    return Standalone.JSON.readTree(r.body()).path("Error").asString();
  }

  @Test
  void malformedJson() throws Exception {
    HttpResponse<String> r = gpusched.post("/scheduler/filter", "{\"Pod\": {\"metadata\": ");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(errorOf(r)).startsWith("malformed JSON").contains("expected a JSON object");
  }

  @Test
  void notAnObject() throws Exception {
    HttpResponse<String> r = gpusched.post("/scheduler/prioritize", "[1,2,3]");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(errorOf(r)).contains("expected a JSON object").contains("got array");
  }

  @Test
  void missingPod() throws Exception {
    HttpResponse<String> r = gpusched.post("/scheduler/filter", "{\"NodeNames\":[\"node-a\"]}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(errorOf(r)).contains("missing \"Pod\"");
  }

  @Test
  void wrongTypes() throws Exception {
    Pod p = Standalone.gpuPod("ml", "x", 1, Map.of());
    String body = Standalone.filterBody(p, List.of("node-a")).replace("[\"node-a\"]", "\"node-a\"");
    HttpResponse<String> r = gpusched.post("/scheduler/filter", body);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(errorOf(r)).contains("\"NodeNames\" must be an array of node names, got string");
    HttpResponse<String> pod = gpusched.post("/scheduler/filter", "{\"Pod\":42,\"NodeNames\":[]}");
    assertThat(errorOf(pod)).contains("\"Pod\" must be a Kubernetes Pod object, got number");
    HttpResponse<String> containers = gpusched.post("/scheduler/filter",
        "{\"Pod\":{\"metadata\":{\"name\":\"x\",\"namespace\":\"ml\"},\"spec\":{\"containers\":\"gpu\"}},\"NodeNames\":[]}");
    assertThat(containers.statusCode()).isEqualTo(400);
    assertThat(errorOf(containers)).contains("\"Pod\" is not a valid Kubernetes Pod");
  }

  @Test
  void duplicateKeys() throws Exception {
    HttpResponse<String> r = gpusched.post("/scheduler/bind",
        "{\"PodName\":\"a\",\"PodName\":\"b\",\"PodNamespace\":\"ml\",\"PodUID\":\"u\",\"Node\":\"node-a\"}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(errorOf(r)).contains("Duplicate").contains("PodName");
  }

  @Test
  void deeplyNested() throws Exception {
    String deep = "{\"Pod\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
    HttpResponse<String> r = gpusched.post("/scheduler/filter", deep);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(errorOf(r)).contains("malformed JSON").containsIgnoringCase("nesting depth");
  }

  @Test
  void bodyOverTheLimit() throws Exception {
    String huge = "{\"Pod\":{\"metadata\":{\"name\":\"" + "x".repeat(100 * 1024) + "\"}},\"NodeNames\":[]}";
    HttpResponse<String> r = gpusched.post("/scheduler/filter", huge);
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(errorOf(r)).contains("larger than the limit of 65536 bytes");
  }

  @Test
  void wrongContentType() throws Exception {
    HttpResponse<String> r = gpusched.post("/scheduler/filter", "Pod=x", "application/x-www-form-urlencoded");
    assertThat(r.statusCode()).isEqualTo(415);
    assertThat(errorOf(r)).contains("Content-Type must be application/json");
  }

  @Test
  void unknownNodesAreFailedWithAReason() throws Exception {
    Pod p = Standalone.gpuPod("ml", "x", 1, Map.of());
    JsonNode a = gpusched.json(gpusched.post("/scheduler/filter", Standalone.filterBody(p, List.of("ghost-1", "node-a"))));
    assertThat(a.path("NodeNames").get(0).asString()).isEqualTo("node-a");
    assertThat(a.path("FailedNodes").path("ghost-1").asString()).contains("does not know node ghost-1");
    HttpResponse<String> bind = gpusched.post("/scheduler/bind",
        "{\"PodName\":\"nope\",\"PodNamespace\":\"ml\",\"PodUID\":\"u\",\"Node\":\"ghost-1\"}");
    assertThat(bind.statusCode()).isEqualTo(200);
    assertThat(errorOf(bind)).contains("not in gpusched's cache");
  }

  @Test
  void absurdAndMalformedAnnotations() throws Exception {
    Map<String, String> cases = Map.of(
        "gpusched.dev/gpu-memory", "lots",
        "gpusched.dev/intra-node", "telepathy",
        "gpusched.dev/placement", "random",
        "gpusched.dev/gpu-model", "|||");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      Pod p = Standalone.gpuPod("ml", "bad", 1, Map.of(c.getKey(), c.getValue()));
      HttpResponse<String> r = gpusched.post("/scheduler/filter", Standalone.filterBody(p, List.of("node-a")));
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(errorOf(r)).as(c.getKey()).startsWith("pod ml/bad: " + c.getKey());
      HttpResponse<String> prio = gpusched.post("/scheduler/prioritize", Standalone.filterBody(p, List.of("node-a")));
      assertThat(prio.statusCode()).isEqualTo(400);
      assertThat(errorOf(prio)).contains(c.getKey());
    }
    Pod huge = Standalone.gpuPod("ml", "huge", 1, Map.of("gpusched.dev/gpu-memory", "900Pi"));
    assertThat(errorOf(gpusched.post("/scheduler/filter", Standalone.filterBody(huge, List.of("node-a")))))
        .contains("more than any GPU holds");
    Pod greedy = Standalone.gpuPod("ml", "greedy", 100000, Map.of());
    assertThat(errorOf(gpusched.post("/scheduler/filter", Standalone.filterBody(greedy, List.of("node-a")))))
        .contains("is more than 64 whole GPUs");
  }

  @Test
  void unknownPathAndMethod() throws Exception {
    assertThat(errorOf(gpusched.post("/scheduler/nope", "{}"))).contains("no such endpoint");
    HttpResponse<String> r = gpusched.get("/inspect/ghost");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(errorOf(r)).contains("unknown to gpusched");
  }
}
