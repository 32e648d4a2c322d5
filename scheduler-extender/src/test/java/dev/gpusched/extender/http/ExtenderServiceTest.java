package dev.gpusched.extender.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpusched.extender.api.BadRequestException;
import dev.gpusched.extender.api.FilterResult;
import dev.gpusched.extender.api.WireJson;
import dev.gpusched.extender.bind.Binder;
import dev.gpusched.extender.bind.ClusterWriter;
import dev.gpusched.extender.cycle.Scheduler;
import dev.gpusched.extender.decide.DecisionPipeline;
import dev.gpusched.extender.it.Standalone;
import dev.gpusched.extender.kube.KubeRecords;
import dev.gpusched.extender.metrics.ExtenderMetrics;
import dev.gpusched.extender.state.ClusterState;
import dev.gpusched.extender.testing.FixedPods;
import io.fabric8.kubernetes.api.model.Pod;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The verbs' decode and encode around the scheduling cycle: how "not synced yet" and an unreadable demand reach each
 * verb's answer (the Error field, HTTP 503, HTTP 400, or no candidate), and what a decided filter and bind answer.
 */
class ExtenderServiceTest {
  private static final String NOT_SYNCED = "gpusched has not synced its node and pod cache with the API server yet; "
      + "no decision is made on a partial cache";
  private final ClusterState state = new ClusterState();
  private final FixedPods pods = new FixedPods();
  private final ExtenderMetrics metrics = new ExtenderMetrics(state::snapshot, () -> true, () -> true);
  private final DecisionPipeline pipeline = DecisionPipeline.standard();
  private final ExtenderService service = new ExtenderService(new Scheduler(state::snapshot, pipeline,
      new Binder(state, pipeline, refusingWriter(), pods), pods, metrics), metrics);

  @AfterEach
  void close() {
    state.close();
  }

  private static ClusterWriter refusingWriter() {
    return (namespace, name, uid, node, gpuIds) -> {
      throw new IllegalStateException("no API in this test");
    };
  }

  private void synced() {
    state.submit(l -> l.upsertNode(KubeRecords.nodeInfo(Standalone.gpuNode("n1", 8, "NVIDIA-H100"))));
    state.submit(l -> l.upsertNode(KubeRecords.nodeInfo(Standalone.gpuNode("n2", 2, "NVIDIA-H100"))));
    state.markSynced();
    state.apply(l -> null).join();
  }

  private static byte[] filterBody(Pod pod) {
    return Standalone.filterBody(pod, List.of("n1", "n2", "n9")).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] preemptBody(Pod pod) {
    return ("{\"Pod\":" + dev.gpusched.extender.testing.KubeJson.SERIALIZATION.asJson(pod) + ",\"NodeNameToMetaVictims\":{\"n1\":{\"Pods\":[{\"UID\":"
        + "\"v1\"}],\"NumPDBViolations\":0}}}").getBytes(StandardCharsets.UTF_8);
  }

  private static JsonNode json(byte[] bytes) {
    return Standalone.JSON.readTree(bytes);
  }

  @Test
  void beforeTheCachesSyncFilterAnswersErrorPrioritizeIsUnavailableAndPreemptProposesNothing() {
    Pod pod = Standalone.gpuPod("ml", "p", 4, Map.of());

    assertThat(service.filter(filterBody(pod)).error()).isEqualTo(NOT_SYNCED);
    assertThatThrownBy(() -> service.prioritize(filterBody(pod))).isInstanceOf(ExtenderService.NotReadyException.class)
        .hasMessage(NOT_SYNCED);
    assertThat(service.preempt(preemptBody(pod)).path("NodeNameToMetaVictims").isEmpty()).isTrue();
  }

  @Test
  void anUnreadableDemandIsFiltersErrorAndABadRequestForPrioritizeAndPreempt() {
    synced();
    Pod pod = Standalone.gpuPod("ml", "p", 4, Map.of("gpusched.dev/placement", "sideways"));

    String error = service.filter(filterBody(pod)).error();

    assertThat(error).startsWith("pod ml/p: gpusched.dev/placement=\"sideways\"");
    assertThatThrownBy(() -> service.prioritize(filterBody(pod))).isInstanceOf(BadRequestException.class)
        .hasMessage(error);
    assertThatThrownBy(() -> service.preempt(preemptBody(pod))).isInstanceOf(BadRequestException.class)
        .hasMessage(error);
  }

  @Test
  void filterEchoesTheCandidatesThatPassAndGivesEveryOtherItsReason() {
    synced();
    FilterResult result = service.filter(filterBody(Standalone.gpuPod("ml", "p", 4, Map.of())));

    JsonNode answer = json(result.toJson());
    assertThat(answer.path("NodeNames").toString()).isEqualTo("[\"n1\"]");
    assertThat(answer.path("FailedNodes").path("n2").asString()).isEqualTo("needs 4 GPUs, 2 free");
    assertThat(answer.path("FailedNodes").path("n9").asString()).isEqualTo("gpusched does not know node n9 (not in its node cache yet)");
    assertThat(answer.path("Error").asString()).isEmpty();
  }

  @Test
  void bindAnswersTheBindersRefusalInTheErrorFieldAndCountsIt() {
    synced();
    JsonNode answer = service.bind(
        "{\"PodName\":\"p\",\"PodNamespace\":\"ml\",\"PodUID\":\"uid-p\",\"Node\":\"n1\"}".getBytes(StandardCharsets.UTF_8));

    assertThat(answer.path("Error").asString())
        .isEqualTo("pod ml/p is not in gpusched's cache (deleted, or not yet seen); not bound");
    assertThat(metrics.scrape()).contains("gpusched_bind_total{result=\"error\"} 1.0");
  }
}
