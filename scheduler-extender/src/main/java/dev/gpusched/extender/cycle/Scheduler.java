package dev.gpusched.extender.cycle;

import dev.gpusched.extender.api.BindingArgs;
import dev.gpusched.extender.bind.Binder;
import dev.gpusched.extender.decide.DecisionPipeline;
import dev.gpusched.extender.gang.GangScheduling;
import dev.gpusched.extender.metrics.ExtenderMetrics;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.PodCache;
import dev.gpusched.gang.GangSpec;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What the request path decides with: it opens a {@link SchedulingCycle} per filter, prioritize or preempt call, and
 * routes a bind to its gang's barrier or to the {@link Binder}. Immutable; composed once at start.
 */
public final class Scheduler {
  final Supplier<ClusterSnapshot> snapshots;
  final DecisionPipeline pipeline;
  final PodCache pods;
  final ExtenderMetrics metrics;
  final GangScheduling gangs;
  final List<CandidateFilter> steps;
  final Consumer<PodDemand> demands;
  final FilterAnswer answer;
  private final Binder binder;

  /**
   * Every pod alone (no gang scheduling), no filter step after the pipeline, no demand observer, every fitting node in
   * filter's answer.
   */
  public Scheduler(Supplier<ClusterSnapshot> snapshots, DecisionPipeline pipeline, Binder binder, PodCache pods,
      ExtenderMetrics metrics) {
    this(snapshots, pipeline, binder, pods, metrics, null, List.of(), demand -> { }, FilterAnswer.ALL_FITTING);
  }

  private Scheduler(Supplier<ClusterSnapshot> snapshots, DecisionPipeline pipeline, Binder binder, PodCache pods,
      ExtenderMetrics metrics, GangScheduling gangs, List<CandidateFilter> steps, Consumer<PodDemand> demands,
      FilterAnswer answer) {
    this.snapshots = snapshots;
    this.pipeline = pipeline;
    this.binder = binder;
    this.pods = pods;
    this.metrics = metrics;
    this.gangs = gangs;
    this.steps = List.copyOf(steps);
    this.demands = demands;
    this.answer = answer;
  }

  /** With gang members routed to {@code gangs}, and the nodes a starving gang holds closed to every other pod. */
  public Scheduler withGangs(GangScheduling gangs) {
    List<CandidateFilter> withHold = new ArrayList<>(steps);
    withHold.add(new StarvationHold(gangs::nodesHeldAgainstOthers));
    return new Scheduler(snapshots, pipeline, binder, pods, metrics, gangs, withHold, demands, answer);
  }

  /** With {@code demands} seeing the demand of every GPU pod filtered (the workload profile learns from it). */
  public Scheduler observingDemands(Consumer<PodDemand> demands) {
    return new Scheduler(snapshots, pipeline, binder, pods, metrics, gangs, steps, demands, answer);
  }

  /** With filter answering the nodes {@code answer} says (after every filter step). */
  public Scheduler answering(FilterAnswer answer) {
    return new Scheduler(snapshots, pipeline, binder, pods, metrics, gangs, steps, demands, answer);
  }

  /** The scheduling cycle of {@code pod} over the current snapshot (read once, here). */
  public SchedulingCycle cycle(Pod pod) {
    return new SchedulingCycle(this, pod, snapshots.get());
  }

  /**
   * Binds a pod: a gang member at its gang's barrier (the answer may come later, no thread waiting meanwhile), any
   * other pod at once through the binder. Completes with null when bound, else the error. Blocking for pods outside
   * gangs and for the member that opens a barrier: call it off the event loop.
   */
  public CompletionStage<String> bind(BindingArgs args) {
    if (gangs != null) {
      Pod pod = pods.pod(args.podNamespace(), args.podName());
      if (pod != null && args.podUid().equals(pod.getMetadata().getUid())) {
        GangSpec gang;
        try {
          gang = GangScheduling.specOf(pod, pods.ownerAnnotations(pod));
        } catch (IllegalArgumentException e) {
          return CompletableFuture.completedFuture("pod " + args.podKey() + ": " + e.getMessage());
        }
        if (gang != null) {
          return gangs.bind(pod, gang, args.node());
        }
      }
    }
    Binder.Outcome outcome = binder.bind(args);
    return CompletableFuture.completedFuture(outcome.ok() ? null : outcome.error());
  }
}
