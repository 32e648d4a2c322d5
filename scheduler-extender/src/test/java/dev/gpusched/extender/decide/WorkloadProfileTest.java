package dev.gpusched.extender.decide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.List;
import org.junit.jupiter.api.Test;

class WorkloadProfileTest {
  /** 1-GPU pods: 2 any model, 1 T4 only; 2-GPU pods: 1 V100 or A100 only. */
  private static final WorkloadProfile MIXED = WorkloadProfile.builder()
      .add(1, 1000, 4000, List.of(), 2).add(1, 1000, 4000, List.of("t4"), 1)
      .add(2, 1000, 8000, List.of("v100", "a100"), 1).build();

  @Test
  void aProductSeesOnlyThePodsThatMayUseIt() {
    assertThat(MIXED.probability(0)).isEqualTo(0.75);
    assertThat(MIXED.probability(1)).isEqualTo(0.25);
    WorkloadProfile t4 = MIXED.onProduct("tesla-t4");
    assertThat(t4.probability(0)).isEqualTo(0.75);
    assertThat(t4.probability(1)).isZero();
    WorkloadProfile a100 = MIXED.onProduct("nvidia-a100-sxm4-40gb"); // matched as GpuModelFit matches: a substring
    assertThat(a100.probability(0)).isCloseTo(0.5, offset(1e-12));
    assertThat(a100.probability(1)).isEqualTo(0.25);
    assertThat(MIXED.onProduct("")).as("unknown product: only pods of any model")
        .satisfies(p -> assertThat(p.probability(0)).isCloseTo(0.5, offset(1e-12)));
    assertThat(MIXED.onProduct("tesla-t4")).isSameAs(t4);
    assertThat(t4.serial()).isEqualTo(MIXED.serial());
    assertThat(t4.cpuPerGpu()).isSameAs(MIXED.cpuPerGpu());
  }

  @Test
  void aProfileWithoutModelListsIsItsOwnViewOfEveryProduct() {
    WorkloadProfile any = WorkloadProfile.builder().add(1, 1000, 4000, List.of(), 1).build();
    assertThat(any.hasModelRestrictions()).isFalse();
    assertThat(any.onProduct("tesla-t4")).isSameAs(any);
    assertThat(MIXED.hasModelRestrictions()).isTrue();
  }

  @Test
  void closeToTellsModelListsApart() {
    WorkloadProfile same = WorkloadProfile.builder()
        .add(1, 1000, 4000, List.of(), 20).add(1, 1000, 4000, List.of("t4"), 10)
        .add(2, 1000, 8000, List.of("v100", "a100"), 10).build();
    assertThat(MIXED.closeTo(same, 0.01)).isTrue();
    WorkloadProfile otherModel = WorkloadProfile.builder()
        .add(1, 1000, 4000, List.of(), 2).add(1, 1000, 4000, List.of("l40s"), 1)
        .add(2, 1000, 8000, List.of("v100", "a100"), 1).build();
    assertThat(MIXED.closeTo(otherModel, 0.01)).isFalse();
  }
}
