package dev.gpusched.extender.it;

import static dev.gpusched.extender.catalog.CatalogDocuments.annotation;
import static dev.gpusched.extender.catalog.CatalogDocuments.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.catalog.CatalogDocuments;
import dev.gpusched.extender.kube.EmbeddedApiServer;
import dev.gpusched.extender.kube.OwnerAnnotations;
import dev.gpusched.extender.testing.BackstageValidator;
import dev.gpusched.extender.testing.RequiresTool;
import dev.gpusched.extender.testing.TestData;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /catalog/entities.yaml} on the README's example cluster (deploy/examples/cluster.yaml) with the MLServices
 * of deploy/examples/mlservices.yaml and a pod that takes 62 of l40s-1's 64 CPUs. Figures computed by hand:
 * <ul>
 *   <li>H100 leaf-1: dgx-h100-1 (llm-pretrain-0 holds 4) and dgx-h100-2 (llm-serve-0 holds 2): 16 GPUs, 10 free;
 *   <li>H100 leaf-2: dgx-h100-3 (llm-serve-1 holds 2): 8 GPUs, 6 free;
 *   <li>A100 leaf-2: pcie-a100-1 (llama-serve-0 holds 1, bert-train-0 and -1 hold 2 each): 8 GPUs, 3 free;
 *   <li>L40S leaf-3: l40s-1 (embedder-0 holds 2) and l40s-2 (whisper shares on GPU 0): 8 GPUs, 5 free. Stranded: the
 *       generic profile asks 4 milli-CPU per milli-GPU; l40s-1 has 2,000 milli-CPU left, which feeds 500 of its 2,000
 *       free milli-GPU: 1.5 GPUs stranded; every other node has 64 CPUs left, enough for all its free GPUs;
 *   <li>cpu-1 has no GPUs: no pool.
 * </ul>
 */
class CatalogEndpointTest {
  private static Standalone gpusched;
  private static HttpResponse<String> response;
  private static Map<String, JsonNode> entities;

  @BeforeAll
  static void start() throws Exception {
    List<HasMetadata> objects = new ArrayList<>(EmbeddedApiServer.readClusterFile(
        TestData.projectRoot().resolve("deploy/examples/cluster.yaml")));
    List<HasMetadata> mlservices = EmbeddedApiServer.readClusterFile(
        TestData.projectRoot().resolve("deploy/examples/mlservices.yaml"));
    objects.addAll(mlservices);
    objects.add(new PodBuilder().withNewMetadata().withNamespace("batch").withName("cpu-hog").endMetadata()
        .withNewSpec().withNodeName("l40s-1").addNewContainer().withName("main").withImage("busybox")
        .withNewResources().addToRequests("cpu", new Quantity("62")).endResources().endContainer().endSpec()
        .withNewStatus().withPhase("Running").endStatus().build());
    gpusched = Standalone.start(objects);
    for (HasMetadata o : mlservices) {
      if (o instanceof GenericKubernetesResource service) {
        gpusched.client.genericKubernetesResources(OwnerAnnotations.Resource.DEFAULT.context())
            .inNamespace(service.getMetadata().getNamespace()).resource(service).create();
      }
    }
    long deadline = System.currentTimeMillis() + 20_000;
    do {
      response = gpusched.get("/catalog/entities.yaml");
      entities = CatalogDocuments.read(response.body());
      Thread.sleep(20);
    } while (entities.keySet().stream().filter(k -> k.startsWith("Component:")).count() < 3
        && System.currentTimeMillis() < deadline);
  }

  @AfterAll
  static void stop() {
    if (gpusched != null) {
      gpusched.close();
    }
  }

  @Test
  void servedAsYamlOneEntityPerPoolAndMlServiceAndTheSystem() {
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/yaml");
    assertThat(entities.keySet()).containsExactly("System:gpusched",
        "Resource:nvidia-a100-pcie-40gb.leaf-2", "Resource:nvidia-h100-80gb-hbm3.leaf-1",
        "Resource:nvidia-h100-80gb-hbm3.leaf-2", "Resource:nvidia-l40s.leaf-3",
        "Component:bert-train.ml-train", "Component:idle.ml-serve", "Component:llm-serve.ml-serve");
    entities.values().forEach(e -> {
      assertThat(e.path("apiVersion").asString()).isEqualTo("backstage.io/v1alpha1");
      assertThat(e.path("metadata").path("namespace").asString()).isEqualTo("default");
    });
  }

  @Test
  void poolsCarryTheirAllocationFigures() {
    assertThat(figures("nvidia-h100-80gb-hbm3.leaf-1")).containsExactly("NVIDIA-H100-80GB-HBM3", "leaf-1", "2", "16",
        "10", "0", "0", "unknown", "0/2");
    assertThat(figures("nvidia-h100-80gb-hbm3.leaf-2")).containsExactly("NVIDIA-H100-80GB-HBM3", "leaf-2", "1", "8",
        "6", "0", "0", "unknown", "0/1");
    assertThat(figures("nvidia-a100-pcie-40gb.leaf-2")).containsExactly("NVIDIA-A100-PCIE-40GB", "leaf-2", "1", "8",
        "3", "0", "0", "unknown", "0/1");
    assertThat(figures("nvidia-l40s.leaf-3")).containsExactly("NVIDIA-L40S", "leaf-3", "2", "8", "5", "1.5", "0",
        "unknown", "0/2");
    JsonNode system = entities.get("System:gpusched");
    assertThat(annotation(system, "gpusched.dev/gpus")).isEqualTo("40");
    assertThat(annotation(system, "gpusched.dev/free-gpus")).isEqualTo("24");
  }

  private static List<String> figures(String pool) {
    JsonNode e = entities.get("Resource:" + pool);
    assertThat(spec(e, "type")).containsExactly("gpu-pool");
    assertThat(spec(e, "system")).containsExactly("gpusched");
    return List.of("gpu-product", "network-leaf", "nodes", "gpus", "free-gpus", "stranded-gpus", "unhealthy-gpus",
        "dcgm-health", "dcgm-nodes").stream().map(k -> annotation(e, "gpusched.dev/" + k)).toList();
  }

  @Test
  void mlServicesDependOnThePoolsTheirPodsHoldGpusIn() {
    JsonNode llm = entities.get("Component:llm-serve.ml-serve");
    assertThat(spec(llm, "type")).containsExactly("ml-service");
    assertThat(spec(llm, "dependsOn")).containsExactly("resource:nvidia-h100-80gb-hbm3.leaf-1",
        "resource:nvidia-h100-80gb-hbm3.leaf-2");
    assertThat(spec(llm, "owner")).containsExactly("inference-team"); // its owner label
    assertThat(spec(llm, "lifecycle")).containsExactly("experimental"); // its lifecycle label
    assertThat(spec(llm, "system")).containsExactly("gpusched");
    assertThat(annotation(llm, "gpusched.dev/mlservice")).isEqualTo("ml-serve/llm-serve");
    assertThat(annotation(llm, "backstage.io/kubernetes-namespace")).isEqualTo("ml-serve");
    assertThat(annotation(llm, "gpusched.dev/pods")).isEqualTo("2");
    assertThat(annotation(llm, "gpusched.dev/gpus")).isEqualTo("4");
    assertThat(annotation(llm, "gpusched.dev/gang-state")).isEqualTo("none");

    JsonNode bert = entities.get("Component:bert-train.ml-train");
    assertThat(spec(bert, "dependsOn")).containsExactly("resource:nvidia-a100-pcie-40gb.leaf-2");
    assertThat(spec(bert, "owner")).containsExactly("ml-platform"); // no label: the default owner
    assertThat(spec(bert, "lifecycle")).containsExactly("production");
    assertThat(annotation(bert, "gpusched.dev/gang")).isEqualTo("ml-train/bert-train");
    assertThat(annotation(bert, "gpusched.dev/gang-state")).isEqualTo("bound"); // both members bound and running

    JsonNode idle = entities.get("Component:idle.ml-serve");
    assertThat(spec(idle, "dependsOn")).isEmpty();
    assertThat(annotation(idle, "gpusched.dev/pods")).isEqualTo("0");
  }

  @Test
  @RequiresTool({"node", "npm"})
  void backstagesOwnValidatorAcceptsEveryEntityAndDerivesTheRelations() throws Exception {
    BackstageValidator.Report report = BackstageValidator.validate(response.body());
    assertThat(report.errors()).isEmpty();
    assertThat(report.exitCode()).isZero();
    assertThat(report.entities()).containsExactly("system:default/gpusched",
        "resource:default/nvidia-a100-pcie-40gb.leaf-2", "resource:default/nvidia-h100-80gb-hbm3.leaf-1",
        "resource:default/nvidia-h100-80gb-hbm3.leaf-2", "resource:default/nvidia-l40s.leaf-3",
        "component:default/bert-train.ml-train", "component:default/idle.ml-serve",
        "component:default/llm-serve.ml-serve");
    String llm = "component:default/llm-serve.ml-serve";
    assertThat(report.relations()).contains(
        List.of(llm, "dependsOn", "resource:default/nvidia-h100-80gb-hbm3.leaf-1"),
        List.of(llm, "dependsOn", "resource:default/nvidia-h100-80gb-hbm3.leaf-2"),
        List.of(llm, "partOf", "system:default/gpusched"),
        List.of(llm, "ownedBy", "group:default/inference-team"),
        List.of("component:default/bert-train.ml-train", "dependsOn", "resource:default/nvidia-a100-pcie-40gb.leaf-2"),
        List.of("resource:default/nvidia-l40s.leaf-3", "partOf", "system:default/gpusched"),
        List.of("system:default/gpusched", "ownedBy", "group:default/ml-platform"));
    // Every pool and MLService is part of the System, and every dependency points at an emitted pool.
    for (String ref : report.entities()) {
      if (!ref.startsWith("system:")) {
        assertThat(report.relations()).contains(List.of(ref, "partOf", "system:default/gpusched"));
      }
    }
    report.relations().stream().filter(r -> r.get(1).equals("dependsOn"))
        .forEach(r -> assertThat(report.entities()).contains(r.get(2)));
  }
}
