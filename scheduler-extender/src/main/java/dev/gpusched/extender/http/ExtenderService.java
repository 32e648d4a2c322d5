package dev.gpusched.extender.http;

import dev.gpusched.extender.api.BadRequestException;
import dev.gpusched.extender.api.BindingArgs;
import dev.gpusched.extender.api.ExtenderArgs;
import dev.gpusched.extender.api.FilterResult;
import dev.gpusched.extender.api.HostPriorityList;
import dev.gpusched.extender.api.PreemptionArgs;
import dev.gpusched.extender.api.WireJson;
import dev.gpusched.extender.bind.Binder;
import dev.gpusched.extender.decide.DecisionPipeline;
import dev.gpusched.extender.metrics.ExtenderMetrics;
import dev.gpusched.extender.model.InvalidDemandException;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.model.PodDemandParser;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.NodeGpuState;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import dev.gpusched.extender.gang.GangScheduling;
import dev.gpusched.extender.kube.OwnerAnnotations;
import dev.gpusched.gang.GangSpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The four extender verbs over JSON, independent of the HTTP server: decode (rejecting malformed input with a message),
 * read one snapshot, run the decision pipeline, encode. Bad requests throw {@link BadRequestException}; everything a
 * valid request can run into is answered in the protocol's {@code Error} field.
 */
public final class ExtenderService implements ExtenderVerbs {
  private final Supplier<ClusterSnapshot> snapshots;
  private final DecisionPipeline pipeline;
  private final Binder binder;
  private final ExtenderMetrics metrics;
  private final List<String> filterNames;
  private final GangScheduling gangs;
  private final OwnerAnnotations owners;
  private final BiFunction<String, String, Pod> podLookup;
  private final java.util.function.Consumer<PodDemand> demands;

  public ExtenderService(Supplier<ClusterSnapshot> snapshots, DecisionPipeline pipeline, Binder binder, ExtenderMetrics metrics) {
    this(snapshots, pipeline, binder, metrics, null, OwnerAnnotations.none(), (ns, name) -> null, demand -> { });
  }

  /**
   * @param gangs gang scheduling, or null to treat every pod alone
   * @param owners annotations of a pod's owning MLService, consulted for intent the pod itself lacks
   * @param podLookup pods from the informer cache, for bind
   * @param demands sees the demand of every GPU pod filtered (the workload profile learns from it)
   */
  public ExtenderService(Supplier<ClusterSnapshot> snapshots, DecisionPipeline pipeline, Binder binder, ExtenderMetrics metrics,
      GangScheduling gangs, OwnerAnnotations owners, BiFunction<String, String, Pod> podLookup,
      java.util.function.Consumer<PodDemand> demands) {
    this.demands = demands;
    this.snapshots = snapshots;
    this.pipeline = pipeline;
    this.binder = binder;
    this.metrics = metrics;
    this.filterNames = pipeline.filterNames();
    this.gangs = gangs;
    this.owners = owners;
    this.podLookup = podLookup;
  }

  /** {@code ExtenderFilterResult}. */
  @Override
  public FilterResult filter(byte[] body) {
    ExtenderArgs args = ExtenderArgs.decode(body);
    ClusterSnapshot snapshot = snapshots.get();
    String notReady = notReady(snapshot);
    if (notReady != null) {
      return FilterResult.error(notReady);
    }
    Map<String, String> owner = owners.of(args.pod());
    PodDemand demand;
    try {
      demand = PodDemandParser.parse(args.pod(), owner);
    } catch (InvalidDemandException e) {
      return FilterResult.error("pod " + podKey(args.pod()) + ": " + e.getMessage());
    }
    if (demand.usesNoGpu()) {
      return FilterResult.passAll(args); // not ours to judge: every candidate passes untouched
    }
    demands.accept(demand);
    GangSpec gang;
    try {
      gang = gangs == null ? null : GangScheduling.specOf(args.pod(), owner);
    } catch (IllegalArgumentException e) {
      return new FilterResult(args, new boolean[args.candidateNames().size()],
          failAll(args.candidateNames(), "pod " + podKey(args.pod()) + ": " + e.getMessage()), "");
    }
    if (gang != null) {
      return gangFilter(args, gang, demand, snapshot);
    }
    DecisionPipeline.FilterOutcome outcome = pipeline.filter(demand, snapshot, args.candidateNames());
    for (int f = 0; f < filterNames.size(); f++) {
      metrics.recordRejections(filterNames.get(f), outcome.rejectionsByFilter()[f]);
    }
    metrics.recordRejections(DecisionPipeline.UNKNOWN_NODE, outcome.unknownNodes());
    DecisionPipeline.VerdictSources sources = outcome.sources();
    metrics.recordVerdicts(sources.memo(), sources.gpuRows(), sources.computed());
    boolean[] passed = outcome.passed();
    String[] reasons = outcome.reasons();
    Set<String> held = gangs == null ? Set.of() : gangs.nodesHeldAgainstOthers();
    if (!held.isEmpty()) {
      List<String> names = args.candidateNames();
      for (int i = 0; i < passed.length; i++) {
        if (passed[i] && held.contains(names.get(i))) {
          passed[i] = false;
          reasons[i] = "held for a gang that has waited longest (starvation rule); it takes no other pods until that gang"
              + " fits";
          metrics.recordRejections("gang_hold", 1);
        }
      }
    }
    return new FilterResult(args, passed, reasons, "");
  }

  /** A gang member may use only the node planned for it; FailedNodes says why for every other candidate. */
  private FilterResult gangFilter(ExtenderArgs args, GangSpec gang, PodDemand demand, ClusterSnapshot snapshot) {
    GangScheduling.FilterAnswer a = gangs.filter(args.pod(), gang, demand, snapshot);
    List<String> names = args.candidateNames();
    boolean[] passed = new boolean[names.size()];
    String[] reasons = new String[names.size()];
    metrics.recordRejections("gang", a.over(gang.key(), names, passed, reasons));
    return new FilterResult(args, passed, reasons, "");
  }

  private static String[] failAll(List<String> names, String reason) {
    String[] reasons = new String[names.size()];
    java.util.Arrays.fill(reasons, reason);
    return reasons;
  }


  /** {@code HostPriorityList}: a JSON array of {@code {Host, Score}} with scores 0..10. */
  @Override
  public HostPriorityList prioritize(byte[] body) {
    ExtenderArgs args = ExtenderArgs.decode(body);
    ClusterSnapshot snapshot = snapshots.get();
    String notReady = notReady(snapshot);
    if (notReady != null) {
      throw new NotReadyException(notReady);
    }
    Map<String, String> owner = owners.of(args.pod());
    PodDemand demand;
    try {
      demand = PodDemandParser.parse(args.pod(), owner);
    } catch (InvalidDemandException e) {
      throw new BadRequestException("pod " + podKey(args.pod()) + ": " + e.getMessage());
    }
    List<String> names = args.candidateNames();
    String gangNode = null;
    if (gangs != null && !demand.usesNoGpu()) {
      try {
        GangSpec gang = GangScheduling.specOf(args.pod(), owner);
        gangNode = gang == null ? null : gangs.reservedNodeOf(args.pod(), gang);
      } catch (IllegalArgumentException e) {
        throw new BadRequestException("pod " + podKey(args.pod()) + ": " + e.getMessage());
      }
    }
    int[] scores;
    if (gangNode != null) {
      scores = GangScheduling.reservedNodeScores(gangNode, names);
    } else {
      scores = demand.usesNoGpu() ? new int[names.size()] : pipeline.prioritize(demand, snapshot, names);
    }
    return new HostPriorityList(names, scores);
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
    BindingArgs args = BindingArgs.decode(body);
    if (gangs != null) {
      Pod pod = podLookup.apply(args.podNamespace(), args.podName());
      if (pod != null && args.podUid().equals(pod.getMetadata().getUid())) {
        GangSpec gang;
        try {
          gang = GangScheduling.specOf(pod, owners.of(pod));
        } catch (IllegalArgumentException e) {
          return CompletableFuture.completedFuture(bindAnswer("pod " + args.podKey() + ": " + e.getMessage()));
        }
        if (gang != null) {
          return gangs.bind(pod, gang, args.node()).thenApply(this::bindAnswer);
        }
      }
    }
    return CompletableFuture.completedFuture(bindOne(args));
  }

  private ObjectNode bindAnswer(String error) {
    metrics.recordBind(error == null ? "bound" : "error");
    ObjectNode out = WireJson.object();
    out.put("Error", error == null ? "" : error);
    return out;
  }

  private ObjectNode bindOne(BindingArgs args) {
    Binder.Outcome outcome = binder.bind(args);
    metrics.recordBind(outcome.ok() ? "bound" : "error");
    ObjectNode out = WireJson.object();
    out.put("Error", outcome.ok() ? "" : outcome.error());
    return out;
  }



  /**
   * {@code ExtenderPreemptionResult}: of the candidate nodes and victims kube-scheduler proposes, keep the nodes where
   * evicting those victims frees enough GPUs for the pod; drop the others (evicting there would not help).
   */
  @Override
  public ObjectNode preempt(byte[] body) {
    PreemptionArgs args = PreemptionArgs.decode(body);
    ClusterSnapshot snapshot = snapshots.get();
    ObjectNode out = WireJson.object();
    ObjectNode result = out.putObject("NodeNameToMetaVictims");
    String notReady = notReady(snapshot);
    if (notReady != null) {
      return out; // no candidate: kube-scheduler preempts nothing this cycle and retries
    }
    PodDemand demand;
    try {
      demand = PodDemandParser.parse(args.pod(), owners.of(args.pod()));
    } catch (InvalidDemandException e) {
      throw new BadRequestException("pod " + podKey(args.pod()) + ": " + e.getMessage());
    }
    Map<String, List<String>> proposed = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, PreemptionArgs.Victims> e : args.victimsByNode().entrySet()) {
      proposed.put(e.getKey(), e.getValue().podUids());
    }
    if (gangs != null) {
      // Never evict part of a gang: gang victims bring their gang's other pods on that node, or the node is dropped.
      proposed = gangs.expandVictims(proposed).victimsByNode();
    }
    for (Map.Entry<String, List<String>> e : proposed.entrySet()) {
      PreemptionArgs.Victims victims = args.victimsByNode().get(e.getKey());
      List<String> victimUids = e.getValue();
      if (!demand.usesNoGpu()) {
        NodeGpuState node = snapshot.node(e.getKey());
        if (node == null) {
          continue;
        }
        Set<String> uids = new HashSet<>(victimUids);
        if (pipeline.reject(demand, node.without(uids)) != null) {
          continue;
        }
      }
      ObjectNode v = result.putObject(e.getKey());
      ArrayNode pods = v.putArray("Pods");
      for (String uid : victimUids) {
        pods.addObject().put("UID", uid);
      }
      v.put("NumPDBViolations", victims.numPdbViolations());
    }
    return out;
  }

  private static String notReady(ClusterSnapshot snapshot) {
    return snapshot.synced() ? null
        : "gpusched has not synced its node and pod cache with the API server yet; no decision is made on a partial cache";
  }

  static String podKey(Pod pod) {
    var m = pod.getMetadata();
    return (m.getNamespace() == null ? "default" : m.getNamespace()) + "/" + m.getName();
  }

  /** Thrown when a verb whose answer has no Error field is called before the cache synced. */
  public static final class NotReadyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotReadyException(String message) {
      super(message);
    }
  }

}
