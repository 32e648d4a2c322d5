package dev.gpusched.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.gpusched.extender.decide.WorkloadProfile;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Gangs in the synthetic replay: gpusched's policy plans a gang whole with the extender's GangPlanner (so it stays in
 * one leaf when a leaf can hold it), the baselines place it member by member; either way a gang is all or nothing.
 */
class SyntheticGangPlacementTest {
  /** Two leaves of two 8-GPU NVSwitch nodes each: leaf00-dgx0, leaf00-dgx1, leaf01-dgx0, leaf01-dgx1. */
  private static final SyntheticCluster TWO_LEAVES = SyntheticCluster.generate(2, 2, 0, 0);

  @Test
  void gpuschedKeepsEveryGangInOneLeafWhereMemberByMemberSplitsThem() {
    List<SyntheticWorkload.Job> jobs = new ArrayList<>();
    for (int k = 0; k < 20; k++) {
      jobs.add(job(k, 10 * k, 5, 2, 8)); // 2 x 8 GPUs on an empty cluster, one gang at a time
    }
    SyntheticReplay.Result gpusched = run(jobs, "gpusched");
    assertThat(gpusched.gangsStarted()).isEqualTo(20);
    assertThat(gpusched.gangsInOneLeafShare()).isEqualTo(1.0);
    for (String baseline : List.of("kube-default", "bestfit")) {
      SyntheticReplay.Result r = run(jobs, baseline);
      assertThat(r.gangsStarted()).as(baseline).isEqualTo(20);
      // The second member goes to any of the three other empty nodes: two of them are in the other leaf.
      assertThat(r.gangsInOneLeafShare()).as(baseline).isLessThan(0.7);
    }
  }

  @Test
  void gpuschedTakesTheLeafThatHoldsTheGangNotTheNodeItsScorerLikes() {
    // leaf00-dgx0 keeps 4 GPUs busy; a 2 x 4-GPU gang then fits in leaf00 (4 GPUs left on dgx0, 8 on dgx1) and in
    // leaf01. The planner takes the best-fit leaf, leaf00, and fills its fullest node first: one member on each node.
    List<SyntheticWorkload.Job> jobs = new ArrayList<>();
    jobs.add(job(0, 0, 1000, 1, 4));
    for (int k = 1; k <= 10; k++) {
      jobs.add(job(k, 10 * k, 5, 2, 4));
    }
    jobs.add(job(11, 200, 1, 1, 1));
    SyntheticReplay.Result r = run(jobs, "gpusched");
    assertThat(r.gangsStarted()).isEqualTo(10);
    assertThat(r.gangsInOneLeafShare()).isEqualTo(1.0);
    assertThat(r.meanGangWait()).isZero();
  }

  @Test
  void aGangStartsWholeOrNotAtAllUnderEveryPolicy() {
    // Three 8-GPU pods fill three of the four nodes; a 2 x 8-GPU gang arrives at t=1 and fits only once the first of
    // them leaves at t=100. Meanwhile one node (8 of 32 GPUs) stays free: a member placed there alone would use it.
    List<SyntheticWorkload.Job> jobs = List.of(
        job(0, 0, 100, 1, 8),
        job(1, 0, 150, 1, 8),
        job(2, 0, 150, 1, 8),
        job(3, 1, 10, 2, 8),
        job(4, 300, 1, 1, 1));
    for (String policy : SyntheticSimulation.DEFAULT) {
      SyntheticReplay.Result r = run(jobs, policy);
      assertThat(r.gangsStarted()).as(policy).isEqualTo(1);
      assertThat(r.meanGangWait()).as(policy).isCloseTo(99.0, within(1e-9));
      assertThat(r.unallocatedWhileWaitingPct()).as(policy).isCloseTo(25.0, within(1e-9));
    }
  }

  @Test
  void aGangLargerThanTheClusterNeverPlacesAMember() {
    List<SyntheticWorkload.Job> jobs = List.of(job(0, 0, 10, 5, 8), job(1, 10, 1, 1, 1));
    for (String policy : SyntheticSimulation.DEFAULT) {
      SyntheticReplay.Result r = run(jobs, policy);
      assertThat(r.gangsStarted()).as(policy).isZero();
      assertThat(r.gangsNeverStarted()).as(policy).isEqualTo(1);
      assertThat(r.utilizationPct()).as(policy).isZero();
      assertThat(r.unallocatedWhileWaitingPct()).as(policy).isEqualTo(100.0);
    }
  }

  /** A job of {@code members} pods of {@code gpus} whole GPUs each (a gang when members > 1). */
  private static SyntheticWorkload.Job job(int id, double arrival, double duration, int members, int gpus) {
    TracePod p = new TracePod("job" + id, 12_000L * gpus, 65_536L * gpus, gpus, 1000, List.of());
    return new SyntheticWorkload.Job(id, members > 1 ? "gang" : "training", arrival, duration, members, SimPod.of(p, id));
  }

  private static SyntheticReplay.Result run(List<SyntheticWorkload.Job> jobs, String policy) {
    WorkloadProfile profile = SyntheticReplay.profile(jobs);
    Policy p = Policies.byName(policy, SyntheticReplay.trace(TWO_LEAVES, jobs), profile);
    return SyntheticReplay.run(TWO_LEAVES, jobs, p, profile, 1);
  }
}
