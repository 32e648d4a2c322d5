package dev.gpusched.extender.decide.memo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.decide.CpuRanges;
import dev.gpusched.extender.decide.Verdict;
import org.junit.jupiter.api.Test;

/** A GPU row gives back the verdict written for the CPU requests of each stretch, only under its tag and memory range. */
class GpuRowsTest {
  private final Object layout = new Object();
  private final GpuRows rows = new GpuRows(new Generation(layout, new int[] {1}, 0), 10);

  @Test
  void aRowAnswersItsStretchesAndNothingElse() {
    int row = rows.row(3, 5);
    long tag = DemandShapes.tag(7, 5);
    rows.write(row, tag, Range.of(1, 40_960), new CpuRanges(1_000, Verdict.passed(7), 4_000, Verdict.passed(3)));
    assertThat(rows.verdict(row, tag, 40_960, 0)).isEqualTo(7);
    assertThat(rows.verdict(row, tag, 1, 1_000)).isEqualTo(7);
    assertThat(rows.verdict(row, tag, 1, 1_001)).isEqualTo(GpuRows.BETWEEN);
    assertThat(rows.verdict(row, tag, 1, 3_999)).isEqualTo(GpuRows.BETWEEN);
    assertThat(rows.verdict(row, tag, 1, 4_000)).isEqualTo(3);
    assertThat(rows.verdict(row, tag, 40_961, 0)).as("another memory range").isEqualTo(GpuRows.MISSING);
    assertThat(rows.verdict(row, tag, 0, 0)).as("no memory asked").isEqualTo(GpuRows.MISSING);
    assertThat(rows.verdict(row, DemandShapes.tag(8, 5), 1, 0)).as("a new node state").isEqualTo(GpuRows.MISSING);
    assertThat(rows.verdict(rows.row(4, 5), tag, 1, 0)).as("another node").isEqualTo(GpuRows.MISSING);
  }

  @Test
  void aRejectionHoldsForEveryCpuRequestAndMaxedStretchesStopAtInt() {
    int row = rows.row(0, 1);
    long tag = DemandShapes.tag(1, 1);
    rows.write(row, tag, Range.ALL, CpuRanges.flat(Verdict.failed(2)));
    assertThat(rows.verdict(row, tag, 0, 0)).isEqualTo(Verdict.failed(2));
    assertThat(rows.verdict(row, tag, 0, Integer.MAX_VALUE)).isEqualTo(Verdict.failed(2));
    assertThat(rows.verdict(row, tag, 0, Integer.MAX_VALUE + 1L)).as("beyond the codec: computed")
        .isEqualTo(GpuRows.BETWEEN);
    rows.write(row, tag, Range.ALL, new CpuRanges(-1, 0, CpuRanges.NO_HIGH, 0));
    assertThat(rows.verdict(row, tag, 0, 0)).as("no flat stretch").isEqualTo(GpuRows.BETWEEN);
  }

  @Test
  void aTableServesOneLayoutInputsAndEpoch() {
    Generation generation = rows.generation();
    assertThat(generation.serves(layout, new int[] {1}, 0)).isTrue();
    assertThat(generation.serves(new Object(), new int[] {1}, 0)).isFalse();
    assertThat(generation.serves(layout, new int[] {2}, 0)).isFalse();
    assertThat(generation.serves(layout, new int[] {1}, 1)).isFalse();
  }
}
