package dev.gpusched.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The report gives no target verdict for a rate phase that only measured its own queue. */
class LoadReportTest {
  private static LoadResult result(String target, String mode, long micros) {
    Histogram h = new Histogram(3);
    for (int i = 0; i < 100; i++) {
      h.recordValue(micros);
    }
    return new LoadResult(target, 5000, mode, h, 0, 1);
  }

  private static String printed(List<LoadResult> results) {
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    LoadReport.print(results, new PrintStream(text, true, StandardCharsets.UTF_8));
    return text.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aQueuedRatePhaseGetsNoVerdictAndAServedOneDoes() {
    List<LoadResult> queued = List.of(result("gpusched", "closed", 3_000), result("null", "closed", 2_000),
        result("gpusched", "rate", 4_800_000), result("null", "rate", 4_700_000));
    assertThat(LoadReport.saturated(queued.get(2), queued)).isTrue();
    assertThat(LoadReport.saturated(queued.get(0), queued)).isFalse();
    String out = printed(queued);
    assertThat(out).contains("target at 5000 nodes, rate: no verdict: the phase queued")
        .doesNotContain("rate: p99");
    assertThat(out).contains("target at 5000 nodes, closed: p99 3.0");

    List<LoadResult> served = List.of(result("gpusched", "closed", 3_000), result("null", "closed", 2_000),
        result("gpusched", "rate", 1_400), result("null", "rate", 1_300));
    assertThat(LoadReport.saturated(served.get(2), served)).isFalse();
    assertThat(printed(served)).contains("(<= 1.5: met), p99 ratio 1.08 (<= 1.3: met)");
  }

  @Test
  void withoutAClosedPhaseOnlyASecondLongMedianCountsAsQueued() {
    assertThat(LoadReport.saturated(result("gpusched", "rate", 900_000), List.of())).isFalse();
    assertThat(LoadReport.saturated(result("gpusched", "rate", 1_200_000), List.of())).isTrue();
  }
}
