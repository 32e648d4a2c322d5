package dev.gpusched.deploy.kro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpusched.deploy.ProjectPaths;
import dev.gpusched.deploy.Yaml;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Evaluates every ${...} of deploy/kro/mlservice-rgd.yaml with CEL-Java against the sample MLServices. */
class MlServiceRgdTest {
  private static final Path KRO = ProjectPaths.deploy().resolve("kro");
  private static final Map<String, Object> RGD = Yaml.readOne(KRO.resolve("mlservice-rgd.yaml"));

  private static Map<String, Object> sample(String name) {
    return Yaml.readOne(KRO.resolve("examples").resolve(name + ".yaml"));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> podTemplateMeta(Map<String, Object> workload, String key) {
    return (Map<String, Object>) Yaml.at(workload, "spec.template.metadata." + key);
  }

  @Test
  void everyExpressionInTheRgdCompiles() {
    RgdRenderer renderer = new RgdRenderer(RGD);
    List<String> expressions = KroTemplate.expressionsIn(RGD);
    assertThat(expressions).hasSizeGreaterThan(25);
    for (String expression : expressions) {
      renderer.cel().compile(expression);
    }
  }

  @Test
  void everyExpressionIsEvaluatedByTheSamples() throws IOException {
    RgdRenderer renderer = new RgdRenderer(RGD);
    try (Stream<Path> files = Files.list(KRO.resolve("examples"))) {
      for (Path file : files.sorted().toList()) {
        renderer.render(Yaml.readOne(file));
      }
    }
    Set<String> all = new HashSet<>(KroTemplate.expressionsIn(RGD));
    assertThat(renderer.evaluatedExpressions()).containsAll(all);
  }

  @Test
  @SuppressWarnings("unchecked")
  void servingRendersADeploymentWithSchedulingIntentOnItsPods() {
    RgdRenderer.RenderedGraph graph = new RgdRenderer(RGD).render(sample("llm-serve"));

    assertThat(graph.excludedIds()).containsExactly("job");
    assertThat(graph.resources()).extracting(RgdRenderer.RenderedResource::kind)
        .containsExactly("Deployment", "Service", "PodDisruptionBudget");
    Map<String, Object> deployment = graph.resource("deployment").object();
    assertThat(Yaml.at(deployment, "metadata.name")).isEqualTo("llm-serve");
    assertThat(Yaml.at(deployment, "metadata.namespace")).isEqualTo("ml");
    assertThat(Yaml.at(deployment, "spec.replicas")).isEqualTo(2L);
    assertThat(Yaml.at(deployment, "spec.template.spec.schedulerName")).isEqualTo("gpusched");
    @SuppressWarnings("unchecked")
    Map<String, Object> container = ((List<Map<String, Object>>) Yaml.at(deployment, "spec.template.spec.containers")).get(0);
    assertThat(Yaml.at(container, "resources.limits")).isEqualTo(Map.of("nvidia.com/gpu", 2L));
    assertThat(container.get("image")).isEqualTo("ghcr.io/example/vllm-server:0.6");
    assertThat((List<Object>) container.get("env")).contains(
        Map.of("name", "MODEL_URI", "value", "hf://meta-llama/Llama-3.1-8B-Instruct"),
        Map.of("name", "PORT", "value", "8000"));

    // not a gang: no gang annotations at all (unset values are left out, never written empty)
    assertThat(podTemplateMeta(deployment, "annotations")).containsExactlyInAnyOrderEntriesOf(Map.of(
        "gpusched.dev/intra-node", "nvlink",
        "gpusched.dev/inter-node", "any",
        "gpusched.dev/gpu-memory", "40Gi",
        "gpusched.dev/gpu-model", "NVIDIA-H100-80GB-HBM3",
        "gpusched.dev/placement", "binpack"));
    assertThat(podTemplateMeta(deployment, "labels")).containsEntry("kro.run/instance-name", "llm-serve")
        .containsEntry("kro.run/instance-kind", "MLService")
        .containsEntry("kro.run/instance-namespace", "ml")
        .containsEntry("kro.run/collection-size", "2");

    Map<String, Object> service = graph.resource("service").object();
    assertThat(Yaml.at(service, "spec.clusterIP")).isEqualTo("");
    assertThat(Yaml.at(service, "spec.publishNotReadyAddresses")).isEqualTo(false);
    assertThat(Yaml.at(graph.resource("pdb").object(), "spec.minAvailable")).isEqualTo(1L);
    assertThat(graph.status()).containsEntry("endpoint", "llm-serve.ml.svc");
  }

  @Test
  void trainingRendersAnIndexedJobWhoseWorkersFormOneGang() {
    RgdRenderer.RenderedGraph graph = new RgdRenderer(RGD).render(sample("bert-train"));

    assertThat(graph.excludedIds()).containsExactly("deployment");
    Map<String, Object> job = graph.resource("job").object();
    assertThat(job.get("kind")).isEqualTo("Job");
    assertThat(Yaml.at(job, "spec.completionMode")).isEqualTo("Indexed");
    assertThat(Yaml.at(job, "spec.completions")).isEqualTo(4L);
    assertThat(Yaml.at(job, "spec.parallelism")).isEqualTo(4L);
    assertThat(Yaml.at(job, "spec.template.spec.subdomain")).isEqualTo("bert-train");
    assertThat(podTemplateMeta(job, "annotations"))
        .containsEntry("gpusched.dev/gang-from-kro", "true")
        .containsEntry("gpusched.dev/gang", "bert-train")
        .containsEntry("gpusched.dev/gang-size", "4")
        // the MLService's own annotation overrides spec.gangTimeout (default 300s)
        .containsEntry("gpusched.dev/gang-timeout", "600s")
        .containsEntry("gpusched.dev/inter-node", "same-leaf")
        .containsEntry("gpusched.dev/intra-node", "nvlink");
    assertThat(Yaml.at(graph.resource("service").object(), "spec.clusterIP")).isEqualTo("None");
    assertThat(Yaml.at(graph.resource("service").object(), "spec.publishNotReadyAddresses")).isEqualTo(true);
    assertThat(Yaml.at(graph.resource("pdb").object(), "spec.minAvailable")).isEqualTo(4L);

    List<Map<String, Object>> pods = WorkloadPods.of(job);
    assertThat(pods).hasSize(4);
    Set<Object> names = new HashSet<>();
    for (int i = 0; i < pods.size(); i++) {
      Map<String, Object> pod = pods.get(i);
      names.add(Yaml.at(pod, "metadata.name"));
      assertThat((String) Yaml.at(pod, "metadata.name")).startsWith("bert-train-" + i + "-");
      assertThat(Yaml.at(pod, "spec.hostname")).isEqualTo("bert-train-" + i);
      assertThat(Yaml.at(pod, "spec.schedulerName")).isEqualTo("gpusched");
      @SuppressWarnings("unchecked")
      Map<String, Object> annotations = (Map<String, Object>) Yaml.at(pod, "metadata.annotations");
      assertThat(annotations).containsEntry("gpusched.dev/gang", "bert-train")
          .containsEntry("gpusched.dev/gang-size", "4")
          .containsEntry("batch.kubernetes.io/job-completion-index", String.valueOf(i));
    }
    assertThat(names).hasSize(4);
  }

  @Test
  void theMlServicesOwnAnnotationsOverrideSpecAndDefaultsFillTheRest() {
    RgdRenderer.RenderedGraph graph = new RgdRenderer(RGD).render(sample("embed-serve"));
    Map<String, Object> deployment = graph.resource("deployment").object();
    assertThat(podTemplateMeta(deployment, "annotations"))
        .containsEntry("gpusched.dev/intra-node", "any")      // annotation over the default prefer-nvlink
        .containsEntry("gpusched.dev/placement", "spread")    // annotation over the default binpack
        .containsEntry("gpusched.dev/inter-node", "any")      // default
        .doesNotContainKeys("gpusched.dev/gpu-memory", "gpusched.dev/gpu-model", "gpusched.dev/gang"); // unset: left out
    assertThat(Yaml.at(deployment, "spec.replicas")).isEqualTo(3L);
    assertThat(Yaml.at(graph.resource("pdb").object(), "spec.minAvailable")).isEqualTo(2L);
    List<Map<String, Object>> pods = WorkloadPods.of(deployment);
    assertThat(pods).extracting(p -> Yaml.at(p, "metadata.ownerReferences")).allSatisfy(owners ->
        assertThat(owners.toString()).contains("kind=ReplicaSet"));
  }

  @Test
  void aGangServingInstanceKeepsEveryReplicaThroughDisruptions() {
    Map<String, Object> instance = sample("llm-serve");
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = new LinkedHashMap<>((Map<String, Object>) instance.get("spec"));
    spec.put("gang", true);
    instance.put("spec", spec);
    RgdRenderer.RenderedGraph graph = new RgdRenderer(RGD).render(instance);
    assertThat(Yaml.at(graph.resource("pdb").object(), "spec.minAvailable")).isEqualTo(2L);
    assertThat(podTemplateMeta(graph.resource("deployment").object(), "annotations"))
        .containsEntry("gpusched.dev/gang", "llm-serve").containsEntry("gpusched.dev/gang-size", "2")
        .containsEntry("gpusched.dev/gang-timeout", "300s");
  }

  @Test
  void theRenderedPodsAreValidKubernetesPodsForFabric8() {
    RgdRenderer.RenderedGraph graph = new RgdRenderer(RGD).render(sample("bert-train"));
    List<io.fabric8.kubernetes.api.model.Pod> pods = WorkloadPods.asFabric8(WorkloadPods.of(graph.resource("job").object()));
    assertThat(pods).hasSize(4);
    for (io.fabric8.kubernetes.api.model.Pod pod : pods) {
      assertThat(pod.getSpec().getSchedulerName()).isEqualTo("gpusched");
      assertThat(pod.getSpec().getContainers().get(0).getResources().getLimits().get("nvidia.com/gpu").getAmount()).isEqualTo("8");
      assertThat(pod.getMetadata().getAnnotations()).containsEntry("gpusched.dev/gang", "bert-train");
      assertThat(pod.getMetadata().getLabels()).containsEntry("kro.run/instance-name", "bert-train");
      assertThat(pod.getMetadata().getOwnerReferences().get(0).getKind()).isEqualTo("Job");
      assertThat(pod.getAdditionalProperties()).isEmpty();
      assertThat(pod.getSpec().getAdditionalProperties()).isEmpty();
      assertThat(pod.getSpec().getContainers().get(0).getAdditionalProperties()).isEmpty();
    }
  }

  @Test
  void anInvalidInstanceIsRejectedWithWhatWouldBeRight() {
    Map<String, Object> instance = sample("llm-serve");
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = new LinkedHashMap<>((Map<String, Object>) instance.get("spec"));
    spec.remove("image");
    spec.put("intraNode", "nvswitch");
    spec.put("replicas", 0);
    spec.put("gpus", 2);
    instance.put("spec", spec);
    assertThatThrownBy(() -> new RgdRenderer(RGD).render(instance))
        .hasMessageContaining("spec.image: required")
        .hasMessageContaining("spec.intraNode: 'nvswitch' is not allowed; use one of nvlink, prefer-nvlink, numa, any")
        .hasMessageContaining("spec.replicas: 0 is below the minimum 1")
        .hasMessageContaining("spec.gpus: unknown field");
  }

  @Test
  void anInstanceOfAnotherKindOrVersionIsRejected() {
    Map<String, Object> instance = sample("llm-serve");
    instance.put("apiVersion", "gpusched.dev/v1");
    assertThatThrownBy(() -> new RgdRenderer(RGD).render(instance))
        .hasMessage("instance is gpusched.dev/v1 MLService; this RGD defines kro.run/v1alpha1 MLService");
  }

  @Test
  void aBrokenExpressionIsReportedWithItsText() {
    CelEvaluator cel = new RgdRenderer(RGD).cel();
    assertThatThrownBy(() -> cel.compile("schema.spec.replicas +"))
        .hasMessageContaining("${schema.spec.replicas +}");
    assertThatThrownBy(() -> KroTemplate.segments("name-${schema.metadata.name"))
        .hasMessageContaining("unclosed ${ at column 6");
    // map literals nest; braces inside double-quoted strings do not count (as in kro's parser)
    assertThat(KroTemplate.segments("${{\"a}\": {\"b\": 1}}}-x")).containsExactly(
        new KroTemplate.Segment(true, "{\"a}\": {\"b\": 1}}"), new KroTemplate.Segment(false, "-x"));
  }
}
