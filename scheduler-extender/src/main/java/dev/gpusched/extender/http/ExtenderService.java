package dev.gpusched.extender.http;

import dev.gpusched.extender.api.BadRequestException;
import dev.gpusched.extender.api.BindingArgs;
import dev.gpusched.extender.api.ExtenderArgs;
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
import java.util.function.Supplier;
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

  public ExtenderService(Supplier<ClusterSnapshot> snapshots, DecisionPipeline pipeline, Binder binder, ExtenderMetrics metrics) {
    this.snapshots = snapshots;
    this.pipeline = pipeline;
    this.binder = binder;
    this.metrics = metrics;
    this.filterNames = pipeline.filterNames();
  }

  /** {@code ExtenderFilterResult}. */
  @Override
  public ObjectNode filter(byte[] body) {
    ExtenderArgs args = ExtenderArgs.decode(body);
    ClusterSnapshot snapshot = snapshots.get();
    String notReady = notReady(snapshot);
    if (notReady != null) {
      return filterError(notReady);
    }
    PodDemand demand;
    try {
      demand = PodDemandParser.parse(args.pod());
    } catch (InvalidDemandException e) {
      return filterError("pod " + podKey(args.pod()) + ": " + e.getMessage());
    }
    ObjectNode out = WireJson.object();
    if (demand.usesNoGpu()) {
      // Not ours to judge: every candidate passes untouched.
      return passAll(args, out);
    }
    DecisionPipeline.FilterOutcome outcome = pipeline.filter(demand, snapshot, args.candidateNames());
    for (int f = 0; f < filterNames.size(); f++) {
      metrics.recordRejections(filterNames.get(f), outcome.rejectionsByFilter()[f]);
    }
    metrics.recordRejections(DecisionPipeline.UNKNOWN_NODE, outcome.unknownNodes());
    boolean[] passed = outcome.passed();
    if (args.namesMode()) {
      out.putNull("Nodes");
      ArrayNode names = out.putArray("NodeNames");
      for (int i = 0; i < passed.length; i++) {
        if (passed[i]) {
          names.add(args.nodeNames().get(i));
        }
      }
    } else {
      ObjectNode nodes = out.putObject("Nodes");
      nodes.putObject("metadata");
      ArrayNode items = nodes.putArray("items");
      for (int i = 0; i < passed.length; i++) {
        if (passed[i]) {
          items.add(args.nodeItems().get(i));
        }
      }
      out.putNull("NodeNames");
    }
    ObjectNode failed = out.putObject("FailedNodes");
    for (Map.Entry<String, String> e : outcome.failed().entrySet()) {
      failed.put(e.getKey(), e.getValue());
    }
    out.putObject("FailedAndUnresolvableNodes");
    out.put("Error", "");
    return out;
  }

  /** {@code HostPriorityList}: a JSON array of {@code {Host, Score}} with scores 0..10. */
  @Override
  public JsonNode prioritize(byte[] body) {
    ExtenderArgs args = ExtenderArgs.decode(body);
    ClusterSnapshot snapshot = snapshots.get();
    String notReady = notReady(snapshot);
    if (notReady != null) {
      throw new NotReadyException(notReady);
    }
    PodDemand demand;
    try {
      demand = PodDemandParser.parse(args.pod());
    } catch (InvalidDemandException e) {
      throw new BadRequestException("pod " + podKey(args.pod()) + ": " + e.getMessage());
    }
    List<String> names = args.candidateNames();
    int[] scores = demand.usesNoGpu() ? new int[names.size()] : pipeline.prioritize(demand, snapshot, names);
    ArrayNode out = WireJson.array();
    for (int i = 0; i < scores.length; i++) {
      ObjectNode hp = out.addObject();
      hp.put("Host", names.get(i));
      hp.put("Score", scores[i]);
    }
    return out;
  }

  /** {@code ExtenderBindingResult}. Blocking (API calls): run off the event loop. */
  @Override
  public ObjectNode bind(byte[] body) {
    BindingArgs args = BindingArgs.decode(body);
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
      demand = PodDemandParser.parse(args.pod());
    } catch (InvalidDemandException e) {
      throw new BadRequestException("pod " + podKey(args.pod()) + ": " + e.getMessage());
    }
    for (Map.Entry<String, PreemptionArgs.Victims> e : args.victimsByNode().entrySet()) {
      PreemptionArgs.Victims victims = e.getValue();
      if (!demand.usesNoGpu()) {
        NodeGpuState node = snapshot.node(e.getKey());
        if (node == null) {
          continue;
        }
        Set<String> uids = new HashSet<>(victims.podUids());
        if (pipeline.reject(demand, node.without(uids)) != null) {
          continue;
        }
      }
      ObjectNode v = result.putObject(e.getKey());
      ArrayNode pods = v.putArray("Pods");
      for (String uid : victims.podUids()) {
        pods.addObject().put("UID", uid);
      }
      v.put("NumPDBViolations", victims.numPdbViolations());
    }
    return out;
  }

  private static ObjectNode passAll(ExtenderArgs args, ObjectNode out) {
    if (args.namesMode()) {
      out.putNull("Nodes");
      ArrayNode names = out.putArray("NodeNames");
      for (String n : args.nodeNames()) {
        names.add(n);
      }
    } else {
      ObjectNode nodes = out.putObject("Nodes");
      nodes.putObject("metadata");
      ArrayNode items = nodes.putArray("items");
      for (JsonNode item : args.nodeItems()) {
        items.add(item);
      }
      out.putNull("NodeNames");
    }
    out.putObject("FailedNodes");
    out.putObject("FailedAndUnresolvableNodes");
    out.put("Error", "");
    return out;
  }

  /** An {@code ExtenderFilterResult} that fails the whole call with a message (kube-scheduler retries the pod). */
  public static ObjectNode filterError(String message) {
    ObjectNode out = WireJson.object();
    out.putNull("Nodes");
    out.putNull("NodeNames");
    out.putObject("FailedNodes");
    out.putObject("FailedAndUnresolvableNodes");
    out.put("Error", message);
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
