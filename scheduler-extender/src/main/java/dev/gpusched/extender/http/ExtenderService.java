package dev.gpusched.extender.http;

import dev.gpusched.extender.api.BadRequestException;
import dev.gpusched.extender.api.BindingArgs;
import dev.gpusched.extender.api.ExtenderArgs;
import dev.gpusched.extender.api.FilterResult;
import dev.gpusched.extender.api.HostPriorityList;
import dev.gpusched.extender.api.PreemptionArgs;
import dev.gpusched.extender.api.WireJson;
import dev.gpusched.extender.bind.Binder;
import dev.gpusched.extender.cycle.Scheduler;
import dev.gpusched.extender.cycle.SchedulingCycle;
import dev.gpusched.extender.decide.DecisionPipeline;
import dev.gpusched.extender.metrics.ExtenderMetrics;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.PodCache;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The four extender verbs over JSON, independent of the HTTP server: decode (rejecting malformed input with a message),
 * run the pod's {@link SchedulingCycle}, encode. Bad requests throw {@link BadRequestException}; everything a valid
 * request can run into is answered in the protocol's {@code Error} field, or, for the verbs whose answer has none, as
 * HTTP 503 ({@link NotReadyException}) or an empty answer.
 */
public final class ExtenderService implements ExtenderVerbs {
  private final Scheduler scheduler;
  private final ExtenderMetrics metrics;

  /** Every pod alone, against no pod cache (benchmarks of the request path). */
  public ExtenderService(Supplier<ClusterSnapshot> snapshots, DecisionPipeline pipeline, Binder binder, ExtenderMetrics metrics) {
    this(new Scheduler(snapshots, pipeline, binder, PodCache.EMPTY, metrics), metrics);
  }

  public ExtenderService(Scheduler scheduler, ExtenderMetrics metrics) {
    this.scheduler = scheduler;
    this.metrics = metrics;
  }

  /** {@code ExtenderFilterResult}. */
  @Override
  public FilterResult filter(byte[] body) {
    ExtenderArgs args = ExtenderArgs.decode(body);
    SchedulingCycle cycle = scheduler.cycle(args.pod());
    String refused = cycle.notReady() != null ? cycle.notReady() : cycle.invalidDemand();
    if (refused != null) {
      return FilterResult.error(refused); // kube-scheduler retries the pod
    }
    SchedulingCycle.Verdicts verdicts = cycle.filter(args.candidateNames());
    return new FilterResult(args, verdicts.passed(), verdicts.reasons(), "");
  }

  /** {@code HostPriorityList}: a JSON array of {@code {Host, Score}} with scores 0..10. */
  @Override
  public HostPriorityList prioritize(byte[] body) {
    ExtenderArgs args = ExtenderArgs.decode(body);
    SchedulingCycle cycle = scheduler.cycle(args.pod());
    if (cycle.notReady() != null) {
      throw new NotReadyException(cycle.notReady());
    }
    if (cycle.invalidDemand() != null) {
      throw new BadRequestException(cycle.invalidDemand());
    }
    List<String> names = args.candidateNames();
    return new HostPriorityList(names, cycle.prioritize(names));
  }

  /** {@code ExtenderBindingResult}. Blocking (API calls): run off the event loop. */
  @Override
  public ObjectNode bind(byte[] body) {
    return bindAsync(body).toCompletableFuture().join();
  }

  /**
   * {@code ExtenderBindingResult}, answered later for a gang member held at the bind barrier (no thread waits
   * meanwhile). Call off the event loop: a pod outside gangs, and the member that opens a barrier, bind at once.
   */
  @Override
  public CompletionStage<ObjectNode> bindAsync(byte[] body) {
    return scheduler.bind(BindingArgs.decode(body)).thenApply(this::bindAnswer);
  }

  private ObjectNode bindAnswer(String error) {
    metrics.recordBind(error == null ? "bound" : "error");
    ObjectNode out = WireJson.object();
    out.put("Error", error == null ? "" : error);
    return out;
  }

  /**
   * {@code ExtenderPreemptionResult}: of the candidate nodes and victims kube-scheduler proposes, the candidates the
   * pod's {@link SchedulingCycle#preempt} keeps. Blocking (a gang taken whole is recorded through the API first): call
   * it off the event loop.
   */
  @Override
  public ObjectNode preempt(byte[] body) {
    PreemptionArgs args = PreemptionArgs.decode(body);
    SchedulingCycle cycle = scheduler.cycle(args.pod());
    ObjectNode out = WireJson.object();
    ObjectNode result = out.putObject("NodeNameToMetaVictims");
    if (cycle.notReady() != null) {
      return out; // no candidate: kube-scheduler preempts nothing this cycle and retries
    }
    if (cycle.invalidDemand() != null) {
      throw new BadRequestException(cycle.invalidDemand());
    }
    Map<String, List<String>> proposed = new LinkedHashMap<>();
    Map<String, Long> pdbViolations = new LinkedHashMap<>();
    for (Map.Entry<String, PreemptionArgs.Victims> e : args.victimsByNode().entrySet()) {
      proposed.put(e.getKey(), e.getValue().podUids());
      pdbViolations.put(e.getKey(), e.getValue().numPdbViolations());
    }
    for (Map.Entry<String, List<String>> e : cycle.preempt(proposed, pdbViolations).entrySet()) {
      ObjectNode v = result.putObject(e.getKey());
      ArrayNode pods = v.putArray("Pods");
      for (String uid : e.getValue()) {
        pods.addObject().put("UID", uid);
      }
      v.put("NumPDBViolations", args.victimsByNode().get(e.getKey()).numPdbViolations());
    }
    return out;
  }

  /** Thrown when a verb whose answer has no Error field is called before the cache synced. */
  public static final class NotReadyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotReadyException(String message) {
      super(message);
    }
  }
}
