package dev.gpusched.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpusched.bench.TestData;
import dev.gpusched.bench.jmh.SyntheticCluster;
import dev.gpusched.extender.api.ExtenderArgs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The load tool's bodies are kube-scheduler's captured request with only NodeNames replaced. */
class RequestBodiesTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private final Path template = RequestBodies.defaultTemplate(TestData.dir());

  @Test
  void bodyKeepsTheCapturedPodAndReplacesNodeNames() throws Exception {
    RequestBodies bodies = RequestBodies.fromTemplate(template);
    byte[] body = bodies.body(List.of("gpu-node-00001", "gpu-node-00002"));
    JsonNode sent = JSON.readTree(body);
    JsonNode captured = JSON.readTree(Files.readString(template));
    assertThat(sent.get("Pod")).isEqualTo(captured.get("Pod"));
    assertThat(sent.get("Nodes").isNull()).isTrue();
    assertThat(sent.get("NodeNames")).hasSize(2);
    ExtenderArgs args = ExtenderArgs.decode(body);
    assertThat(args.namesMode()).isTrue();
    assertThat(args.nodeNames()).containsExactly("gpu-node-00001", "gpu-node-00002");
  }

  @Test
  void aDistinctShapeChangesOnlyTheCpuRequest() throws Exception {
    RequestBodies bodies = RequestBodies.fromTemplate(template);
    RequestBodies other = bodies.withCpuMilli(1234);
    JsonNode before = JSON.readTree(bodies.body(List.of("n")));
    JsonNode after = JSON.readTree(other.body(List.of("n")));
    assertThat(after.path("Pod").path("spec").path("containers").get(0).path("resources").path("requests").path("cpu")
        .asString()).isEqualTo("1234m");
    ((tools.jackson.databind.node.ObjectNode) after.path("Pod").path("spec").path("containers").get(0).path("resources")
        .path("requests")).set("cpu", before.path("Pod").path("spec").path("containers").get(0).path("resources")
        .path("requests").path("cpu"));
    assertThat(after).as("nothing else differs").isEqualTo(before);
    assertThat(dev.gpusched.extender.model.PodDemandParser.parse(ExtenderArgs.decode(other.body(List.of("n"))).pod())
        .cpuMilli()).isEqualTo(1234);
  }

  @Test
  void newGpuShapesGiveEveryPairAGpuModelListThatAllProductsMatch() throws Exception {
    RequestBodies bodies = RequestBodies.fromTemplate(template);
    assertThat(PodShapes.SAME.pod(bodies, 7)).isSameAs(bodies);
    dev.gpusched.extender.model.PodDemand base =
        dev.gpusched.extender.model.PodDemandParser.parse(ExtenderArgs.decode(bodies.body(List.of("n"))).pod());
    dev.gpusched.extender.model.PodDemand seventh = dev.gpusched.extender.model.PodDemandParser.parse(
        ExtenderArgs.decode(PodShapes.NEW_GPU.pod(bodies, 7).body(List.of("n"))).pod());
    dev.gpusched.extender.model.PodDemand eighth = dev.gpusched.extender.model.PodDemandParser.parse(
        ExtenderArgs.decode(PodShapes.NEW_GPU.pod(bodies, 8).body(List.of("n"))).pod());
    assertThat(seventh.allowedModels()).containsExactly("a", "model-7");
    assertThat(eighth.allowedModels()).containsExactly("a", "model-8");
    assertThat(seventh.gpus()).isEqualTo(base.gpus());
    assertThat(seventh.cpuMilli()).isEqualTo(base.cpuMilli());
    assertThat(PodShapes.NEW_CPU.pod(bodies, 7).body(List.of("n"))).isNotEqualTo(bodies.body(List.of("n")));
    assertThat(PodShapes.of("new-gpu")).isEqualTo(PodShapes.NEW_GPU);
    for (String product : List.of("NVIDIA-H100-80GB-HBM3", "Tesla-V100-SXM2-32GB", "NVIDIA-L40S", "NVIDIA-GB200")) {
      assertThat(product.toLowerCase(java.util.Locale.ROOT)).as("every product matches the list's first entry")
          .contains(seventh.allowedModels().get(0));
    }
  }

  @Test
  void nullExtenderPassesEveryNodeWithEqualScores() {
    RequestBodies bodies = RequestBodies.fromTemplate(template);
    List<String> names = SyntheticCluster.nodeNames(3);
    NullExtender nullExtender = new NullExtender();
    byte[] answer = nullExtender.filter(bodies.body(names)).toJson();
    assertThat(RequestBodies.survivors(answer)).isEqualTo(names);
    JsonNode scores = JSON.readTree(nullExtender.prioritize(bodies.body(names)).toJson());
    assertThat(scores).hasSize(3);
    for (int i = 0; i < 3; i++) {
      assertThat(scores.get(i).get("Host").asString()).isEqualTo(names.get(i));
      assertThat(scores.get(i).get("Score").asInt()).isEqualTo(NullExtender.EQUAL_SCORE);
    }
  }

  @Test
  void survivorsRefuseAnErrorAnswer() {
    byte[] answer = "{\"Nodes\":null,\"NodeNames\":null,\"FailedNodes\":{},\"Error\":\"not synced\"}"
        .getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> RequestBodies.survivors(answer)).hasMessageContaining("not synced");
  }

  @Test
  void aTemplateWithoutPodIsRefusedWithWhatIsExpected(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.json"), "{\"NodeNames\":[]}");
    assertThatThrownBy(() -> RequestBodies.fromTemplate(bad)).hasMessageContaining("with a \"Pod\" object");
  }

  @Test
  void durationsAcceptTheDocumentedForms() {
    assertThat(DurationText.parse("10m")).hasMinutes(10);
    assertThat(DurationText.parse("500ms")).hasMillis(500);
    assertThat(DurationText.format(DurationText.parse("30s"))).isEqualTo("30s");
  }
}
