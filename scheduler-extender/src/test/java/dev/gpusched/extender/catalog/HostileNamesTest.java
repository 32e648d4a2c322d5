package dev.gpusched.extender.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.extender.state.NodeInfo;
import dev.gpusched.extender.state.NodeStateBuilder;
import dev.gpusched.extender.state.PodRecord;
import dev.gpusched.extender.testing.BackstageValidator;
import dev.gpusched.extender.testing.RequiresTool;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Names Kubernetes would refuse, or that meet after lower-casing and replacing characters, never become entity names
 * Backstage refuses or two entities of one name: checked against Backstage's rules in Java and by Backstage's own
 * validator.
 */
class HostileNamesTest {
  private static final String LEAF = "network.topology.nvidia.com/leaf";
  private static final String LONG = "m".repeat(250) + "-253";

  /** MLService names and namespaces: upper case, 253 characters, dots, unicode, YAML syntax, and pairs that meet. */
  private static final List<String[]> SERVICES = List.of(
      new String[] {"ml", "LLM-Serve"}, new String[] {"ml", "llm-serve"}, new String[] {"ML", "llm-serve"},
      new String[] {"ml", LONG}, new String[] {"ml", LONG + "x"}, new String[] {LONG, "a"},
      new String[] {"ml", "bert.v2"}, new String[] {"ml", "bert-v2"}, new String[] {"ml", "bert_v2"},
      new String[] {"ml", "模型-serve"}, new String[] {"ml", "модель"}, new String[] {"ml", "\uD83D\uDE80"},
      new String[] {"a-b", "c"}, new String[] {"a", "b-c"}, new String[] {"a.b", "c"}, new String[] {"a", "b.c"},
      new String[] {"", ""}, new String[] {"ml", "x: y\n---\nkind: Evil"}, new String[] {"ml", "-lead-and-trail-"},
      new String[] {"ml", "\"quoted\" 'name' #hash"});
  /** GPU products and leaves: spaces, parentheses, empty, 300 characters, and case pairs. */
  private static final List<String[]> NODES = List.of(
      new String[] {"NVIDIA H100 (80GB)", "leaf-1"}, new String[] {"", "leaf-1"}, new String[] {"P".repeat(300), null},
      new String[] {"Nvidia-A100", "Leaf-A"}, new String[] {"NVIDIA-A100", "leaf-a"}, new String[] {"NVIDIA-A100", null},
      new String[] {"nvidia-a100", "leaf-a"}, new String[] {"GPU/\u00e9t\u00e9", "x.y"}, new String[] {"gpu-ete", "x-y"});

  private static List<JsonNode> build() {
    NodeGpuState[] nodes = new NodeGpuState[NODES.size()];
    List<MlService> services = new ArrayList<>();
    for (int i = 0; i < NODES.size(); i++) {
      String[] n = NODES.get(i);
      Map<String, String> labels = n[1] == null ? Map.of() : Map.of(LEAF, n[1]);
      String name = "node-" + i;
      // One pod of the i-th MLService on each node, so Components depend on these pools.
      String[] s = SERVICES.get(i);
      nodes[i] = NodeStateBuilder.build(NodeInfo.withTopology(name, 4, n[0], 0, labels, Map.of(), false, null),
          List.of(new PodRecord("u" + i, s[0], s[1] + "-0", name, 1, 0, 0, List.of(0), false, "t", null)), List.of());
    }
    for (String[] s : SERVICES) {
      services.add(new MlService(s[0], s[1], Map.of("owner", "Ünïcode owner", "lifecycle", "a: b"), Map.of(),
          Set.of(s[0] + "/" + s[1] + "-0"), null, GangStates.NONE));
    }
    return new ArrayList<>(CatalogBuilder.entities(CatalogSettings.DEFAULT, ClusterSnapshot.of(1, nodes), n -> 0, services));
  }

  @Test
  void everyNameIsOneBackstageAcceptsAndNoTwoEntitiesShareOne() {
    List<JsonNode> entities = build();
    // 8 pools: H100 (80GB) in leaf-1, no product in leaf-1, P x 300, A100 in Leaf-A, A100 in leaf-a (two nodes whose
    // products differ only in case: one product to gpusched), A100 without a leaf, and the two whose product and leaf
    // differ only in characters a name cannot hold.
    assertThat(entities.stream().filter(e -> e.path("kind").asString().equals("Resource"))).hasSize(8);
    assertThat(entities.stream().filter(e -> e.path("kind").asString().equals("Component"))).hasSize(SERVICES.size());
    Set<String> refs = new HashSet<>();
    for (JsonNode e : entities) {
      String name = e.path("metadata").path("name").asString();
      assertThat(EntityNames.isValidName(name)).as(name).isTrue();
      assertThat(refs.add(e.path("kind").asString() + ":" + name.toLowerCase(java.util.Locale.ROOT))).as(name).isTrue();
    }
  }

  @Test
  @RequiresTool({"node", "npm"})
  void backstagesValidatorAcceptsEveryEntity() throws Exception {
    List<JsonNode> entities = build();
    BackstageValidator.Report report = BackstageValidator.validate(CatalogYaml.write(
        entities.stream().map(e -> (tools.jackson.databind.node.ObjectNode) e).toList()));
    assertThat(report.errors()).isEmpty();
    assertThat(report.entities()).hasSize(entities.size()); // no document split or lost (the name holding "---")
    long dependsOn = report.relations().stream().filter(r -> r.get(1).equals("dependsOn")).count();
    assertThat(dependsOn).isEqualTo(NODES.size()); // one pod per node, each of another MLService
  }

  @Test
  @RequiresTool({"node", "npm"})
  void theValidatorRefusesWhatBackstageRefuses() throws Exception {
    BackstageValidator.Report report = BackstageValidator.validate("""
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata: {name: Bad_Name-}
        spec: {type: ml-service, lifecycle: production, owner: x}
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Resource
        metadata: {name: pool}
        spec: {type: gpu-pool}
        ---
        apiVersion: backstage.io/v1alpha1
        kind: System
        metadata: {name: s, annotations: {gpusched.dev/gpus: 16}}
        spec: {owner: x}
        ---
        apiVersion: backstage.io/v1alpha1
        kind: System
        metadata: {name: ok}
        spec: {owner: x}
        ---
        apiVersion: backstage.io/v1alpha1
        kind: System
        metadata: {name: OK}
        spec: {owner: x}
        """);
    assertThat(report.exitCode()).isEqualTo(1);
    assertThat(report.entities()).containsExactly("system:default/ok");
    assertThat(report.errors()).hasSize(4);
    assertThat(report.errors().get(0)).contains("metadata.name");
    assertThat(report.errors().get(1)).contains("owner");
    assertThat(report.errors().get(2)).contains("annotations/gpusched.dev~1gpus must be string");
    assertThat(report.errors().get(3)).contains("unique");
  }
}
