package dev.gpusched.extender.cli;

import static dev.gpusched.extender.catalog.CatalogDocuments.annotation;
import static dev.gpusched.extender.catalog.CatalogDocuments.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.catalog.CatalogDocuments;
import dev.gpusched.extender.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code gpusched catalog}: the endpoint's entities from files, once; bad options exit 2 naming the option. */
class CatalogCommandTest {
  @TempDir
  Path dir;

  @Test
  void printsTheExampleClustersPoolsAndMlServices() throws Exception {
    Path examples = TestData.projectRoot().resolve("deploy/examples");
    Path out = dir.resolve("catalog.yaml");
    CommandRun r = CommandRun.of("catalog", "--cluster-file", examples.resolve("cluster.yaml").toString(),
        "--cluster-file", examples.resolve("mlservices.yaml").toString(), "--output", out.toString(),
        "--catalog-namespace", "gpu-prod", "--catalog-system", "gpu-prod", "--grafana-url", "https://grafana.example.com");
    assertThat(r.code()).as(r.err()).isZero();
    Map<String, JsonNode> entities = CatalogDocuments.read(Files.readString(out));
    assertThat(entities.keySet()).containsExactly("System:gpu-prod",
        "Resource:nvidia-a100-pcie-40gb.leaf-2", "Resource:nvidia-h100-80gb-hbm3.leaf-1",
        "Resource:nvidia-h100-80gb-hbm3.leaf-2", "Resource:nvidia-l40s.leaf-3",
        "Component:bert-train.ml-train", "Component:idle.ml-serve", "Component:llm-serve.ml-serve");
    JsonNode llm = entities.get("Component:llm-serve.ml-serve");
    assertThat(llm.path("metadata").path("namespace").asString()).isEqualTo("gpu-prod");
    assertThat(spec(llm, "system")).containsExactly("gpu-prod");
    assertThat(spec(llm, "dependsOn")).containsExactly("resource:nvidia-h100-80gb-hbm3.leaf-1",
        "resource:nvidia-h100-80gb-hbm3.leaf-2");
    // The command is not the scheduler: it holds no gang state.
    assertThat(annotation(entities.get("Component:bert-train.ml-train"), "gpusched.dev/gang-state")).isEqualTo("unknown");
    assertThat(annotation(entities.get("Resource:nvidia-a100-pcie-40gb.leaf-2"), "gpusched.dev/free-gpus")).isEqualTo("3");
  }

  @Test
  void badCatalogOptionsAreRefusedNamingTheOption() {
    String cluster = TestData.projectRoot().resolve("deploy/examples/cluster.yaml").toString();
    CommandRun system = CommandRun.of("catalog", "--cluster-file", cluster, "--catalog-system", "GPU cluster");
    assertThat(system.code()).isEqualTo(2);
    assertThat(system.err()).contains("--catalog-system \"GPU cluster\" is not a Backstage entity name");
    CommandRun grafana = CommandRun.of("catalog", "--cluster-file", cluster, "--grafana-url", "grafana:3000");
    assertThat(grafana.code()).isEqualTo(2);
    assertThat(grafana.err()).contains("--grafana-url");
    CommandRun serve = CommandRun.of("serve", "--port=0", "--catalog-namespace", "Prod");
    assertThat(serve.code()).isEqualTo(2);
    assertThat(serve.err()).contains("--catalog-namespace \"Prod\"");
    CommandRun missing = CommandRun.of("catalog", "--cluster-file", dir.resolve("none.yaml").toString());
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("none.yaml does not exist");
  }
}
