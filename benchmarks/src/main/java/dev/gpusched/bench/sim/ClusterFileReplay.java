package dev.gpusched.bench.sim;

import dev.gpusched.extender.api.BindingArgs;
import dev.gpusched.extender.bind.Binder;
import dev.gpusched.extender.cycle.FilterAnswer;
import dev.gpusched.extender.cycle.Scheduler;
import dev.gpusched.extender.cycle.SchedulingCycle;
import dev.gpusched.extender.decide.DecisionPipeline;
import dev.gpusched.extender.decide.LedgerCpuView;
import dev.gpusched.extender.decide.WorkloadProfileLearner;
import dev.gpusched.extender.gang.GangScheduling;
import dev.gpusched.extender.kube.KubeRecords;
import dev.gpusched.extender.metrics.ExtenderMetrics;
import dev.gpusched.extender.retry.RetryNudges;
import dev.gpusched.extender.state.ClusterState;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Offline replay of a cluster file (a {@code kind: List} of Nodes and Pods, as the real-cluster harness's generator
 * writes it): the pending pods, in file order (their creation order), go through gpusched's own request path over its
 * own ledger, as kube-scheduler would send them, with the shipped scheduler profile choosing among the answers. Per pod:
 * filter ({@link SchedulingCycle#filter}) over every node, prioritize over those that passed (kube-scheduler takes a
 * lone node without scoring; so does this, as every score would tie), then the node kube-scheduler
 * ranks first: {@code gpusched's score x 100 (the weight) x 10 + NodeResourcesFit MostAllocated over nvidia.com/gpu}
 * (its other scores, affinities, taints and image locality, are equal on such a file), ties broken at random by the
 * seed, as kube-scheduler picks among equal totals; then bind through gpusched's {@link Binder} (gang members through
 * gang scheduling's barrier). Each bind reaches the ledger before the next pod, so the replay is what gpusched would
 * decide if kube-scheduler sent the pods one at a time; the real run overlaps a pod's bind with the next pod's filter.
 */
public final class ClusterFileReplay {
  /** The shipped profile's extender weight ({@code deploy/manifests/31-scheduler-config.yaml}). */
  static final int EXTENDER_WEIGHT = 100;

  /** One replay: where the pending pods went, and why the unplaced ones were not placed (first few). */
  public record Result(long seed, Placements placements, Map<String, String> placed, List<String> unplaced) {}

  private ClusterFileReplay() {}

  /** @param answer which fitting nodes gpusched's filter answers ({@code serve --filter-answer}) */
  public static Result run(List<HasMetadata> objects, long seed, FilterAnswer answer) throws Exception {
    Placements.ClusterFile file = Placements.ClusterFile.of(objects);
    try (ClusterState state = new ClusterState()) {
      ReplayApi api = new ReplayApi(state, file.nodeGpus());
      List<String> nodes = new ArrayList<>();
      for (HasMetadata o : objects) {
        if (o instanceof Node n) {
          state.submit(l -> l.upsertNode(KubeRecords.nodeInfo(n)));
          nodes.add(n.getMetadata().getName());
        }
      }
      List<Pod> pending = new ArrayList<>();
      int i = 0;
      for (Pod p : file.pods()) {
        Pod added = api.add(p, "replay-" + i++);
        if (added.getSpec().getNodeName() == null || added.getSpec().getNodeName().isEmpty()) {
          pending.add(added);
        }
      }
      state.markSynced();
      state.apply(l -> null).join();

      WorkloadProfileLearner profile = new WorkloadProfileLearner();
      DecisionPipeline pipeline = DecisionPipeline.standard(profile::current, new LedgerCpuView(), 1);
      ExtenderMetrics metrics = new ExtenderMetrics(state::snapshot, () -> true, () -> true);
      try (RetryNudges nudges = new RetryNudges(api::annotate, Clock.systemUTC(), RetryNudges.DEFAULT_PER_SECOND);
          GangScheduling gangs = new GangScheduling(GangScheduling.Settings.DEFAULT, Clock.systemUTC(), state, api, api,
              api, api, nudges, metrics)) {
        gangs.recover();
        Scheduler scheduler = new Scheduler(state::snapshot, pipeline, new Binder(state, pipeline, api, api), api, metrics)
            .withGangs(gangs).observingDemands(profile::observe).answering(answer);
        return replay(file, pending, nodes, scheduler, api, state, new Random(seed), seed);
      }
    }
  }

  private static Result replay(Placements.ClusterFile file, List<Pod> pending, List<String> nodes, Scheduler scheduler,
      ReplayApi api, ClusterState state, Random ties, long seed) throws Exception {
    List<String> unplaced = new ArrayList<>();
    List<CompletableFuture<String>> binds = new ArrayList<>();
    for (Pod pod : pending) {
      SchedulingCycle cycle = scheduler.cycle(pod);
      String refused = cycle.invalidDemand();
      if (refused == null) {
        SchedulingCycle.Verdicts v = cycle.filter(nodes);
        List<String> passed = new ArrayList<>();
        for (int n = 0; n < nodes.size(); n++) {
          if (v.passed()[n]) {
            passed.add(nodes.get(n));
          }
        }
        String node = passed.isEmpty() ? null : choose(pod, passed, scheduler.cycle(pod).prioritize(passed), api, ties);
        if (node == null) {
          refused = "no node passed filter";
        } else {
          var m = pod.getMetadata();
          binds.add(scheduler.bind(new BindingArgs(m.getName(), m.getNamespace(), m.getUid(), node)).toCompletableFuture());
        }
      }
      if (refused != null && unplaced.size() < 20) {
        unplaced.add(Placements.ClusterFile.key(pod) + ": " + refused);
      }
      state.apply(l -> null).join(); // the bind reached the ledger: the next pod sees it
    }
    for (CompletableFuture<String> b : binds) {
      String error = b.get(30, TimeUnit.SECONDS);
      if (error != null && unplaced.size() < 20) {
        unplaced.add(error);
      }
    }
    Map<String, String> placed = new HashMap<>();
    for (Pod p : pending) {
      Pod now = api.pod(p.getMetadata().getNamespace(), p.getMetadata().getName());
      if (now != null && now.getSpec().getNodeName() != null) {
        placed.put(Placements.ClusterFile.key(p), now.getSpec().getNodeName());
      }
    }
    return new Result(seed, Placements.of(file, placed), placed, unplaced);
  }

  /**
   * kube-scheduler's pick under the shipped profile: highest {@code score x weight x 10 + MostAllocated(GPU)}, a random
   * one among equals.
   */
  private static String choose(Pod pod, List<String> names, int[] scores, ReplayApi api, Random ties) {
    int podGpus = Placements.ClusterFile.gpus(pod);
    String best = null;
    long bestTotal = Long.MIN_VALUE;
    int tied = 0;
    for (int n = 0; n < names.size(); n++) {
      long total = (long) scores[n] * EXTENDER_WEIGHT * 10 + mostAllocated(api, names.get(n), podGpus);
      if (total > bestTotal) {
        bestTotal = total;
        best = names.get(n);
        tied = 1;
      } else if (total == bestTotal && ties.nextInt(++tied) == 0) {
        best = names.get(n);
      }
    }
    return best;
  }

  /**
   * NodeResourcesFit's MostAllocated score over {@code nvidia.com/gpu} alone: GPUs requested on the node with the pod,
   * in hundredths of the node's GPUs; 0 for a pod that asks for none (kube-scheduler leaves the resource out).
   */
  static long mostAllocated(ReplayApi api, String node, int podGpus) {
    int capacity = api.gpusOf(node);
    if (podGpus == 0 || capacity == 0) {
      return 0;
    }
    return Math.min(capacity, api.gpusRequestedOn(node) + podGpus) * 100L / capacity;
  }
}
