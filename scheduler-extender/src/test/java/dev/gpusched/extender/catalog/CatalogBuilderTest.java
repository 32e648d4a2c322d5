package dev.gpusched.extender.catalog;

import static dev.gpusched.extender.catalog.CatalogDocuments.annotation;
import static dev.gpusched.extender.catalog.CatalogDocuments.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpusched.extender.dcgm.GpuSample;
import dev.gpusched.extender.dcgm.HealthRules;
import dev.gpusched.extender.decide.FragmentationScore;
import dev.gpusched.extender.decide.LedgerCpuView;
import dev.gpusched.extender.decide.WorkloadProfileLearner;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.extender.state.NodeInfo;
import dev.gpusched.extender.state.NodeStateBuilder;
import dev.gpusched.extender.state.NodeTelemetry;
import dev.gpusched.extender.state.PodRecord;
import dev.gpusched.extender.testing.TestData;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The entities of a small cluster, computed by hand:
 * <ul>
 *   <li>h1: 8 H100 in leaf-a; ml/train-0 holds GPUs 0-3, DCGM reports XID 79 on GPU 7 (excluded); free 4,5,6. Its pods
 *       request 62 of its 64 CPUs: 2,000 milli-CPU left feeds 500 milli-GPU at the generic profile's 4 milli-CPU per
 *       milli-GPU, so 2.5 of its 3 free GPUs are stranded;
 *   <li>h2: 8 GPUs labelled {@code nvidia-h100-80gb-hbm3} (lower case: the same product to gpusched) in leaf-a, all
 *       free, DCGM reporting, CPU unknown (nothing stranded);
 *   <li>l1: 4 L40S without a leaf label; ml/serve-0 holds half of GPU 0; no DCGM;
 *   <li>c1: no GPUs.
 * </ul>
 */
class CatalogBuilderTest {
  private static final String H100 = "NVIDIA-H100-80GB-HBM3";
  private static final String LEAF = "network.topology.nvidia.com/leaf";
  private static final CatalogSettings SETTINGS = CatalogSettings.DEFAULT.withGrafanaUrl("https://grafana.example.com/");

  private static NodeInfo node(String name, int gpus, String product, Map<String, String> labels) {
    return NodeInfo.withTopology(name, gpus, product, 81_559, labels, Map.of(), false, null);
  }

  private static NodeTelemetry dcgm(int gpus, int xidGpu) {
    GpuSample[] samples = new GpuSample[gpus];
    for (int g = 0; g < gpus; g++) {
      samples[g] = new GpuSample(g, "GPU-" + g, H100, 0, 81_000, 0, g == xidGpu ? 79 : 0, null, null);
    }
    return new NodeTelemetry(samples, Map.of(), HealthRules.DEFAULT);
  }

  private static ClusterSnapshot cluster() {
    NodeGpuState h1 = NodeStateBuilder.build(node("h1", 8, H100, Map.of(LEAF, "leaf-a")).withCpuAllocatable(64_000),
        List.of(new PodRecord("u1", "ml", "train-0", "h1", 4, 0, 0, List.of(0, 1, 2, 3), false, "t", null, 62_000)),
        List.of(), dcgm(8, 7)).withCpuRequested(62_000);
    NodeGpuState h2 = NodeStateBuilder.build(node("h2", 8, "nvidia-h100-80gb-hbm3", Map.of(LEAF, "leaf-a")), List.of(),
        List.of(), dcgm(8, -1));
    NodeGpuState l1 = NodeStateBuilder.build(node("l1", 4, "NVIDIA-L40S", Map.of()),
        List.of(new PodRecord("u2", "ml", "serve-0", "l1", 0, 500, 0, List.of(0), false, "t", null)), List.of());
    NodeGpuState c1 = NodeStateBuilder.build(node("c1", 0, "", Map.of()), List.of(), List.of());
    return ClusterSnapshot.of(1, new NodeGpuState[] {c1, l1, h2, h1});
  }

  private static final List<MlService> SERVICES = List.of(
      new MlService("ml", "train", Map.of("owner", "research", "lifecycle", ""), Map.of(),
          Set.of("ml/train-0", "ml/train-9"), "ml/train", "reserved"),
      new MlService("ml", "serve", Map.of("owner", "Bad Owner!"), Map.of(), Set.of("ml/serve-0"), null, GangStates.NONE));

  private static Map<String, JsonNode> entities() {
    FragmentationScore fragmentation = new FragmentationScore(() -> WorkloadProfileLearner.DEFAULT, new LedgerCpuView(),
        FragmentationScore.DEFAULT_MILLI_PER_POINT);
    return CatalogDocuments.read(CatalogYaml.write(
        CatalogBuilder.entities(SETTINGS, cluster(), fragmentation::strandedNow, SERVICES)));
  }

  @Test
  void oneResourcePerProductAndLeafWithItsFigures() {
    Map<String, JsonNode> e = entities();
    assertThat(e.keySet()).containsExactly("System:gpusched", "Resource:nvidia-h100-80gb-hbm3.leaf-a",
        "Resource:nvidia-l40s", "Component:serve.ml", "Component:train.ml");
    JsonNode h100 = e.get("Resource:nvidia-h100-80gb-hbm3.leaf-a");
    assertThat(h100.path("metadata").path("title").asString()).isEqualTo("NVIDIA-H100-80GB-HBM3 in leaf-a");
    assertThat(List.of("nodes", "gpus", "free-gpus", "stranded-gpus", "unhealthy-gpus", "dcgm-health", "dcgm-nodes")
        .stream().map(k -> annotation(h100, "gpusched.dev/" + k)))
        .containsExactly("2", "16", "11", "2.5", "1", "degraded", "2/2");
    JsonNode l40s = e.get("Resource:nvidia-l40s");
    assertThat(annotation(l40s, "gpusched.dev/network-leaf")).isNull();
    assertThat(List.of("gpus", "free-gpus", "stranded-gpus", "dcgm-health", "dcgm-nodes").stream()
        .map(k -> annotation(l40s, "gpusched.dev/" + k))).containsExactly("4", "3", "0", "unknown", "0/1");
    JsonNode system = e.get("System:gpusched");
    assertThat(annotation(system, "gpusched.dev/gpus")).isEqualTo("20");
    assertThat(annotation(system, "gpusched.dev/free-gpus")).isEqualTo("14");
    assertThat(spec(system, "owner")).containsExactly("ml-platform");
  }

  @Test
  void componentsDependOnTheirPoolsAndTakeOwnerAndLifecycleFromLabels() {
    Map<String, JsonNode> e = entities();
    JsonNode train = e.get("Component:train.ml");
    assertThat(spec(train, "dependsOn")).containsExactly("resource:nvidia-h100-80gb-hbm3.leaf-a");
    assertThat(spec(train, "owner")).containsExactly("research");
    assertThat(spec(train, "lifecycle")).containsExactly("production"); // an empty label is no lifecycle
    assertThat(annotation(train, "gpusched.dev/gpus")).isEqualTo("4");
    assertThat(annotation(train, "gpusched.dev/pods")).isEqualTo("1"); // train-9 is not in the cluster
    assertThat(annotation(train, "gpusched.dev/gang-state")).isEqualTo("reserved");
    JsonNode serve = e.get("Component:serve.ml");
    assertThat(spec(serve, "dependsOn")).containsExactly("resource:nvidia-l40s");
    assertThat(spec(serve, "owner")).containsExactly("ml-platform"); // "Bad Owner!" is no Backstage name
    assertThat(annotation(serve, "gpusched.dev/gpus")).isEqualTo("0.5");
    assertThat(annotation(serve, "gpusched.dev/gang")).isNull();
  }

  @Test
  void linksOpenGpuschedsDashboardAndItsPanels() throws Exception {
    Map<String, JsonNode> e = entities();
    assertThat(e.get("Component:train.ml").path("metadata").path("links").findValuesAsString("url")).containsExactly(
        "https://grafana.example.com/d/gpusched-overview?viewPanel=7",
        "https://grafana.example.com/d/gpusched-overview?viewPanel=12");
    assertThat(e.get("Component:serve.ml").path("metadata").path("links").findValuesAsString("url"))
        .containsExactly("https://grafana.example.com/d/gpusched-overview?viewPanel=7");
    assertThat(e.get("Resource:nvidia-l40s").path("metadata").path("links").findValuesAsString("url"))
        .containsExactly("https://grafana.example.com/d/gpusched-overview");
    // The uid and panels are those of the shipped dashboard.
    JsonNode dashboard = JsonMapper.builder().build().readTree(
        Files.readString(TestData.projectRoot().resolve("deploy/grafana/gpusched-dashboard.json")));
    assertThat(dashboard.path("uid").asString()).isEqualTo(CatalogBuilder.DASHBOARD_UID);
    Map<Integer, String> titles = new java.util.HashMap<>();
    dashboard.path("panels").forEach(p -> titles.put(p.path("id").asInt(), p.path("title").asString()));
    assertThat(titles.get(CatalogBuilder.PANEL_PER_NODE_GPUS)).isEqualTo("GPUs per node and model, by state");
    assertThat(titles.get(CatalogBuilder.PANEL_GANGS)).isEqualTo("Gangs by state");
  }

  @Test
  void withoutGrafanaThereAreNoLinks() {
    FragmentationScore none = new FragmentationScore(() -> WorkloadProfileLearner.DEFAULT, new LedgerCpuView(),
        FragmentationScore.DEFAULT_MILLI_PER_POINT);
    CatalogBuilder.entities(CatalogSettings.DEFAULT, cluster(), none::strandedNow, SERVICES)
        .forEach(entity -> assertThat(entity.path("metadata").has("links")).isFalse());
  }

  @Test
  void settingsAreCheckedWithAMessageNamingTheOption() {
    CatalogSettings d = CatalogSettings.DEFAULT;
    assertThatThrownBy(() -> new CatalogSettings("Prod", d.system(), "owner", "ml-platform", "lifecycle", null, null))
        .hasMessageContaining("--catalog-namespace \"Prod\"");
    assertThatThrownBy(() -> new CatalogSettings("default", "GPU cluster", "owner", "ml-platform", "lifecycle", null, null))
        .hasMessageContaining("--catalog-system");
    assertThatThrownBy(() -> new CatalogSettings("default", "gpusched", "owner", "component:x", "lifecycle", null, null))
        .hasMessageContaining("--catalog-default-owner").hasMessageContaining("group or a user");
    assertThatThrownBy(() -> d.withGrafanaUrl("grafana.example.com")).hasMessageContaining("--grafana-url");
    assertThat(new CatalogSettings("gpu-prod", "gpusched", "team", "group:default/ml-platform", "stage",
        "http://grafana.monitoring.svc:3000/grafana/", null).grafanaUrl())
        .isEqualTo("http://grafana.monitoring.svc:3000/grafana");
    assertThat(CatalogSettings.leafKeyOf(List.of("example.com/rack", "example.com/leaf"))).isEqualTo("example.com/leaf");
    assertThat(CatalogSettings.leafKeyOf(List.of("example.com/rack"))).isNull();
  }
}
