package dev.gpusched.extender.cycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.bind.Binder;
import dev.gpusched.extender.bind.ClusterWriter;
import dev.gpusched.extender.decide.DecisionPipeline;
import dev.gpusched.extender.it.Standalone;
import dev.gpusched.extender.kube.KubeRecords;
import dev.gpusched.extender.metrics.ExtenderMetrics;
import dev.gpusched.extender.state.ClusterState;
import dev.gpusched.extender.testing.FixedPods;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Filter answering gpusched's choice: of the nodes that fit, the one it ranks first (equal ranks: the smaller name);
 * every node with the top score for a pod with a soft preference; the other fitting nodes left out of the answer.
 */
class NodeChoiceTest {
  private static final ClusterWriter NO_BINDS = (namespace, name, uid, node, gpuIds) -> {
    throw new UnsupportedOperationException();
  };

  private final ClusterState state = new ClusterState();
  private final FixedPods pods = new FixedPods();
  private final ExtenderMetrics metrics = new ExtenderMetrics(state::snapshot, () -> true, () -> true);
  private final DecisionPipeline pipeline = DecisionPipeline.standard();
  private final Scheduler allFitting = new Scheduler(state::snapshot, pipeline,
      new Binder(state, pipeline, NO_BINDS, pods), pods, metrics);
  private final Scheduler best = allFitting.answering(FilterAnswer.BEST);

  /** n1 and n3 empty 8-GPU H100s; n2 the same with 6 GPUs taken, so 2 free. */
  @BeforeEach
  void cluster() {
    for (String n : List.of("n1", "n2", "n3")) {
      state.submit(l -> l.upsertNode(KubeRecords.nodeInfo(Standalone.gpuNode(n, 8, "NVIDIA-H100"))));
    }
    Pod running = pod("running", 6);
    running.getMetadata().getAnnotations().put("gpusched.dev/gpu-ids", "0,1,2,3,4,5");
    running.getSpec().setNodeName("n2");
    running.getStatus().setPhase("Running");
    state.submit(l -> l.upsertPod(KubeRecords.podRecord(running)));
    state.markSynced();
    state.apply(l -> null).join();
  }

  @AfterEach
  void close() {
    state.close();
  }

  private static Pod pod(String name, int gpus) {
    Pod pod = Standalone.gpuPod("ml", name, gpus, new java.util.HashMap<>(Map.of()));
    pod.getMetadata().setUid("uid-" + name);
    return pod;
  }

  @Test
  void theNodeThePodFillsIsAnsweredAloneAndTheOthersNameIt() {
    List<String> names = List.of("n1", "n2", "n3");
    // every node fits 2 GPUs; gpusched ranks n2 first (the pod fills it: nothing left stranded there)
    assertThat(allFitting.cycle(pod("p", 2)).filter(names).passed()).containsExactly(true, true, true);

    SchedulingCycle.Verdicts v = best.cycle(pod("p", 2)).filter(names);

    assertThat(v.passed()).containsExactly(false, true, false);
    assertThat(v.reasons()).containsOnlyNulls(); // n1 and n3 are left out of the answer, not rejected
    assertThat(metrics.scrape()).doesNotContain("gpusched_filter_rejections_total{"); // fitting nodes are not rejected
  }

  @Test
  void amongNodesRankedAlikeTheSmallerNameWinsWhateverTheCandidateOrder() {
    // 8 GPUs fit only the empty n1 and n3, which rank alike
    SchedulingCycle.Verdicts v = best.cycle(pod("p", 8)).filter(List.of("n3", "n2", "n1"));

    assertThat(v.passed()).containsExactly(false, false, true);
    assertThat(v.reasons()[0]).isNull();
    assertThat(v.reasons()[1]).isEqualTo("needs 8 GPUs, 2 free"); // the pipeline's reason stands
  }

  @Test
  void aPodWithASoftPreferenceKeepsEveryNodeOfTheTopScoreForKubeSchedulerToWeighIt() {
    Pod preferring = pod("p", 8);
    preferring.getSpec().setAffinity(new AffinityBuilder().withNewNodeAffinity()
        .addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(10).withNewPreference()
        .addNewMatchExpression().withKey("rack").withOperator("In").withValues("r2").endMatchExpression()
        .endPreference().endPreferredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().build());
    List<String> names = List.of("n1", "n2", "n3");

    assertThat(best.cycle(preferring).filter(names).passed()).containsExactly(true, false, true);
    // the same for a 1-GPU pod: n2 (fits, partly used) scores above the empty nodes, which are left out
    Pod small = pod("s", 1);
    small.getSpec().setAffinity(preferring.getSpec().getAffinity());
    int[] scores = allFitting.cycle(small).prioritize(names);
    assertThat(scores[1]).isGreaterThan(scores[0]).isEqualTo(Math.max(scores[1], scores[2]));
    SchedulingCycle.Verdicts v = best.cycle(small).filter(names);
    for (int i = 0; i < names.size(); i++) {
      assertThat(v.passed()[i]).as(names.get(i)).isEqualTo(scores[i] == scores[1]);
    }
    assertThat(v.reasons()).containsOnlyNulls();
  }

  @Test
  void aLoneFittingNodeAndAPodWithoutGpusAreLeftAsTheyAre() {
    Pod whole = pod("p", 8);
    SchedulingCycle.Verdicts v = best.cycle(whole).filter(List.of("n2", "n3"));
    assertThat(v.passed()).containsExactly(false, true);
    assertThat(v.reasons()[0]).isEqualTo("needs 8 GPUs, 2 free");

    Pod cpuOnly = pod("cpu", 0);
    cpuOnly.getSpec().getContainers().get(0).getResources().setRequests(Map.of());
    cpuOnly.getSpec().getContainers().get(0).getResources().setLimits(Map.of());
    assertThat(best.cycle(cpuOnly).filter(List.of("n1", "n2", "n3")).passed()).containsExactly(true, true, true);
  }

  @Test
  void onlyPreferredTermsAreSoftPreferences() {
    Pod required = pod("r", 1);
    required.getSpec().setAffinity(new AffinityBuilder().withNewNodeAffinity()
        .withNewRequiredDuringSchedulingIgnoredDuringExecution().addNewNodeSelectorTerm().addNewMatchExpression()
        .withKey("rack").withOperator("In").withValues("r2").endMatchExpression().endNodeSelectorTerm()
        .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().build());
    assertThat(NodeChoice.statesSoftPreference(required)).isFalse();
    assertThat(NodeChoice.statesSoftPreference(pod("plain", 1))).isFalse();

    Pod antiAffine = pod("a", 1);
    antiAffine.getSpec().setAffinity(new AffinityBuilder().withNewPodAntiAffinity()
        .addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(1).withNewPodAffinityTerm()
        .withTopologyKey("kubernetes.io/hostname").endPodAffinityTerm().endPreferredDuringSchedulingIgnoredDuringExecution()
        .endPodAntiAffinity().build());
    assertThat(NodeChoice.statesSoftPreference(antiAffine)).isTrue();
  }
}
