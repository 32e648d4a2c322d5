package dev.gpusched.extender.decide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.topology.IntraNodePolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link DecisionPipeline}'s answers in the extender protocol's terms: each candidate passes or fails with the first
 * failing filter's reason, unknown names fail as unknown, prioritize scores the candidates (0 for those that fail).
 */
class DecisionPipelineTest {
  private static final NodeGpuState ROOMY = Nodes.node("roomy", 8).topology(Nodes.PAIRS).whole(0, 1).build();
  private static final NodeGpuState FULL = Nodes.node("full", 8).topology(Nodes.PAIRS).whole(0, 1, 2, 3, 4, 5, 6).build();
  private static final NodeGpuState BROKEN_PAIRS =
      Nodes.node("broken", 8).topology(Nodes.PAIRS).whole(0, 2, 4, 6).build();
  private static final ClusterSnapshot SNAPSHOT = ClusterSnapshot.of(1, new NodeGpuState[] {ROOMY, FULL, BROKEN_PAIRS});

  @Test
  void filterAnswersEveryCandidateInOrder() {
    for (DecisionPipeline pipeline : List.of(DecisionPipeline.standard(),
        DecisionPipeline.withoutMemo(DecisionPipeline.standardFilters(),
            DecisionPipeline.standardScores(() -> WorkloadProfileLearner.DEFAULT, CpuView.NONE), 1))) {
      PodDemand pair = Demands.whole(2).intraNode(IntraNodePolicy.NVLINK).build();
      List<String> candidates = List.of("roomy", "full", "ghost", "broken", "roomy");
      DecisionPipeline.FilterOutcome outcome = pipeline.filter(pair, SNAPSHOT, candidates);
      assertThat(outcome.passed()).containsExactly(true, false, false, false, true);
      assertThat(outcome.reasons()).containsExactly(null, "needs 2 GPUs, 1 free",
          "gpusched does not know node ghost (not in its node cache yet)",
          "needs 2 NVLink-connected GPUs; free GPUs 1,3,5,7 share no NVLink", null);
      assertThat(pipeline.filterNames()).containsExactly("gpu_model", "insufficient_gpus", "topology");
      assertThat(outcome.rejectionsByFilter()).containsExactly(0, 1, 1);
      assertThat(outcome.unknownNodes()).isEqualTo(1);
      assertThat(outcome.failedCount()).isEqualTo(3);
      int roomy = pipeline.score(pair, ROOMY);
      assertThat(pipeline.prioritize(pair, SNAPSHOT, candidates)).containsExactly(roomy, 0, 0, 0, roomy);
      assertThat(pipeline.reject(pair, FULL)).isEqualTo("needs 2 GPUs, 1 free");
      assertThat(pipeline.reject(pair, ROOMY)).isNull();
    }
  }

  @Test
  void aFilterOfAShapeNeverSeenComputesEveryVerdict() {
    DecisionPipeline pipeline = DecisionPipeline.standard();
    PodDemand one = Demands.whole(1).build();
    List<String> all = List.of("roomy", "full", "broken");
    assertThat(pipeline.filter(one, SNAPSHOT, all).sources()).isEqualTo(new DecisionPipeline.VerdictSources(0, 0, 3));
    assertThat(pipeline.filter(Demands.whole(1).named("replica").build(), SNAPSHOT, all).sources())
        .as("a replica: every verdict remembered").isEqualTo(new DecisionPipeline.VerdictSources(3, 0, 0));
    assertThat(DecisionPipeline.withoutMemo(DecisionPipeline.standardFilters(),
        DecisionPipeline.standardScores(() -> WorkloadProfileLearner.DEFAULT, CpuView.NONE), 1)
        .filter(one, SNAPSHOT, all).sources()).as("without a memo").isEqualTo(new DecisionPipeline.VerdictSources(0, 0, 3));
  }
}
