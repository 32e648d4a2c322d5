package dev.gpusched.extender.decide.memo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.state.ClusterState;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.extender.state.NodeInfo;
import dev.gpusched.extender.state.PodRecord;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A memory range holds exactly the requests that fit the node's GPUs as the request it was built around does. */
class MemoryFitRangeTest {

  /** What a plugin that reads memory by fit alone can see of a request: whether it is 0, and which GPUs it fits. */
  private static String fit(NodeGpuState node, long memoryMiB) {
    StringBuilder sb = new StringBuilder(memoryMiB <= 0 ? "none:" : "some:");
    for (int g = 0; g < node.gpuCount(); g++) {
      sb.append(node.freeMemoryMiB(g) >= memoryMiB ? '1' : '0');
    }
    return sb.append(':').append(Long.toBinaryString(node.eligibleWholeMask(memoryMiB))).toString();
  }

  private static NodeGpuState nodeWithSharedGpus() throws Exception {
    try (ClusterState state = new ClusterState()) {
      state.submit(ledger -> {
        ledger.upsertNode(NodeInfo.withTopology("n", 8, "NVIDIA-H100-80GB-HBM3", 81_559, Map.of(), Map.of(), false, null));
        long[] memory = {8_000, 20_000, 8_000, 81_559, 1};
        for (int i = 0; i < memory.length; i++) {
          ledger.upsertPod(new PodRecord("u" + i, "ns", "p" + i, "n", 0, 100, memory[i], List.of(i), false,
              "2026-11-28T00:00:00Z", null));
        }
        ledger.upsertPod(new PodRecord("w", "ns", "w", "n", 1, 0, 0, List.of(5), false, "2026-11-28T00:00:00Z", null));
      });
      state.markSynced();
      state.apply(ledger -> null).get(30, TimeUnit.SECONDS);
      return state.snapshot().node("n");
    }
  }

  @Test
  void aRangeIsEveryRequestThatFitsAlikeAndNoMore() throws Exception {
    NodeGpuState node = nodeWithSharedGpus();
    assertThat(node.freeMemoryMiB(1)).as("the shares left GPUs with different free memory").isEqualTo(61_559);
    Random random = new Random(7);
    long[] requests = new long[40];
    int k = 0;
    requests[k++] = 0;
    requests[k++] = 1;
    for (int g = 0; g < node.gpuCount(); g++) {
      long free = node.freeMemoryMiB(g);
      requests[k++] = free;
      requests[k++] = free + 1;
      requests[k++] = Math.max(0, free - 1);
    }
    while (k < requests.length) {
      requests[k++] = random.nextInt(100_000);
    }
    for (long m : requests) {
      long range = MemoryFitRange.around(node, m);
      long low = Range.from(range) - 1L;
      long high = Range.to(range);
      assertThat(Range.holds(range, m)).as("%d in its own range (%d, %d]", m, low, high).isTrue();
      String fits = fit(node, m);
      for (long inside : new long[] {low + 1, high, low + 1 + (high - low - 1) / 2}) {
        assertThat(fit(node, inside)).as("%d inside (%d, %d] fits as %d does", inside, low, high, m).isEqualTo(fits);
      }
      if (low >= Integer.MIN_VALUE) {
        assertThat(Range.holds(range, low)).isFalse();
        assertThat(fit(node, low)).as("the range cannot reach lower than %d", low).isNotEqualTo(fits);
      }
      if (high < Integer.MAX_VALUE) {
        assertThat(Range.holds(range, high + 1)).isFalse();
        assertThat(fit(node, high + 1)).as("the range cannot reach higher than %d", high).isNotEqualTo(fits);
      }
    }
  }

  @Test
  void rangesPackIntoIntsAndLoseOnlyWhatDoesNotFit() {
    assertThat(Range.holds(Range.of(3, 7), 3)).isTrue();
    assertThat(Range.holds(Range.of(3, 7), 7)).isTrue();
    assertThat(Range.holds(Range.of(3, 7), 8)).isFalse();
    assertThat(Range.holds(Range.EMPTY, 0)).isFalse();
    assertThat(Range.of(8, 7)).as("from above to: empty").isEqualTo(Range.EMPTY);
    assertThat(Range.holds(Range.of(0, Long.MAX_VALUE), Integer.MAX_VALUE)).isTrue();
    assertThat(Range.holds(Range.of(0, Long.MAX_VALUE), Integer.MAX_VALUE + 1L)).as("beyond int: left out").isFalse();
    assertThat(Range.of(Integer.MAX_VALUE + 1L, Long.MAX_VALUE)).as("wholly beyond int").isEqualTo(Range.EMPTY);
    assertThat(Range.holds(Range.of(Long.MIN_VALUE, 5), -1)).isTrue();
  }
}
