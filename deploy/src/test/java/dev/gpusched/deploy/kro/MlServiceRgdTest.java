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

  static Map<String, Object> sample(String name) {
    return Yaml.readOne(KRO.resolve("examples").resolve(name + ".yaml"));
  }

  /** A copy of the instance with these spec fields set. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> withSpec(Map<String, Object> instance, Object... keyValues) {
    Map<String, Object> copy = Yaml.asMap(Yaml.readJsonValue(Yaml.toJson(instance), "instance"));
    Map<String, Object> spec = (Map<String, Object>) copy.get("spec");
    for (int i = 0; i < keyValues.length; i += 2) {
      spec.put((String) keyValues[i], keyValues[i + 1]);
    }
    return copy;
  }

  /** A rendered object as the API server would return it, with this status (generation 1, observed). */
  static Map<String, Object> observed(Map<String, Object> rendered, Map<String, Object> status) {
    Map<String, Object> copy = Yaml.asMap(Yaml.readJsonValue(Yaml.toJson(rendered), "object"));
    Map<String, Object> meta = Yaml.asMap(copy.get("metadata"));
    meta.put("generation", 1);
    copy.put("metadata", meta);
    Map<String, Object> spec = Yaml.asMap(copy.get("spec"));
    if ("Deployment".equals(copy.get("kind"))) {
      spec.putIfAbsent("replicas", 1); // the API server's default, when an autoscaler owns the count
    }
    copy.put("spec", spec);
    copy.put("status", status);
    return copy;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> podTemplateMeta(Map<String, Object> workload, String key) {
    return (Map<String, Object>) Yaml.at(workload, "spec.template.metadata." + key);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> container(Map<String, Object> workload) {
    return ((List<Map<String, Object>>) Yaml.at(workload, "spec.template.spec.containers")).get(0);
  }

  @Test
  void everyExpressionInTheRgdCompiles() {
    RgdRenderer renderer = new RgdRenderer(RGD);
    List<String> expressions = KroTemplate.expressionsIn(RGD);
    assertThat(expressions).hasSizeGreaterThan(40);
    for (String expression : expressions) {
      renderer.cel().compile(expression);
    }
  }

  @Test
  void everyExpressionIsEvaluatedByTheSamplesTheirReadinessAndStatus() throws IOException {
    RgdRenderer renderer = new RgdRenderer(RGD);
    try (Stream<Path> files = Files.list(KRO.resolve("examples"))) {
      for (Path file : files.sorted().toList()) {
        RgdRenderer.RenderedGraph graph = renderer.render(Yaml.readOne(file));
        Map<String, Map<String, Object>> live = new LinkedHashMap<>();
        for (RgdRenderer.RenderedResource r : graph.resources()) {
          live.put(r.id(), observed(r.object(), Map.of()));
          renderer.ready(r.id(), live.get(r.id()));
        }
        assertThat(renderer.status(graph, live)).as(file.toString()).containsKey("endpoint");
      }
    }
    Set<String> all = new HashSet<>(KroTemplate.expressionsIn(RGD));
    assertThat(renderer.evaluatedExpressions()).containsAll(all);
  }

  @Test
  @SuppressWarnings("unchecked")
  void servingRendersADeploymentWithSchedulingIntentResourcesAndSharedMemory() {
    RgdRenderer.RenderedGraph graph = new RgdRenderer(RGD).render(sample("llm-serve"));

    assertThat(graph.excludedIds()).containsExactly("job", "gangBudget");
    assertThat(graph.resources()).extracting(RgdRenderer.RenderedResource::kind)
        .containsExactly("Deployment", "Service", "PodDisruptionBudget");
    Map<String, Object> deployment = graph.resource("deployment").object();
    assertThat(Yaml.at(deployment, "metadata.name")).isEqualTo("llm-serve");
    assertThat(Yaml.at(deployment, "metadata.namespace")).isEqualTo("ml");
    assertThat(Yaml.at(deployment, "spec.replicas")).isEqualTo(2L);
    // One replica at a time and no spare GPU needed for a rollout.
    assertThat(Yaml.at(deployment, "spec.strategy")).isEqualTo(
        Map.of("type", "RollingUpdate", "rollingUpdate", Map.of("maxSurge", 0L, "maxUnavailable", 1L)));
    assertThat(Yaml.at(deployment, "spec.template.spec.schedulerName")).isEqualTo("gpusched");
    // The default toleration of the nvidia.com/gpu taint GPU nodes carry.
    assertThat(Yaml.at(deployment, "spec.template.spec.tolerations")).isEqualTo(
        List.of(Map.of("key", "nvidia.com/gpu", "operator", "Exists", "effect", "NoSchedule")));
    Map<String, Object> container = container(deployment);
    assertThat(Yaml.at(container, "resources")).isEqualTo(Map.of(
        "requests", Map.of("cpu", "4", "memory", "32Gi", "nvidia.com/gpu", 2L),
        "limits", Map.of("memory", "32Gi", "nvidia.com/gpu", 2L)));
    assertThat(container.get("volumeMounts")).isEqualTo(List.of(Map.of("name", "dshm", "mountPath", "/dev/shm")));
    assertThat(Yaml.at(deployment, "spec.template.spec.volumes")).isEqualTo(
        List.of(Map.of("name", "dshm", "emptyDir", Map.of("medium", "Memory", "sizeLimit", "8Gi"))));
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
    assertThat(podTemplateMeta(deployment, "labels")).containsExactlyInAnyOrderEntriesOf(Map.of(
        "app.kubernetes.io/name", "mlservice", "app.kubernetes.io/instance", "llm-serve",
        "app.kubernetes.io/component", "serve", "gpusched.dev/mlservice", "llm-serve"));

    Map<String, Object> service = graph.resource("service").object();
    assertThat(Yaml.at(service, "spec.clusterIP")).isEqualTo("");
    assertThat(Yaml.at(service, "spec.publishNotReadyAddresses")).isEqualTo(false);
    assertThat(Yaml.at(graph.resource("servingBudget").object(), "spec")).isEqualTo(Map.of("maxUnavailable", 1,
        "selector", Map.of("matchLabels", Map.of("app.kubernetes.io/name", "mlservice", "app.kubernetes.io/instance", "llm-serve"))));
  }

  @Test
  void noTemplateWritesAKroRunLabelOrAnnotation() {
    // kro reserves the kro.run/ prefix (and rejects it in template labels): every key the RGD writes is elsewhere.
    assertThat(Yaml.toJson(RGD.get("spec"))).doesNotContain("\"kro.run/");
  }

  @Test
  void aScaleLeavesTheServingPodTemplateUnchanged() {
    RgdRenderer renderer = new RgdRenderer(RGD);
    Map<String, Object> two = renderer.render(sample("llm-serve")).resource("deployment").object();
    Map<String, Object> five = renderer.render(withSpec(sample("llm-serve"), "replicas", 5)).resource("deployment").object();
    assertThat(Yaml.at(five, "spec.replicas")).isEqualTo(5L);
    // The Deployment's pod-template-hash is a function of spec.template alone: equal templates, no rollout.
    assertThat(Yaml.toJson(Yaml.at(five, "spec.template"))).isEqualTo(Yaml.toJson(Yaml.at(two, "spec.template")));
    assertThat(Yaml.at(renderer.render(withSpec(sample("llm-serve"), "replicas", 5)).resource("servingBudget").object(),
        "spec.maxUnavailable")).isEqualTo(1);
  }

  @Test
  void anAutoscaledDeploymentLeavesItsReplicasToTheAutoscaler() {
    RgdRenderer renderer = new RgdRenderer(RGD);
    Map<String, Object> deployment = renderer.render(sample("chat-serve-autoscaled")).resource("deployment").object();
    assertThat(Yaml.asMap(deployment.get("spec"))).doesNotContainKey("replicas");
    assertThat(Yaml.at(deployment, "spec.template.spec.containers")).asString().contains("cpu=8", "memory=48Gi");
    // A gang has a fixed size: autoscaled does not apply to it.
    Map<String, Object> gang = renderer.render(withSpec(sample("chat-serve-autoscaled"), "gang", true, "replicas", 3))
        .resource("deployment").object();
    assertThat(Yaml.at(gang, "spec.replicas")).isEqualTo(3L);
  }

  @Test
  void trainingRendersAnIndexedJobThatFailsAsAWholeAndDeletesItsPods() {
    RgdRenderer.RenderedGraph graph = new RgdRenderer(RGD).render(sample("bert-train"));

    assertThat(graph.excludedIds()).containsExactly("deployment", "servingBudget");
    Map<String, Object> job = graph.resource("job").object();
    // FNV-1a 64 of "1|gpusched.dev/intra-node=,gpusched.dev/inter-node=,gpusched.dev/placement=,gpusched.dev/gpu-memory=,
    // gpusched.dev/gpu-model=,gpusched.dev/gang=,gpusched.dev/gang-size=,gpusched.dev/gang-timeout=600s" (generation 1
    // and the MLService's own gpusched.dev/* annotations), computed with Python: 94aa7e24...
    assertThat(Yaml.at(job, "metadata.name")).isEqualTo("bert-train-94aa7e24");
    assertThat(Yaml.at(job, "metadata.finalizers")).isEqualTo(List.of("foregroundDeletion"));
    assertThat(Yaml.at(job, "spec.completionMode")).isEqualTo("Indexed");
    assertThat(Yaml.at(job, "spec.completions")).isEqualTo(4L);
    assertThat(Yaml.at(job, "spec.parallelism")).isEqualTo(4L);
    assertThat(Yaml.at(job, "spec.backoffLimit")).isEqualTo(6);
    assertThat(Yaml.at(job, "spec.podFailurePolicy")).isEqualTo(Map.of("rules", List.of(Map.of("action", "FailJob",
        "onExitCodes", Map.of("operator", "NotIn", "values", List.of(0))))));
    assertThat(Yaml.at(job, "spec.template.spec.subdomain")).isEqualTo("bert-train");
    assertThat(Yaml.at(job, "spec.template.spec.restartPolicy")).isEqualTo("Never");
    assertThat(Yaml.toJson(container(job).get("env"))).contains(
        "{\"name\":\"JOB_NAME\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"metadata.labels['job-name']\"}}}",
        "{\"name\":\"MASTER_ADDR\",\"value\":\"$(JOB_NAME)-0.bert-train\"}",
        "{\"name\":\"WORLD_SIZE\",\"value\":\"4\"}");
    assertThat(Yaml.at(job, "spec.template.spec.volumes")).isEqualTo(
        List.of(Map.of("name", "dshm", "emptyDir", Map.of("medium", "Memory", "sizeLimit", "64Gi"))));
    assertThat(podTemplateMeta(job, "annotations"))
        .containsEntry("gpusched.dev/gang", "bert-train")
        .containsEntry("gpusched.dev/gang-size", "4")
        // the MLService's own annotation overrides spec.gangTimeout (default 300s)
        .containsEntry("gpusched.dev/gang-timeout", "600s")
        .containsEntry("gpusched.dev/inter-node", "same-leaf")
        .containsEntry("gpusched.dev/intra-node", "nvlink")
        .doesNotContainKey("gpusched.dev/gang-from-kro");
    assertThat(Yaml.at(graph.resource("service").object(), "spec.clusterIP")).isEqualTo("None");
    assertThat(Yaml.at(graph.resource("service").object(), "spec.publishNotReadyAddresses")).isEqualTo(true);
    assertThat(Yaml.at(graph.resource("gangBudget").object(), "spec.minAvailable")).isEqualTo(4L);

    List<Map<String, Object>> pods = WorkloadPods.of(job);
    assertThat(pods).hasSize(4);
    Set<Object> names = new HashSet<>();
    for (int i = 0; i < pods.size(); i++) {
      Map<String, Object> pod = pods.get(i);
      names.add(Yaml.at(pod, "metadata.name"));
      assertThat((String) Yaml.at(pod, "metadata.name")).startsWith("bert-train-94aa7e24-" + i + "-");
      assertThat(Yaml.at(pod, "spec.hostname")).isEqualTo("bert-train-94aa7e24-" + i);
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
  @SuppressWarnings("unchecked")
  void aTrainingJobIsRenamedByEveryEditThatChangesItsPodsAndByNoOther() {
    RgdRenderer renderer = new RgdRenderer(RGD);
    Map<String, Object> bert = sample("bert-train");
    String first = jobName(renderer, bert);
    // The API server raises metadata.generation on every spec change (image, replicas, run...), not on metadata.
    Map<String, Object> edited = withSpec(bert, "image", "ghcr.io/example/bert-trainer:2.4");
    ((Map<String, Object>) edited.get("metadata")).put("generation", 2);
    assertThat(jobName(renderer, edited)).isEqualTo("bert-train-3ec17358"); // "2|...=600s", by hand as above
    Map<String, Object> annotated = withSpec(bert);
    ((Map<String, Object>) ((Map<String, Object>) annotated.get("metadata")).get("annotations"))
        .put("gpusched.dev/gang-timeout", "900s");
    assertThat(jobName(renderer, annotated)).isEqualTo("bert-train-b4cd309f"); // "1|...=900s"
    Map<String, Object> unrelated = withSpec(bert);
    ((Map<String, Object>) ((Map<String, Object>) unrelated.get("metadata")).get("annotations"))
        .put("team.example.com/owner", "nlp");
    assertThat(jobName(renderer, unrelated)).isEqualTo(first);
  }

  private static String jobName(RgdRenderer renderer, Map<String, Object> instance) {
    return (String) Yaml.at(renderer.render(instance).resource("job").object(), "metadata.name");
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
    List<Map<String, Object>> pods = WorkloadPods.of(deployment);
    assertThat(pods).extracting(p -> Yaml.at(p, "metadata.ownerReferences")).allSatisfy(owners ->
        assertThat(owners.toString()).contains("kind=ReplicaSet"));
  }

  @Test
  void aGangServingInstanceIsReplacedAsAWholeAndKeepsEveryReplicaThroughDisruptions() {
    RgdRenderer.RenderedGraph graph = new RgdRenderer(RGD).render(withSpec(sample("llm-serve"), "gang", true));
    assertThat(graph.excludedIds()).containsExactly("job", "servingBudget");
    Map<String, Object> deployment = graph.resource("deployment").object();
    assertThat(Yaml.at(deployment, "spec.strategy")).isEqualTo(Map.of("type", "Recreate"));
    assertThat(Yaml.at(graph.resource("gangBudget").object(), "spec.minAvailable")).isEqualTo(2L);
    assertThat(podTemplateMeta(deployment, "annotations"))
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
      assertThat(pod.getSpec().getContainers().get(0).getResources().getRequests().get("cpu").getAmount()).isEqualTo("32");
      assertThat(pod.getMetadata().getAnnotations()).containsEntry("gpusched.dev/gang", "bert-train");
      assertThat(pod.getMetadata().getLabels()).containsEntry("gpusched.dev/mlservice", "bert-train");
      assertThat(pod.getMetadata().getOwnerReferences().get(0).getKind()).isEqualTo("Job");
      assertThat(pod.getAdditionalProperties()).isEmpty();
      assertThat(pod.getSpec().getAdditionalProperties()).isEmpty();
      assertThat(pod.getSpec().getContainers().get(0).getAdditionalProperties()).isEmpty();
    }
  }

  @Test
  void anInvalidInstanceIsRejectedWithWhatWouldBeRight() {
    Map<String, Object> instance = withSpec(sample("llm-serve"), "intraNode", "nvswitch", "replicas", 0, "gpus", 2,
        "tolerations", List.of(Map.of("key", "nvidia.com/gpu", "operator", "Maybe")));
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) instance.get("spec");
    spec.remove("image");
    assertThatThrownBy(() -> new RgdRenderer(RGD).render(instance))
        .hasMessageContaining("spec.image: required")
        .hasMessageContaining("spec.intraNode: 'nvswitch' is not allowed; use one of nvlink, prefer-nvlink, numa, any")
        .hasMessageContaining("spec.replicas: 0 is below the minimum 1")
        .hasMessageContaining("spec.tolerations.operator: 'Maybe' is not allowed; use one of Equal, Exists")
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
