package dev.gpusched.deploy.kro;

import static dev.gpusched.deploy.kro.MlServiceRgdTest.observed;
import static dev.gpusched.deploy.kro.MlServiceRgdTest.sample;
import static dev.gpusched.deploy.kro.MlServiceRgdTest.withSpec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.deploy.ProjectPaths;
import dev.gpusched.deploy.Yaml;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An MLService's readiness (each resource's readyWhen) and status fields, evaluated with CEL-Java on workload objects
 * as the API server reports them while their pods wait, start, run and finish: an instance is Pending, and not ready,
 * until its pods run.
 */
class MlServiceStatusTest {
  private static final RgdRenderer RENDERER =
      new RgdRenderer(Yaml.readOne(ProjectPaths.deploy().resolve("kro/mlservice-rgd.yaml")));

  /** The status kro would write with the workload observed in this state (the Service and budget as rendered). */
  private static Map<String, Object> status(RgdRenderer.RenderedGraph graph, String workloadId, Map<String, Object> workloadStatus) {
    Map<String, Map<String, Object>> live = new LinkedHashMap<>();
    for (RgdRenderer.RenderedResource r : graph.resources()) {
      live.put(r.id(), observed(r.object(), r.id().equals(workloadId) ? workloadStatus : Map.of()));
    }
    return RENDERER.status(graph, live);
  }

  private static boolean ready(RgdRenderer.RenderedGraph graph, String id, Map<String, Object> workloadStatus) {
    return RENDERER.ready(id, observed(graph.resource(id).object(), workloadStatus));
  }

  @Test
  void aServingInstanceIsPendingUntilEveryReplicaIsAvailable() {
    RgdRenderer.RenderedGraph graph = RENDERER.render(sample("llm-serve")); // 2 replicas
    // Just created: the Deployment controller has not reported yet.
    assertThat(status(graph, "deployment", Map.of())).containsEntry("endpoint", "llm-serve.ml.svc")
        .containsEntry("serving", Map.of("replicas", 2L, "readyReplicas", 0L, "phase", "Pending", "gang", "None"))
        .doesNotContainKey("training");
    assertThat(ready(graph, "deployment", Map.of())).isFalse();
    // Both pods created, one placed and running, the other waiting for GPUs.
    Map<String, Object> oneUp = Map.of("observedGeneration", 1, "replicas", 2, "updatedReplicas", 2, "readyReplicas", 1,
        "availableReplicas", 1, "unavailableReplicas", 1);
    assertThat(status(graph, "deployment", oneUp)).extracting("serving")
        .isEqualTo(Map.of("replicas", 2L, "readyReplicas", 1L, "phase", "Pending", "gang", "None"));
    assertThat(ready(graph, "deployment", oneUp)).isFalse();
    Map<String, Object> allUp = Map.of("observedGeneration", 1, "replicas", 2, "updatedReplicas", 2, "readyReplicas", 2,
        "availableReplicas", 2);
    assertThat(status(graph, "deployment", allUp)).extracting("serving")
        .isEqualTo(Map.of("replicas", 2L, "readyReplicas", 2L, "phase", "Running", "gang", "None"));
    assertThat(ready(graph, "deployment", allUp)).isTrue();
    // A rollout in progress: a new-template replica is not available yet, an old one still serves.
    Map<String, Object> rolling = Map.of("observedGeneration", 1, "replicas", 2, "updatedReplicas", 1, "readyReplicas", 1,
        "availableReplicas", 1);
    assertThat(ready(graph, "deployment", rolling)).isFalse();
    // The controller has not seen the latest spec yet.
    Map<String, Object> stale = new LinkedHashMap<>(allUp);
    stale.put("observedGeneration", 0);
    assertThat(ready(graph, "deployment", stale)).isFalse();
  }

  @Test
  void aServingGangIsPlacedOnceEveryMemberRuns() {
    RgdRenderer.RenderedGraph graph = RENDERER.render(withSpec(sample("llm-serve"), "gang", true));
    Map<String, Object> waiting = Map.of("observedGeneration", 1, "replicas", 2, "updatedReplicas", 2,
        "unavailableReplicas", 2);
    assertThat(status(graph, "deployment", waiting)).extracting("serving")
        .isEqualTo(Map.of("replicas", 2L, "readyReplicas", 0L, "phase", "Pending", "gang", "Waiting"));
    Map<String, Object> placed = Map.of("observedGeneration", 1, "replicas", 2, "updatedReplicas", 2, "readyReplicas", 2,
        "availableReplicas", 2);
    assertThat(status(graph, "deployment", placed)).extracting("serving")
        .isEqualTo(Map.of("replicas", 2L, "readyReplicas", 2L, "phase", "Running", "gang", "Placed"));
  }

  @Test
  void anAutoscaledInstanceCountsTheReplicasTheAutoscalerChose() {
    RgdRenderer.RenderedGraph graph = RENDERER.render(sample("chat-serve-autoscaled"));
    Map<String, Object> deployment = observed(graph.resource("deployment").object(),
        Map.of("observedGeneration", 1, "replicas", 5, "updatedReplicas", 5, "readyReplicas", 5, "availableReplicas", 5));
    Map<String, Object> spec = Yaml.asMap(deployment.get("spec"));
    spec.put("replicas", 5); // set by the HPA through the scale subresource
    deployment.put("spec", spec);
    Map<String, Map<String, Object>> live = new LinkedHashMap<>();
    live.put("deployment", deployment);
    assertThat(RENDERER.status(graph, live)).extracting("serving")
        .isEqualTo(Map.of("replicas", 5L, "readyReplicas", 5L, "phase", "Running", "gang", "None"));
    assertThat(RENDERER.ready("deployment", deployment)).isTrue();
  }

  @Test
  void aTrainingInstanceIsPendingUntilEveryWorkerRunsAndThenSucceedsOrFails() {
    RgdRenderer.RenderedGraph graph = RENDERER.render(sample("bert-train")); // 4 workers, a gang
    Map<String, Object> created = Map.of("active", 4);
    assertThat(status(graph, "job", created)).doesNotContainKey("serving").extracting("training")
        .isEqualTo(Map.of("job", "bert-train-94aa7e24", "workers", 4L, "readyWorkers", 0L, "phase", "Pending", "gang", "Waiting"));
    assertThat(ready(graph, "job", created)).isFalse();
    Map<String, Object> threeOfFour = Map.of("active", 4, "ready", 3);
    assertThat(status(graph, "job", threeOfFour)).extracting("training.phase", "training.gang")
        .containsExactly("Pending", "Waiting");
    assertThat(ready(graph, "job", threeOfFour)).isFalse();
    Map<String, Object> running = Map.of("active", 4, "ready", 4);
    assertThat(status(graph, "job", running)).extracting("training.phase", "training.gang")
        .containsExactly("Running", "Placed");
    assertThat(ready(graph, "job", running)).isTrue();
    Map<String, Object> succeeded = Map.of("succeeded", 4, "ready", 0,
        "conditions", List.of(Map.of("type", "Complete", "status", "True")));
    assertThat(status(graph, "job", succeeded)).extracting("training.phase", "training.gang")
        .containsExactly("Succeeded", "Released");
    assertThat(ready(graph, "job", succeeded)).isTrue();
    Map<String, Object> failed = Map.of("failed", 1, "ready", 0,
        "conditions", List.of(Map.of("type", "FailureTarget", "status", "True"), Map.of("type", "Failed", "status", "True")));
    assertThat(status(graph, "job", failed)).extracting("training.phase", "training.gang")
        .containsExactly("Failed", "Released");
    assertThat(ready(graph, "job", failed)).isFalse();
  }

  @Test
  void aStatusFieldWhoseResourceIsNotThereYetIsLeftOut() {
    RgdRenderer.RenderedGraph graph = RENDERER.render(sample("llm-serve"));
    Map<String, Map<String, Object>> onlyService = Map.of("service", observed(graph.resource("service").object(), Map.of()));
    assertThat(RENDERER.status(graph, onlyService)).isEqualTo(Map.of("endpoint", "llm-serve.ml.svc"));
  }
}
