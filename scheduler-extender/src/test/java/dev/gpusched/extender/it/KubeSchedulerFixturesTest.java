package dev.gpusched.extender.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.testing.TestData;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Replays the exact bytes a real kube-scheduler sent (testdata/kube-scheduler) against a standalone gpusched
 * whose cluster holds the same three 8-GPU nodes, in both nodeCacheCapable modes, and checks the answers' shape and sense.
 */
class KubeSchedulerFixturesTest {
  private static Standalone gpusched;
  private static final List<String> ANSWER_KEYS = List.of("Nodes", "NodeNames", "FailedNodes", "FailedAndUnresolvableNodes", "Error");

  @BeforeAll
  static void start() throws Exception {
    JsonNode request = Standalone.JSON.readTree(TestData.read("kube-scheduler/nodecache-false/001-filter-request.raw.json"));
    List<HasMetadata> objects = new ArrayList<>();
    for (JsonNode item : request.path("Nodes").path("items")) {
      objects.add(dev.gpusched.extender.testing.KubeJson.SERIALIZATION.convertValue(item, Node.class));
    }
    // Six of gpu-node-3's eight GPUs are taken, so a 4-GPU pod must be refused there with a reason.
    Pod busy = Standalone.gpuPod("default", "busy", 6, Map.of("gpusched.dev/gpu-ids", "0,1,2,3,4,5"));
    busy.getSpec().setNodeName("gpu-node-3");
    busy.getStatus().setPhase("Running");
    objects.add(busy);
    gpusched = Standalone.start(objects).answeringAllFitting(); // the captured requests' answers, every fitting node
  }

  @AfterAll
  static void stop() {
    gpusched.close();
  }

  private static HttpResponse<String> replay(String file) throws Exception {
    return gpusched.post("/scheduler/" + verbOf(file), TestData.read("kube-scheduler/" + file));
  }

  private static String verbOf(String file) {
    String name = file.substring(file.lastIndexOf('/') + 1);
    return name.split("-")[1];
  }

  @Test
  void filterWithFullNodeListEchoesThePassingNodeObjects() throws Exception {
    HttpResponse<String> r = replay("nodecache-false/001-filter-request.raw.json");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode answer = gpusched.json(r);
    assertThat(answer.propertyNames()).containsExactlyInAnyOrderElementsOf(ANSWER_KEYS);
    assertThat(answer.get("NodeNames").isNull()).isTrue();
    assertThat(answer.path("Error").asString()).isEmpty();
    JsonNode request = Standalone.JSON.readTree(TestData.read("kube-scheduler/nodecache-false/001-filter-request.raw.json"));
    // A 1-GPU pod fits on all three nodes (gpu-node-3 still has 2 free): the items come back unchanged.
    assertThat(answer.path("Nodes").path("items")).isEqualTo(request.path("Nodes").path("items"));
  }

  @Test
  void filterInNamesModeAnswersNamesAndReasons() throws Exception {
    JsonNode answer = gpusched.json(replay("nodecache-true/003-filter-request.raw.json")); // filler-a asks for 7 GPUs
    assertThat(answer.propertyNames()).containsExactlyInAnyOrderElementsOf(ANSWER_KEYS);
    assertThat(answer.get("Nodes").isNull()).isTrue();
    assertThat(names(answer.path("NodeNames"))).containsExactly("gpu-node-2", "gpu-node-1");
    JsonNode six = gpusched.json(replay("nodecache-true/006-filter-request.raw.json")); // preemptor: 2 GPUs on gpu-node-3
    assertThat(names(six.path("NodeNames"))).containsExactly("gpu-node-3");
  }

  @Test
  void everyCapturedFilterAndPrioritizeIsAnswered() throws Exception {
    for (String file : List.of("nodecache-false/001-filter-request.raw.json", "nodecache-false/002-prioritize-request.raw.json",
        "nodecache-true/001-filter-request.raw.json", "nodecache-true/002-prioritize-request.raw.json",
        "nodecache-true/003-filter-request.raw.json", "nodecache-true/004-prioritize-request.raw.json",
        "nodecache-true/005-filter-request.raw.json", "nodecache-true/006-filter-request.raw.json",
        "nodecache-true/008-filter-request.raw.json", "nodecache-true/009-filter-request.raw.json",
        "nodecache-false-preempt/002-filter-request.raw.json")) {
      HttpResponse<String> r = replay(file);
      assertThat(r.statusCode()).as(file).isEqualTo(200);
      JsonNode answer = gpusched.json(r);
      if (file.contains("prioritize")) {
        assertThat(answer.isArray()).as(file).isTrue();
        for (JsonNode hp : answer) {
          assertThat(hp.propertyNames()).containsExactlyInAnyOrder("Host", "Score");
          assertThat(hp.get("Score").isInt()).isTrue();
          assertThat(hp.get("Score").intValue()).isBetween(0, 10);
        }
      } else {
        assertThat(answer.path("Error").asString()).as(file).isEmpty();
      }
    }
  }

  @Test
  void prioritizePrefersTheFullerNodeForBinpacking() throws Exception {
    String body = Standalone.filterBody(Standalone.gpuPod("default", "p", 1, Map.of()), List.of("gpu-node-1", "gpu-node-3"));
    JsonNode answer = gpusched.json(gpusched.post("/scheduler/prioritize", body));
    assertThat(answer.get(0).path("Host").asString()).isEqualTo("gpu-node-1");
    assertThat(answer.get(1).path("Score").intValue()).isGreaterThan(answer.get(0).path("Score").intValue());
  }

  @Test
  void rejectedNodeGetsAReasonAPersonUnderstands() throws Exception {
    String body = Standalone.filterBody(Standalone.gpuPod("default", "four", 4, Map.of()), List.of("gpu-node-1", "gpu-node-3"));
    JsonNode answer = gpusched.json(gpusched.post("/scheduler/filter", body));
    assertThat(names(answer.path("NodeNames"))).containsExactly("gpu-node-1");
    assertThat(answer.path("FailedNodes").path("gpu-node-3").asString()).isEqualTo("needs 4 GPUs, 2 free");
  }

  @Test
  void podWithoutGpuPassesUntouched() throws Exception {
    Pod cpu = Standalone.gpuPod("default", "cpu", 0, Map.of());
    cpu.getSpec().getContainers().get(0).getResources().setRequests(Map.of());
    cpu.getSpec().getContainers().get(0).getResources().setLimits(Map.of());
    JsonNode answer = gpusched.json(gpusched.post("/scheduler/filter",
        Standalone.filterBody(cpu, List.of("gpu-node-3", "no-such-node"))));
    assertThat(names(answer.path("NodeNames"))).containsExactly("gpu-node-3", "no-such-node");
    assertThat(answer.path("FailedNodes").size()).isZero();
  }

  @Test
  void preemptWithMetaVictimsKeepsNodesWhereEvictionHelps() throws Exception {
    JsonNode answer = gpusched.json(replay("nodecache-true/007-preempt-request.raw.json"));
    JsonNode expected = Standalone.JSON.readTree(TestData.read("kube-scheduler/nodecache-true/007-preempt-response.json"));
    assertThat(answer).isEqualTo(expected);
  }

  @Test
  void preemptWithFullVictimsAnswersMetaVictims() throws Exception {
    // An 8-GPU preemptor: gpu-node-3 has 6 GPUs held by "busy", which is not among the proposed victims there,
    // so evicting them cannot make room: gpusched drops gpu-node-3 and keeps gpu-node-1.
    JsonNode answer = gpusched.json(replay("nodecache-false-preempt/001-preempt-request.raw.json"));
    assertThat(answer.propertyNames()).containsExactly("NodeNameToMetaVictims");
    JsonNode victims = answer.path("NodeNameToMetaVictims");
    assertThat(names(victims)).containsExactly("gpu-node-1");
    assertThat(victims.path("gpu-node-1").path("Pods").get(0).path("UID").asString())
        .isEqualTo("03ee0d51-eefb-49a7-8070-81b9730bc911");
  }

  private static List<String> names(JsonNode node) {
    List<String> out = new ArrayList<>();
    if (node.isArray()) {
      node.forEach(n -> out.add(n.asString()));
    } else {
      out.addAll(node.propertyNames());
    }
    return out;
  }
}
