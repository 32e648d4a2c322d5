package dev.gpusched.bench.jmh;

import dev.gpusched.extender.decide.DecisionPipeline;
import dev.gpusched.extender.gang.GangScheduling;
import dev.gpusched.extender.kube.EmbeddedApiServer;
import dev.gpusched.extender.kube.InformerCache;
import dev.gpusched.extender.kube.KubernetesClusterWriter;
import dev.gpusched.extender.kube.KubernetesGangWriter;
import dev.gpusched.extender.kube.KubernetesSource;
import dev.gpusched.extender.kube.OwnerAnnotations;
import dev.gpusched.extender.metrics.ExtenderMetrics;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.retry.RetryNudges;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.ClusterState;
import dev.gpusched.gang.GangSpec;
import dev.gpusched.gang.MemberAnswer;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the request path does for a gang member's filter and prioritize calls, minus JSON: the server's own
 * {@link GangScheduling#filter} (a member of a gang already planned claims its place), the answer over the candidates
 * ({@link MemberAnswer#over}), then the scores of the survivors ({@link MemberAnswer#reservedNodeScores}). The gang
 * scheduling runs over the benchmark's cluster state, with an
 * embedded API server taking its annotation writes (one per claim, off the timed thread).
 */
public final class GangMemberLoop implements AutoCloseable {
  private final EmbeddedApiServer api;
  private final KubernetesSource source;
  private final GangScheduling gangs;
  private final RetryNudges nudges;
  private final Pod member;
  private final GangSpec spec;

  /**
   * Plans the gang of {@code pod} (its first member asks, over {@code state}'s snapshot) and returns the loop for
   * another member of it, whose filter then claims its reserved place.
   */
  public GangMemberLoop(ClusterState state, Pod pod) {
    api = EmbeddedApiServer.start();
    source = new KubernetesSource(api.client(), state);
    ExtenderMetrics metrics = new ExtenderMetrics(state::snapshot, () -> true, () -> true);
    KubernetesGangWriter writes = new KubernetesGangWriter(api.client());
    nudges = new RetryNudges(writes::annotate, Clock.systemUTC(), RetryNudges.DEFAULT_PER_SECOND);
    gangs = new GangScheduling(GangScheduling.Settings.DEFAULT, Clock.systemUTC(), state,
        new InformerCache(source, OwnerAnnotations.none()), new KubernetesClusterWriter(api.client()), writes,
        api.edge(api.client()).gangDisruptions("benchmark"), nudges, metrics);
    gangs.recover();
    Pod first = member(pod, 0);
    member = member(pod, 1);
    spec = GangScheduling.specOf(member, Map.of());
    if (spec == null) {
      throw new IllegalArgumentException("pod " + pod.getMetadata().getName() + " carries no gang annotations");
    }
    MemberAnswer planned = gangs.filter(first, spec, dev.gpusched.extender.model.PodDemandParser.parse(first),
        state.snapshot());
    if (planned.node() == null) {
      throw new IllegalStateException("the benchmark's gang cannot be planned on this cluster: " + planned.reason());
    }
  }

  /** Member {@code i} of the pod's gang: its own name and uid, created in the API (the claim is written there). */
  private Pod member(Pod pod, int i) {
    Pod p = new io.fabric8.kubernetes.api.model.PodBuilder(pod).editMetadata()
        .withName(pod.getMetadata().getName() + "-m" + i).withUid(null).endMetadata().build();
    return api.client().pods().inNamespace(p.getMetadata().getNamespace()).resource(p).create();
  }

  /** The member's filter, then prioritize of the node that passed. */
  public ScoringLoop.Outcome filterThenPrioritize(PodDemand demand, ClusterSnapshot snapshot, List<String> candidates) {
    MemberAnswer a = gangs.filter(member, spec, demand, snapshot);
    boolean[] passed = new boolean[candidates.size()];
    String[] reasons = new String[candidates.size()];
    int failed = a.over(spec.key(), candidates, passed, reasons);
    List<String> survivors = new ArrayList<>(1);
    for (int i = 0; i < passed.length; i++) {
      if (passed[i]) {
        survivors.add(candidates.get(i));
      }
    }
    int[] scores = a.node() == null ? new int[survivors.size()] : MemberAnswer.reservedNodeScores(a.node(), survivors,
        DecisionPipeline.MAX_EXTENDER_PRIORITY);
    long sum = 0;
    for (int s : scores) {
      sum += s;
    }
    return new ScoringLoop.Outcome(survivors.size(), failed, sum, scores);
  }

  /** The member whose filter the loop times (its parsed demand is the benchmark's). */
  public Pod member() {
    return member;
  }

  @Override
  public void close() {
    gangs.close();
    nudges.close();
    source.close();
    api.close();
  }
}
