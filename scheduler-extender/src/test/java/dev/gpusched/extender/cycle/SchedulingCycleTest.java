package dev.gpusched.extender.cycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpusched.extender.api.BadRequestException;
import dev.gpusched.extender.bind.Binder;
import dev.gpusched.extender.bind.ClusterWriter;
import dev.gpusched.extender.decide.DecisionPipeline;
import dev.gpusched.extender.gang.GangScheduling;
import dev.gpusched.extender.gang.GangDisruptions;
import dev.gpusched.extender.gang.GangWriter;
import dev.gpusched.extender.gang.PodRef;
import dev.gpusched.extender.it.Standalone;
import dev.gpusched.extender.kube.KubeRecords;
import dev.gpusched.extender.metrics.ExtenderMetrics;
import dev.gpusched.extender.retry.RetryNudges;
import dev.gpusched.extender.state.ClusterState;
import dev.gpusched.extender.testing.FixedPods;
import dev.gpusched.gang.GangAnnotations;
import dev.gpusched.gang.StarvationGuard;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One pod's scheduling cycle: decided only on a synced snapshot and a readable demand; a pod without GPUs passes; a gang
 * member goes to its gang's place; any other pod through the pipeline, then the starvation hold; preempt keeps only
 * candidates whose victims free enough.
 */
class SchedulingCycleTest {
  private static final List<String> NAMES = List.of("n1", "n2");
  private static final ClusterWriter NO_BINDS = (namespace, name, uid, node, gpuIds) -> {
    throw new UnsupportedOperationException();
  };
  private static final GangWriter NO_API = new GangWriter() {
    @Override
    public void annotate(PodRef pod, Map<String, String> annotations) {
    }

    @Override
    public boolean delete(PodRef pod) {
      return false;
    }
  };
  private static final GangDisruptions NO_DISRUPTIONS = new GangDisruptions() {
    @Override
    public Eviction evict(PodRef pod, boolean dryRun) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void event(PodRef pod, String type, String reason, String message) {
    }
  };

  private final ClusterState state = new ClusterState();
  private final FixedPods pods = new FixedPods();
  private final ExtenderMetrics metrics = new ExtenderMetrics(state::snapshot, () -> true, () -> true);
  private final DecisionPipeline pipeline = DecisionPipeline.standard();
  private final Scheduler alone = new Scheduler(state::snapshot, pipeline,
      new Binder(state, pipeline, NO_BINDS, pods), pods, metrics);
  private GangScheduling gangs;

  @AfterEach
  void close() {
    if (gangs != null) {
      gangs.close();
    }
    state.close();
  }

  private void nodes() {
    state.submit(l -> l.upsertNode(KubeRecords.nodeInfo(Standalone.gpuNode("n1", 8, "NVIDIA-H100"))));
    state.submit(l -> l.upsertNode(KubeRecords.nodeInfo(Standalone.gpuNode("n2", 8, "NVIDIA-H100"))));
    state.markSynced();
    state.apply(l -> null).join();
  }

  private void running(String name, String node, String ids) {
    Pod pod = Standalone.gpuPod("ml", name, ids.split(",").length, Map.of("gpusched.dev/gpu-ids", ids));
    pod.getMetadata().setUid("uid-" + name);
    pod.getSpec().setNodeName(node);
    pod.getStatus().setPhase("Running");
    pods.put(pod);
    state.submit(l -> l.upsertPod(KubeRecords.podRecord(pod)));
    state.apply(l -> null).join();
  }

  private static Pod pod(String name, int gpus, Map<String, String> annotations) {
    Pod pod = Standalone.gpuPod("ml", name, gpus, annotations);
    pod.getMetadata().setUid("uid-" + name);
    return pod;
  }

  /** Gang scheduling whose starvation rule holds nodes for a waiting gang at its first refusal. */
  private Scheduler withGangs() {
    gangs = new GangScheduling(GangScheduling.Settings.DEFAULT.withStarvation(
        StarvationGuard.create(Duration.ZERO, Duration.ofMinutes(15), Duration.ofMinutes(5))), Clock.systemUTC(), state,
        pods, NO_BINDS, NO_API, NO_DISRUPTIONS,
        new RetryNudges(NO_API::annotate, Clock.systemUTC(), RetryNudges.DEFAULT_PER_SECOND), metrics);
    gangs.recover();
    return alone.withGangs(gangs);
  }

  @Test
  void beforeTheCachesSyncNothingIsDecided() {
    SchedulingCycle cycle = alone.cycle(pod("p", 2, Map.of()));
    assertThat(cycle.notReady()).isEqualTo("gpusched has not synced its node and pod cache with the API server yet; "
        + "no decision is made on a partial cache");
  }

  @Test
  void anUnreadableDemandIsNamedWithItsPod() {
    nodes();
    SchedulingCycle cycle = alone.cycle(pod("p", 2, Map.of("gpusched.dev/intra-node", "sideways")));
    assertThat(cycle.notReady()).isNull();
    assertThat(cycle.invalidDemand()).startsWith("pod ml/p: gpusched.dev/intra-node=\"sideways\" is not valid");
  }

  @Test
  void aPodAskingForNoGpuPassesEveryCandidateAndScoresZero() {
    nodes();
    Pod cpuOnly = pod("cpu", 0, Map.of());
    cpuOnly.getSpec().getContainers().get(0).getResources().setRequests(Map.of());
    cpuOnly.getSpec().getContainers().get(0).getResources().setLimits(Map.of());
    SchedulingCycle cycle = alone.cycle(cpuOnly);
    assertThat(cycle.filter(NAMES).passed()).containsExactly(true, true);
    assertThat(cycle.prioritize(NAMES)).containsExactly(0, 0);
  }

  @Test
  void aPodOutsideGangsPassesWhereThePipelineAndThenTheStarvationHoldLetIt() {
    nodes();
    running("big", "n1", "0,1,2,3,4,5,6,7");
    Scheduler scheduler = withGangs();
    Pod single = pod("single", 1, Map.of());
    assertThat(scheduler.cycle(single).filter(NAMES).passed()).containsExactly(false, true);

    // a gang of 2 x 8 GPUs cannot be placed while n1 is busy: it waits, and (holdAfter 0) holds both nodes at once
    Pod member = pod("m0", 8, Map.of(GangAnnotations.GANG, "g", GangAnnotations.GANG_SIZE, "2"));
    pods.put(member);
    assertThat(scheduler.cycle(member).filter(NAMES).passed()).containsExactly(false, false);

    SchedulingCycle.Verdicts v = scheduler.cycle(single).filter(NAMES);
    assertThat(v.passed()).containsExactly(false, false);
    assertThat(v.reasons()[0]).isEqualTo("needs 1 GPU, 0 free"); // the pipeline's reason stands
    assertThat(v.reasons()[1]).isEqualTo(StarvationGuard.HELD_AGAINST_OTHERS);
    assertThat(metrics.scrape()).contains("gpusched_filter_rejections_total{reason=\"gang_hold\"} 1.0");
  }

  @Test
  void aGangMemberPassesOnlyOnItsReservedNodeAndScoresTheMaximumThere() {
    nodes();
    running("big", "n1", "0,1,2,3,4,5,6,7");
    Scheduler scheduler = withGangs();
    Pod member = pod("m0", 8, Map.of(GangAnnotations.GANG, "g", GangAnnotations.GANG_SIZE, "1"));
    pods.put(member);

    SchedulingCycle.Verdicts v = scheduler.cycle(member).filter(NAMES);

    assertThat(v.passed()).containsExactly(false, true);
    assertThat(v.reasons()[0]).isEqualTo("gang ml/g reserved node n2 for this member; it may use no other node");
    assertThat(scheduler.cycle(member).prioritize(NAMES)).containsExactly(0, DecisionPipeline.MAX_EXTENDER_PRIORITY);
  }

  @Test
  void malformedGangAnnotationsFailEveryCandidateAtFilterAndAreABadRequestAtPrioritize() {
    nodes();
    Scheduler scheduler = withGangs();
    Pod bad = pod("bad", 1, Map.of(GangAnnotations.GANG, "g", GangAnnotations.GANG_SIZE, "abc"));

    SchedulingCycle.Verdicts v = scheduler.cycle(bad).filter(NAMES);

    assertThat(v.passed()).containsExactly(false, false);
    assertThat(v.reasons()[0]).startsWith("pod ml/bad: gpusched.dev/gang-size").isEqualTo(v.reasons()[1]);
    assertThatThrownBy(() -> scheduler.cycle(bad).prioritize(NAMES)).isInstanceOf(BadRequestException.class)
        .hasMessage(v.reasons()[0]);
  }

  @Test
  void preemptKeepsOnlyTheNodesWhereEvictingTheVictimsFreesEnough() {
    nodes();
    running("v1", "n1", "0,1,2,3");
    running("keep", "n1", "4,5,6,7");
    running("v2", "n2", "0,1,2,3,4,5,6,7");
    Map<String, List<String>> proposed = new LinkedHashMap<>();
    proposed.put("n1", List.of("uid-v1"));
    proposed.put("n2", List.of("uid-v2"));

    Map<String, List<String>> kept = alone.cycle(pod("urgent", 8, Map.of())).preempt(proposed, Map.of());

    assertThat(kept).containsExactly(Map.entry("n2", List.of("uid-v2")));
  }
}
