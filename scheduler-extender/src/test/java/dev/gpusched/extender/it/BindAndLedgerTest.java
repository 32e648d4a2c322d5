package dev.gpusched.extender.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Informers, ledger and bind against fabric8's mock API server in CRUD mode; restart rebuilds the same ledger. */
class BindAndLedgerTest {
  private Standalone gpusched;

  @BeforeEach
  void start() throws Exception {
    List<HasMetadata> objects = new ArrayList<>();
    objects.add(Standalone.gpuNode("node-a", 8, "NVIDIA-H100-80GB-HBM3"));
    objects.add(Standalone.gpuNode("node-b", 4, "NVIDIA-L40S"));
    // Bound by someone else, no gpusched.dev/gpu-ids: counted on the lowest free GPUs.
    Pod foreign = Standalone.gpuPod("team", "foreign", 2, Map.of());
    foreign.getSpec().setNodeName("node-b");
    foreign.getStatus().setPhase("Running");
    objects.add(foreign);
    gpusched = Standalone.start(objects);
  }

  @AfterEach
  void stop() {
    gpusched.close();
  }

  @Test
  void bindWritesGpuIdsThenTheBindingAndTheLedgerFollows() throws Exception {
    Pod p = gpusched.create(Standalone.gpuPod("ml", "train-0", 3, Map.of()));
    assertThat(gpusched.bind(p, "node-a")).isEmpty();
    Pod live = gpusched.client.pods().inNamespace("ml").withName("train-0").get();
    assertThat(live.getSpec().getNodeName()).isEqualTo("node-a");
    assertThat(live.getMetadata().getAnnotations()).containsEntry("gpusched.dev/gpu-ids", "0,1,2");
    gpusched.awaitSettled("node-a");
    JsonNode node = gpusched.inspect("node-a");
    assertThat(node.path("node").asString()).isEqualTo("node-a");
    assertThat(node.path("gpus").get(0).path("index").intValue()).isZero();
    assertThat(node.path("gpus").get(0).path("pods").get(0).asString()).isEqualTo("ml/train-0");
    assertThat(node.path("gpus").get(3).path("pods").size()).isZero();
    assertThat(node.path("freeGpus").intValue()).isEqualTo(5);
  }

  @Test
  void foreignPodIsCountedAndSecondBindTakesOtherGpus() throws Exception {
    JsonNode b = gpusched.inspect("node-b");
    assertThat(b.path("freeGpus").intValue()).isEqualTo(2);
    assertThat(b.path("pods").get(0).path("source").asString()).isEqualTo("inferred");
    Pod p = gpusched.create(Standalone.gpuPod("ml", "serve-0", 2, Map.of()));
    assertThat(gpusched.bind(p, "node-b")).isEmpty();
    assertThat(gpusched.client.pods().inNamespace("ml").withName("serve-0").get().getMetadata().getAnnotations())
        .containsEntry("gpusched.dev/gpu-ids", "2,3");
    Pod q = gpusched.create(Standalone.gpuPod("ml", "serve-1", 1, Map.of()));
    assertThat(gpusched.bind(q, "node-b")).contains("needs 1 GPU, 0 free");
    assertThat(gpusched.client.pods().inNamespace("ml").withName("serve-1").get().getSpec().getNodeName()).isNull();
  }

  @Test
  void deletedOrFinishedPodsFreeTheirGpus() throws Exception {
    Pod p = gpusched.create(Standalone.gpuPod("ml", "job-0", 4, Map.of()));
    Pod q = gpusched.create(Standalone.gpuPod("ml", "job-1", 4, Map.of()));
    assertThat(gpusched.bind(p, "node-a")).isEmpty();
    assertThat(gpusched.bind(q, "node-a")).isEmpty();
    gpusched.awaitSettled("node-a");
    assertThat(gpusched.inspect("node-a").path("freeGpus").intValue()).isZero();
    gpusched.client.pods().inNamespace("ml").withName("job-0").delete();
    Pod finished = gpusched.client.pods().inNamespace("ml").withName("job-1").get();
    finished.getStatus().setPhase("Succeeded");
    gpusched.client.pods().inNamespace("ml").resource(finished).updateStatus();
    awaitFree("node-a", 8);
  }

  @Test
  void restartRebuildsTheSameLedgerFromTheApi() throws Exception {
    for (int i = 0; i < 3; i++) {
      Pod p = gpusched.create(Standalone.gpuPod("ml", "w-" + i, 2, Map.of()));
      assertThat(gpusched.bind(p, "node-a")).isEmpty();
    }
    Pod shared = gpusched.create(Standalone.sharedPod("ml", "s-0", 300, Map.of()));
    assertThat(gpusched.bind(shared, "node-a")).isEmpty();
    gpusched.awaitSettled("node-a");
    gpusched.awaitSettled("node-b");
    JsonNode beforeA = gpusched.inspect("node-a");
    JsonNode beforeB = gpusched.inspect("node-b");
    assertThat(beforeA.path("freeGpus").intValue()).isEqualTo(1);

    gpusched.stopGpusched();
    gpusched.startGpusched();

    assertThat(gpusched.inspect("node-a").path("gpus")).isEqualTo(beforeA.path("gpus"));
    assertThat(gpusched.inspect("node-a").path("pods")).isEqualTo(beforeA.path("pods"));
    assertThat(gpusched.inspect("node-b")).isEqualTo(beforeB);
  }

  @Test
  void readyzAndMetricsAnswer() throws Exception {
    assertThat(gpusched.get("/readyz").statusCode()).isEqualTo(200);
    assertThat(gpusched.get("/healthz").body()).isEqualTo("ok");
    Pod p = gpusched.create(Standalone.gpuPod("ml", "m-0", 1, Map.of()));
    gpusched.post("/scheduler/filter", Standalone.filterBody(p, List.of("node-a", "node-b", "ghost")));
    String metrics = gpusched.get("/metrics").body();
    assertThat(metrics).contains("gpusched_extender_request_seconds_bucket{")
        .contains("gpusched_filter_rejections_total{reason=\"unknown_node\"} 1.0")
        .contains("gpusched_node_gpus{model=\"NVIDIA-L40S\",node=\"node-b\",state=\"free\"} 2.0")
        .contains("gpusched_ready 1.0")
        // a fresh gpusched: the first pod of this shape has both known nodes' verdicts computed
        .contains("gpusched_verdicts_total{source=\"computed\"} 2.0")
        .contains("gpusched_verdicts_total{source=\"memo\"} 0.0");

    gpusched.post("/scheduler/filter", Standalone.filterBody(p, List.of("node-a", "node-b")));
    Pod sameShape = gpusched.create(Standalone.gpuPod("ml", "m-1", 1, Map.of()));
    gpusched.post("/scheduler/filter", Standalone.filterBody(sameShape, List.of("node-a", "node-b")));
    assertThat(gpusched.get("/metrics").body())
        .as("the same pod again and a replica of its shape are answered from the memo")
        .contains("gpusched_verdicts_total{source=\"memo\"} 4.0")
        .contains("gpusched_verdicts_total{source=\"computed\"} 2.0");
  }

  private void awaitFree(String node, int free) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    int seen = -1;
    while (System.currentTimeMillis() < deadline) {
      seen = gpusched.inspect(node).path("freeGpus").intValue();
      if (seen == free) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError(node + " has " + seen + " free GPUs, expected " + free);
  }
}
