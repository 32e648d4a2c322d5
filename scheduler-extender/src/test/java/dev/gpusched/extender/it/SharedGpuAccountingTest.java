package dev.gpusched.extender.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * GPU sharing ({@code gpusched.dev/gpu-milli}): many shared pods packed onto two 4-GPU nodes through the real bind
 * path; per GPU the ledger's milli-GPU and memory equal the sums of its pods' requests, never exceed the GPU, and whole
 * GPU pods never share; the same holds after deletions and after a restart.
 */
class SharedGpuAccountingTest {
  private static final long GPU_MIB = 24_576;
  private Standalone gpusched;

  @BeforeEach
  void start() throws Exception {
    gpusched = Standalone.start(List.of(Standalone.gpuNode("share-a", 4, "NVIDIA-L4", GPU_MIB),
        Standalone.gpuNode("share-b", 4, "NVIDIA-L4", GPU_MIB)));
  }

  @AfterEach
  void stop() {
    gpusched.close();
  }

  @Test
  void sharesAreAccountedExactlyThroughBindDeleteAndRestart() throws Exception {
    Random random = new Random(42);
    List<String> bound = new ArrayList<>();
    int refused = 0;
    for (int i = 0; i < 40; i++) {
      int milli = 100 + 50 * random.nextInt(9); // 100..500
      int gib = 1 + random.nextInt(8);
      String name = "s-" + i;
      Pod p = gpusched.create(Standalone.sharedPod("ml", name, milli, Map.of("gpusched.dev/gpu-memory", gib + "Gi")));
      String node = i % 2 == 0 ? "share-a" : "share-b";
      String error = gpusched.bind(p, node);
      if (error.isEmpty()) {
        bound.add(name);
      } else {
        assertThat(error).contains("milli-GPU");
        refused++;
      }
      if (i == 10) {
        // A whole-GPU pod in the middle of the stream gets a GPU nobody shares.
        Pod whole = gpusched.create(Standalone.gpuPod("ml", "whole", 1, Map.of()));
        assertThat(gpusched.bind(whole, "share-a")).isEmpty();
      }
    }
    assertThat(bound.size()).isGreaterThan(10);
    assertExact();

    for (int i = 0; i < bound.size(); i += 3) {
      gpusched.client.pods().inNamespace("ml").withName(bound.get(i)).delete();
    }
    awaitExact();

    gpusched.stopGpusched();
    gpusched.startGpusched();
    assertExact();
    System.out.printf("shared pods bound %d, refused %d (no room on their node)%n", bound.size(), refused);
  }

  private void awaitExact() throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (true) {
      try {
        assertExact();
        return;
      } catch (AssertionError e) {
        if (System.currentTimeMillis() > deadline) {
          throw e;
        }
        Thread.sleep(50);
      }
    }
  }

  /** Ledger per GPU == sum over the pods the API says are bound there (annotation gpu-ids). */
  private void assertExact() throws Exception {
    for (String node : List.of("share-a", "share-b")) {
      gpusched.awaitSettled(node);
      Map<Integer, int[]> expected = new HashMap<>();
      Map<Integer, Boolean> wholeHeld = new HashMap<>();
      for (Pod p : gpusched.client.pods().inNamespace("ml").list().getItems()) {
        if (!node.equals(p.getSpec().getNodeName())) {
          continue;
        }
        int gpu = Integer.parseInt(p.getMetadata().getAnnotations().get("gpusched.dev/gpu-ids"));
        var limits = p.getSpec().getContainers().get(0).getResources().getLimits();
        if (limits.containsKey("gpusched.dev/gpu-milli")) {
          int[] sum = expected.computeIfAbsent(gpu, k -> new int[2]);
          sum[0] += limits.get("gpusched.dev/gpu-milli").getNumericalAmount().intValue();
          sum[1] += (int) (Long.parseLong(p.getMetadata().getAnnotations().get("gpusched.dev/gpu-memory").replace("Gi", "")) * 1024);
        } else {
          wholeHeld.put(gpu, true);
        }
      }
      JsonNode gpus = gpusched.inspect(node).path("gpus");
      for (JsonNode g : gpus) {
        int index = g.path("index").intValue();
        int[] sum = expected.getOrDefault(index, new int[2]);
        if (wholeHeld.containsKey(index)) {
          assertThat(sum[0]).as(node + " GPU " + index + " held whole and shared").isZero();
          assertThat(g.path("state").asString()).isEqualTo("whole");
          continue;
        }
        assertThat(g.path("milliUsed").intValue()).as(node + " GPU " + index + " milli").isEqualTo(sum[0]).isLessThanOrEqualTo(1000);
        assertThat(g.path("memoryRequestedMiB").longValue()).as(node + " GPU " + index + " memory").isEqualTo(sum[1])
            .isLessThanOrEqualTo(GPU_MIB);
      }
      assertThat(gpusched.inspect(node).path("conflicts").size()).isZero();
    }
  }
}
