package dev.gpusched.extender.decide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.model.Placement;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.topology.IntraNodePolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkloadProfileLearnerTest {
  private static PodDemand demand(int gpus, int milli, long cpu) {
    return new PodDemand("ns", "p", "u", gpus, milli, 0, IntraNodePolicy.PREFER_NVLINK, Placement.BINPACK, List.of(), cpu);
  }

  @Test
  void answersTheDefaultUntilWarmedUpThenTheObservedMix() {
    WorkloadProfileLearner learner = new WorkloadProfileLearner();
    for (int i = 0; i < WorkloadProfileLearner.WARM_UP - 1; i++) {
      learner.observe(demand(8, 0, 64_000));
    }
    assertThat(learner.current()).isSameAs(WorkloadProfileLearner.DEFAULT);
    learner.observe(demand(0, 250, 1_000)); // the 64th: one share among 63 8-GPU pods
    WorkloadProfile learned = learner.current();
    assertThat(learned).isNotSameAs(WorkloadProfileLearner.DEFAULT);
    assertThat(learned.size()).isEqualTo(2);
    assertThat(learned.milli(0)).isEqualTo(250); // classes ascend by milli-GPU
    assertThat(learned.probability(0)).isEqualTo(1.0 / 64);
    assertThat(learned.gpus(1)).isEqualTo(8);
    assertThat(learned.probability(1)).isEqualTo(63.0 / 64);
    // CPU per milli-GPU: (63 x 64,000 + 1,000) / (63 x 8,000 + 250)
    assertThat(learned.cpuMilliPerGpuMilli()).isCloseTo((63 * 64_000.0 + 1_000) / (63 * 8_000.0 + 250),
        org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void aSteadyMixKeepsItsProfileAndAShiftReplacesIt() {
    WorkloadProfileLearner learner = new WorkloadProfileLearner();
    java.util.Random random = new java.util.Random(3);
    for (int i = 0; i < 2_000; i++) {
      learner.observe(random.nextInt(4) == 0 ? demand(0, 500, 2_000) : demand(1, 0, 4_000));
    }
    WorkloadProfile steady = learner.current();
    assertThat(steady).isNotSameAs(WorkloadProfileLearner.DEFAULT);
    for (int i = 0; i < 3_000; i++) {
      learner.observe(random.nextInt(4) == 0 ? demand(0, 500, 2_000) : demand(1, 0, 4_000));
    }
    assertThat(learner.current()).as("same mix, 11 rebuilds later: same object, memoised verdicts stay valid")
        .isSameAs(steady);
    for (int i = 0; i < 1_024; i++) {
      learner.observe(demand(4, 0, 16_000));
    }
    WorkloadProfile shifted = learner.current();
    assertThat(shifted).isNotSameAs(steady);
    assertThat(shifted.size()).isEqualTo(3);
    assertThat(shifted.probability(2)).as("4-GPU pods, a tenth of the window").isGreaterThan(0.09);
  }

  @Test
  void closeToComparesClassesProbabilitiesAndCpu() {
    WorkloadProfile a = WorkloadProfile.builder().add(1, 1000, 4_000, 75).add(1, 500, 2_000, 25).build();
    assertThat(a.closeTo(WorkloadProfile.builder().add(1, 1000, 4_000, 755).add(1, 500, 2_000, 245).build(), 0.01))
        .isTrue();
    assertThat(a.closeTo(WorkloadProfile.builder().add(1, 1000, 4_000, 77).add(1, 500, 2_000, 23).build(), 0.01))
        .as("2 points apart").isFalse();
    assertThat(a.closeTo(WorkloadProfile.builder().add(1, 1000, 4_000, 75).add(1, 250, 2_000, 25).build(), 0.01))
        .as("another class").isFalse();
    assertThat(a.closeTo(WorkloadProfile.builder().add(1, 1000, 8_000, 75).add(1, 500, 2_000, 25).build(), 0.01))
        .as("twice the CPU per GPU on most pods").isFalse();
  }

  @Test
  void learnsWhichGpuModelsEachDemandMayUse() {
    WorkloadProfileLearner learner = new WorkloadProfileLearner();
    for (int i = 0; i < WorkloadProfileLearner.WARM_UP; i++) {
      // a quarter of the 1-GPU pods name the V100 (gpusched.dev/gpu-model: v100)
      learner.observe(new PodDemand("ns", "p", "u", 1, 0, 0, IntraNodePolicy.PREFER_NVLINK, Placement.BINPACK,
          i % 4 == 0 ? List.of("v100") : List.of(), 4_000));
    }
    WorkloadProfile learned = learner.current();
    assertThat(learned.size()).isEqualTo(1);
    assertThat(learned.restricted(0)).containsExactly(new WorkloadProfile.ModelGroup(List.of("v100"), 0.25));
    // a T4 node sees the three quarters that may use it; a V100 node all of them
    assertThat(learned.onProduct("tesla-t4").probability(0)).isCloseTo(0.75, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(learned.onProduct("tesla-v100-sxm2-16gb").probability(0)).isEqualTo(1.0);
  }

  @Test
  void podsWithoutGpusAreNotPartOfTheProfile() {
    WorkloadProfileLearner learner = new WorkloadProfileLearner();
    for (int i = 0; i < 500; i++) {
      learner.observe(demand(0, 0, 4_000));
    }
    assertThat(learner.seen()).isZero();
    assertThat(learner.current()).isSameAs(WorkloadProfileLearner.DEFAULT);
  }
}
