package dev.gpusched.deploy.kro;

import static dev.gpusched.deploy.kro.MlServiceRgdTest.sample;
import static dev.gpusched.deploy.kro.MlServiceRgdTest.withSpec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpusched.deploy.ProjectPaths;
import dev.gpusched.deploy.Yaml;
import dev.gpusched.extender.testing.KubeApiServer;
import dev.gpusched.extender.testing.RequiresTool;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MLService instances created, edited, scaled and deleted against a real kube-apiserver, as kro would do it: the
 * instance is applied to the CRD kro generates (so the API server defaults it and counts its generation), rendered
 * with CEL-Java, and every rendered object is server-side applied with force by kro's field manager over what the
 * previous edit applied; objects no longer rendered are deleted as kro prunes them. No controller runs, so what is
 * checked is what the API server accepts, stores and refuses, not what controllers then do.
 *
 * <p>The kube-apiserver here is v1.24.0-alpha.0. It predates CRD transition rules ({@code oldSelf}) and Job
 * {@code podFailurePolicy} (alpha in 1.25): the CRD is installed without kro's {@code self == oldSelf} rules (they are
 * evaluated with CEL-Java in {@link MlServiceSchemaRulesTest}) and Jobs are applied without podFailurePolicy; each
 * test checks that exactly those were left out.
 */
@RequiresTool({"kube-apiserver", "etcd"})
class MlServiceApplyTest {
  private static final Map<String, Object> RGD = Yaml.readOne(ProjectPaths.deploy().resolve("kro/mlservice-rgd.yaml"));
  private static final RgdRenderer RENDERER = new RgdRenderer(RGD);
  private static final String MLSERVICES = "/apis/kro.run/v1alpha1/namespaces/ml/mlservices";
  private static KubeApiServer server;
  private static KubernetesClient client;

  @BeforeAll
  static void start() {
    server = KubeApiServer.start();
    client = server.client();
    expect(201, server.request("POST", "/api/v1/namespaces", "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\","
        + "\"metadata\":{\"name\":\"ml\"}}", "application/json"));
    Map<String, Object> crd = InstanceCrd.of(RGD, RENDERER.schema());
    List<String> rules = InstanceCrd.removeValidationRules(Yaml.at(Yaml.asMap(
        ((List<?>) Yaml.at(crd, "spec.versions")).get(0)), "schema.openAPIV3Schema"), "");
    assertThat(rules).containsExactly("spec.mode: self == oldSelf (field is immutable)",
        "spec.gang: self == oldSelf (field is immutable)");
    expect(201, server.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", Yaml.toJson(crd),
        "application/json"));
    for (int i = 0; i < 100 && server.request("GET", MLSERVICES, null, null).statusCode() != 200; i++) {
      sleep(100); // until the CRD is established and served
    }
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static HttpResponse<String> expect(int status, HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    return response;
  }


  /** One MLService as a user edits it (server-side apply by kubectl) and kro reconciles it. */
  private static final class Instance {
    final String name;
    final KroApplier kro;
    Map<String, Object> stored;
    Map<String, Map<String, Object>> live = Map.of();
    List<String> leftOut = List.of();
    List<String> pruned = List.of();

    Instance(String name) {
      this.name = name;
      this.kro = new KroApplier(server, client, name, "ml", "MLService", "kro.run");
    }

    /**
     * The user applies the instance (under this instance's name); the API server defaults it; kro renders, applies
     * and prunes.
     */
    @SuppressWarnings("unchecked")
    Instance edit(Map<String, Object> mlservice) {
      Map<String, Object> named = withSpec(mlservice);
      ((Map<String, Object>) named.get("metadata")).put("name", name);
      GenericKubernetesResource applied = client.resource(client.getKubernetesSerialization()
          .unmarshal(Yaml.toJson(named), GenericKubernetesResource.class)).fieldManager("kubectl").forceConflicts()
          .serverSideApply();
      stored = Yaml.readJson(client.getKubernetesSerialization().asJson(applied), name);
      RgdRenderer.RenderedGraph graph = RENDERER.render(stored);
      leftOut = leaveOutWhatThisServerLacks(graph.resources());
      live = kro.apply(graph.resources());
      Set<String> keep = new HashSet<>();
      live.values().forEach(o -> keep.add((String) Yaml.at(o, "metadata.uid")));
      pruned = kro.prune(keep);
      return this;
    }

    Object at(String id, String path) {
      return Yaml.at(live.get(id), path);
    }

    long generation() {
      return ((Number) Yaml.at(stored, "metadata.generation")).longValue();
    }
  }

  /** Removes the fields v1.24.0-alpha.0 does not know (Job podFailurePolicy, alpha in 1.25) and says which. */
  private static List<String> leaveOutWhatThisServerLacks(List<RgdRenderer.RenderedResource> resources) {
    List<String> removed = new ArrayList<>();
    for (RgdRenderer.RenderedResource r : resources) {
      if (r.kind().equals("Job") && Yaml.asMap(r.object().get("spec")).containsKey("podFailurePolicy")) {
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = (Map<String, Object>) r.object().get("spec");
        spec.remove("podFailurePolicy");
        removed.add("Job spec.podFailurePolicy");
      }
    }
    return removed;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> annotate(Map<String, Object> instance, String key, String value) {
    Map<String, Object> copy = withSpec(instance);
    Map<String, Object> meta = (Map<String, Object>) copy.get("metadata");
    Map<String, Object> annotations = new LinkedHashMap<>((Map<String, Object>) meta.getOrDefault("annotations", Map.of()));
    annotations.put(key, value);
    meta.put("annotations", annotations);
    return copy;
  }

  @Test
  void aServingInstanceIsEditedAndScaledInPlaceAndAScaleNeverChangesItsPodTemplate() {
    Map<String, Object> llm = sample("llm-serve");
    Instance instance = new Instance("llm-serve").edit(llm);
    assertThat(instance.live.keySet()).containsExactly("deployment", "service", "servingBudget");
    assertThat(instance.leftOut).isEmpty();
    assertThat(instance.at("service", "spec.clusterIP")).asString().startsWith("10.96."); // allocated, kept by every apply

    // image: the template changes (a rollout), applied in place
    llm = withSpec(llm, "image", "ghcr.io/example/vllm-server:0.7");
    instance.edit(llm);
    assertThat(instance.at("deployment", "spec.template.spec.containers")).asString().contains("vllm-server:0.7");
    Object template = instance.at("deployment", "spec.template");
    long deploymentGeneration = ((Number) instance.at("deployment", "metadata.generation")).longValue();

    // replicas: only spec.replicas changes; the stored template, which alone makes the pod-template-hash, is the same
    instance.edit(withSpec(llm, "replicas", 5));
    assertThat(instance.at("deployment", "spec.replicas")).isEqualTo(5);
    assertThat(((Number) instance.at("deployment", "metadata.generation")).longValue()).isGreaterThan(deploymentGeneration);
    assertThat(Yaml.toJson(instance.at("deployment", "spec.template"))).isEqualTo(Yaml.toJson(template));
    llm = withSpec(llm, "replicas", 5);

    // a gpusched.dev/* annotation on the MLService: the pods' intent changes, applied in place
    instance.edit(annotate(llm, "gpusched.dev/intra-node", "any"));
    assertThat(instance.at("deployment", "spec.template.metadata.annotations")).asString().contains("gpusched.dev/intra-node=any");
    assertThat(instance.pruned).isEmpty();
    assertThat(instance.at("service", "spec.clusterIP")).asString().startsWith("10.96.");
  }

  @Test
  void aModeChangeWouldFlipTheServicesClusterIpWhichTheApiServerRefuses() {
    Map<String, Object> embed = sample("embed-serve");
    Instance instance = new Instance("embed-serve").edit(embed);
    // What kro would apply if the schema let mode change: the API server keeps clusterIP once set.
    RgdRenderer.RenderedGraph asTraining = RENDERER.render(withSpec(instance.stored, "mode", "train"));
    assertThatThrownBy(() -> instance.kro.apply(List.of(asTraining.resource("service"))))
        .isInstanceOf(KroApplier.Refused.class).hasMessageContaining("spec.clusterIPs[0]")
        .hasMessageContaining("may not change once set");
  }

  @Test
  void anAutoscalersReplicaCountSurvivesEveryEditAndAFixedCountIsRestored() {
    Map<String, Object> chat = sample("chat-serve-autoscaled");
    Instance autoscaled = new Instance("chat-serve").edit(chat);
    assertThat(autoscaled.at("deployment", "spec.replicas")).isEqualTo(1); // the API server's default until the HPA acts
    scale("chat-serve", 4); // as an HPA does, through the scale subresource
    autoscaled.edit(withSpec(chat, "image", "ghcr.io/example/chat-server:2.2"));
    assertThat(autoscaled.at("deployment", "spec.replicas")).isEqualTo(4);
    assertThat(autoscaled.at("deployment", "spec.template.spec.containers")).asString().contains("chat-server:2.2");

    Instance fixed = new Instance("embed-fixed").edit(withSpec(sample("embed-serve"), "replicas", 3));
    scale("embed-fixed", 6);
    fixed.edit(withSpec(sample("embed-serve"), "replicas", 3, "image", "ghcr.io/example/embedder:1.1"));
    assertThat(fixed.at("deployment", "spec.replicas")).isEqualTo(3); // kro's forced apply owns spec.replicas
  }

  private static void scale(String deployment, int replicas) {
    expect(200, server.request("PATCH", "/apis/apps/v1/namespaces/ml/deployments/" + deployment + "/scale",
        "{\"spec\":{\"replicas\":" + replicas + "}}", "application/merge-patch+json"));
  }

  @Test
  void everyTrainingEditIsANewJobAndTheOldOneIsDeletedWithItsPods() {
    Map<String, Object> bert = sample("bert-train");
    Instance instance = new Instance("bert-train").edit(bert);
    assertThat(instance.leftOut).containsExactly("Job spec.podFailurePolicy");
    assertThat(instance.live.keySet()).containsExactly("job", "service", "gangBudget");
    // The API server's generation 1 and the MLService's gang-timeout annotation: the hand-computed name.
    assertThat(instance.at("job", "metadata.name")).isEqualTo("bert-train-94aa7e24");
    assertThat(instance.at("service", "spec.clusterIP")).isEqualTo("None");
    String first = (String) instance.at("job", "metadata.name");

    // The original problem: the same Job with another pod template is refused.
    Map<String, Object> sameNameNewImage = RENDERER.render(withSpec(instance.stored, "image", "x:1")).resource("job").object();
    leaveOutWhatThisServerLacks(List.of(new RgdRenderer.RenderedResource("job", sameNameNewImage)));
    assertThat(Yaml.at(sameNameNewImage, "metadata.name")).isEqualTo(first);
    assertThatThrownBy(() -> instance.kro.apply(List.of(new RgdRenderer.RenderedResource("job", sameNameNewImage))))
        .isInstanceOf(KroApplier.Refused.class).hasMessageContaining("field is immutable");

    // image, replicas, a gpusched.dev/* annotation: each edit renders a new Job, applied; the previous one is pruned.
    List<String> names = new ArrayList<>(List.of(first));
    List<Map<String, Object>> edits = List.of(withSpec(bert, "image", "ghcr.io/example/bert-trainer:2.4"),
        withSpec(bert, "image", "ghcr.io/example/bert-trainer:2.4", "replicas", 8),
        annotate(withSpec(bert, "image", "ghcr.io/example/bert-trainer:2.4", "replicas", 8), "gpusched.dev/intra-node", "numa"));
    for (Map<String, Object> edit : edits) {
      long generation = instance.generation();
      instance.edit(edit);
      String name = (String) instance.at("job", "metadata.name");
      assertThat(names).doesNotContain(name);
      assertThat(instance.pruned).containsExactly("Job/" + names.get(names.size() - 1));
      assertDeletedWithItsPods(names.get(names.size() - 1));
      names.add(name);
      assertThat(instance.generation()).isEqualTo(edit == edits.get(2) ? generation : generation + 1);
    }
    assertThat(instance.at("job", "spec.parallelism")).isEqualTo(8);
    assertThat(instance.at("gangBudget", "spec.minAvailable")).isEqualTo(8);
    assertThat(instance.at("job", "spec.template.metadata.annotations")).asString().contains("gpusched.dev/intra-node=numa");

    // An annotation gpusched does not read changes nothing: the same Job (same UID), applied again unchanged.
    Object uid = instance.at("job", "metadata.uid");
    String spec = Yaml.toJson(instance.at("job", "spec"));
    instance.edit(annotate(edits.get(2), "team.example.com/owner", "nlp"));
    assertThat(instance.at("job", "metadata.name")).isEqualTo(names.get(names.size() - 1));
    assertThat(instance.at("job", "metadata.uid")).isEqualTo(uid);
    assertThat(Yaml.toJson(instance.at("job", "spec"))).isEqualTo(spec);
    assertThat(instance.pruned).isEmpty();
  }

  /**
   * kro deletes without a propagation policy. A batch/v1 Job's default is to orphan its pods (the API server adds the
   * "orphan" finalizer); the RGD's Job carries "foregroundDeletion", so the garbage collector deletes its pods first.
   */
  private static void assertDeletedWithItsPods(String job) {
    Map<String, Object> deleting = Yaml.readJson(expect(200,
        server.request("GET", "/apis/batch/v1/namespaces/ml/jobs/" + job, null, null)).body(), job);
    assertThat(Yaml.at(deleting, "metadata.deletionTimestamp")).as(job + " being deleted").isNotNull();
    assertThat(Yaml.at(deleting, "metadata.finalizers")).as(job).isEqualTo(List.of("foregroundDeletion"));
  }

  @Test
  void withoutItsFinalizerAJobKroDeletesWouldOrphanItsPods() {
    Map<String, Object> job = RENDERER.render(sample("bert-train")).resource("job").object();
    leaveOutWhatThisServerLacks(List.of(new RgdRenderer.RenderedResource("job", job)));
    Map<String, Object> meta = Yaml.asMap(job.get("metadata"));
    meta.remove("finalizers");
    meta.put("name", "no-finalizer");
    job.put("metadata", meta);
    KroApplier kro = new KroApplier(server, client, "no-finalizer", "ml", "MLService", "kro.run");
    Map<String, Object> live = kro.apply(List.of(new RgdRenderer.RenderedResource("job", job))).get("job");
    kro.delete("Job", "no-finalizer", (String) Yaml.at(live, "metadata.uid"));
    Map<String, Object> deleting = Yaml.readJson(expect(200,
        server.request("GET", "/apis/batch/v1/namespaces/ml/jobs/no-finalizer", null, null)).body(), "no-finalizer");
    assertThat(Yaml.at(deleting, "metadata.finalizers")).isEqualTo(List.of("orphan"));
  }

  @Test
  void deletingAnInstanceDeletesEveryObjectAsKroDoes() {
    Instance serving = new Instance("gone-serve").edit(sample("llm-serve"));
    Instance training = new Instance("gone-train").edit(sample("bert-train"));
    // kro's deletion: every object of the ApplySet, with no propagation policy.
    assertThat(serving.kro.prune(Set.of())).containsExactlyInAnyOrder("Deployment/gone-serve", "Service/gone-serve",
        "PodDisruptionBudget/gone-serve");
    String job = (String) training.at("job", "metadata.name");
    assertThat(job).startsWith("gone-train-");
    assertThat(training.kro.prune(Set.of())).containsExactlyInAnyOrder("Job/" + job, "Service/gone-train",
        "PodDisruptionBudget/gone-train");
    assertThat(server.request("GET", "/apis/apps/v1/namespaces/ml/deployments/gone-serve", null, null).statusCode())
        .isEqualTo(404); // apps/v1 deletes in the background: gone at once, the garbage collector takes its pods
    assertDeletedWithItsPods(job);
  }
}
