package dev.gpusched.extender.cycle;

import dev.gpusched.extender.api.BadRequestException;
import dev.gpusched.extender.decide.DecisionPipeline;
import dev.gpusched.extender.gang.GangScheduling;
import dev.gpusched.extender.model.InvalidDemandException;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.model.PodDemandParser;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.gang.GangSpec;
import dev.gpusched.gang.MemberAnswer;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One pod's scheduling cycle, as one filter, prioritize or preempt call runs it: one snapshot; the pod's demand and its
 * gang read once, with its owning MLService's intent, when first needed; then the gang route or the decision pipeline,
 * and after the pipeline the filter steps. Used by one request thread.
 */
public final class SchedulingCycle {
  /** Filter's answer by candidate position: whether each passed, and why each other failed. */
  public record Verdicts(boolean[] passed, String[] reasons) {}

  private final Scheduler scheduler;
  private final Pod pod;
  private final ClusterSnapshot snapshot;
  private Map<String, String> owner;
  private PodDemand demand;
  private String invalidDemand;

  SchedulingCycle(Scheduler scheduler, Pod pod, ClusterSnapshot snapshot) {
    this.scheduler = scheduler;
    this.pod = pod;
    this.snapshot = snapshot;
  }

  /** Why nothing may be decided on this snapshot (the caches have not synced), or null. */
  public String notReady() {
    return snapshot.synced() ? null
        : "gpusched has not synced its node and pod cache with the API server yet; no decision is made on a partial cache";
  }

  /** Why the pod's GPU demand cannot be read ("pod ns/name: ..."), or null when it can. */
  public String invalidDemand() {
    parsedDemand();
    return invalidDemand;
  }

  /**
   * Filter: by candidate position, which pass and why the others fail. A pod that asks for no GPU passes everywhere
   * (not gpusched's to judge); a gang member passes only on the node planned for it; any other pod passes where the
   * decision pipeline and then every filter step let it, narrowed to gpusched's choice under {@link FilterAnswer#BEST}.
   * Call when {@link #notReady()} and {@link #invalidDemand()} are null.
   */
  public Verdicts filter(List<String> names) {
    PodDemand d = demand();
    boolean[] passed = new boolean[names.size()];
    String[] reasons = new String[names.size()];
    if (d.usesNoGpu()) {
      Arrays.fill(passed, true);
      return new Verdicts(passed, reasons);
    }
    scheduler.demands.accept(d);
    GangSpec gang;
    try {
      gang = gang();
    } catch (IllegalArgumentException e) {
      Arrays.fill(reasons, "pod " + podKey() + ": " + e.getMessage());
      return new Verdicts(passed, reasons);
    }
    if (gang != null) {
      MemberAnswer a = scheduler.gangs.filter(pod, gang, d, snapshot);
      scheduler.metrics.recordRejections("gang", a.over(gang.key(), names, passed, reasons));
      return new Verdicts(passed, reasons);
    }
    DecisionPipeline.FilterOutcome outcome = scheduler.pipeline.filter(d, snapshot, names);
    List<String> filterNames = scheduler.pipeline.filterNames();
    for (int f = 0; f < filterNames.size(); f++) {
      scheduler.metrics.recordRejections(filterNames.get(f), outcome.rejectionsByFilter()[f]);
    }
    scheduler.metrics.recordRejections(DecisionPipeline.UNKNOWN_NODE, outcome.unknownNodes());
    DecisionPipeline.VerdictSources sources = outcome.sources();
    scheduler.metrics.recordVerdicts(sources.memo(), sources.gpuRows(), sources.computed());
    for (CandidateFilter step : scheduler.steps) {
      scheduler.metrics.recordRejections(step.name(), step.apply(names, outcome.passed(), outcome.reasons()));
    }
    if (scheduler.answer == FilterAnswer.BEST) { // not a rejection: gpusched_filter_rejections_total leaves it out
      NodeChoice.narrow(scheduler.pipeline, d, pod, snapshot, names, outcome);
    }
    return new Verdicts(outcome.passed(), outcome.reasons());
  }

  /**
   * Prioritize: a score 0..10 per candidate. 0 everywhere for a pod that asks for no GPU; a gang member holding a place
   * scores the maximum there and 0 elsewhere; any other pod is scored by the decision pipeline. Call when
   * {@link #notReady()} and {@link #invalidDemand()} are null.
   *
   * @throws BadRequestException when the pod's gang annotations are malformed
   */
  public int[] prioritize(List<String> names) {
    PodDemand d = demand();
    if (d.usesNoGpu()) {
      return new int[names.size()];
    }
    String gangNode;
    try {
      GangSpec gang = gang();
      gangNode = gang == null ? null : scheduler.gangs.reservedNodeOf(pod, gang);
    } catch (IllegalArgumentException e) {
      throw new BadRequestException("pod " + podKey() + ": " + e.getMessage());
    }
    if (gangNode != null) {
      return MemberAnswer.reservedNodeScores(gangNode, names, DecisionPipeline.MAX_EXTENDER_PRIORITY);
    }
    return scheduler.pipeline.prioritize(d, snapshot, names);
  }

  /**
   * Preempt: of kube-scheduler's proposed victims per node, the candidates to answer with their victims (most important
   * first). A node is kept only where evicting its victims frees enough for the pod. With gang scheduling, a gang goes
   * whole or not at all: its pods on the node join the victims, and when no candidate spares every gang, the least
   * costly candidate that takes one running on other nodes too is answered alone, and gpusched evicts that gang's pods
   * elsewhere itself ({@link GangScheduling#preempt}). Blocking with gang scheduling (API calls): call it off the event
   * loop. Call when {@link #notReady()} and {@link #invalidDemand()} are null.
   *
   * @param pdbViolations per node, the PDB violations kube-scheduler counted among its proposed victims
   */
  public Map<String, List<String>> preempt(Map<String, List<String>> proposed, Map<String, Long> pdbViolations) {
    PodDemand d = demand();
    if (scheduler.gangs != null) {
      return scheduler.gangs.preempt(pod, proposed, pdbViolations, (node, victims) -> frees(d, node, victims));
    }
    Map<String, List<String>> kept = new LinkedHashMap<>();
    proposed.forEach((node, victims) -> {
      if (frees(d, node, new HashSet<>(victims))) {
        kept.put(node, victims);
      }
    });
    return kept;
  }

  /** Whether evicting {@code victims} from {@code node} leaves room for the pod (always, for a pod asking no GPU). */
  private boolean frees(PodDemand d, String node, Set<String> victims) {
    if (d.usesNoGpu()) {
      return true;
    }
    NodeGpuState state = snapshot.node(node);
    return state != null && scheduler.pipeline.reject(d, state.without(victims)) == null;
  }

  /** The pod's demand, parsed on first use; null when it is invalid ({@link #invalidDemand} says why). */
  private PodDemand parsedDemand() {
    if (demand == null && invalidDemand == null) {
      try {
        demand = PodDemandParser.parse(pod, owner());
      } catch (InvalidDemandException e) {
        invalidDemand = "pod " + podKey() + ": " + e.getMessage();
      }
    }
    return demand;
  }

  private PodDemand demand() {
    PodDemand d = parsedDemand();
    if (d == null) {
      throw new IllegalStateException("no decision for an invalid demand (" + invalidDemand + "): check invalidDemand()");
    }
    return d;
  }

  /**
   * The pod's gang, or null (also without gang scheduling).
   *
   * @throws IllegalArgumentException naming the malformed gang annotation
   */
  private GangSpec gang() {
    return scheduler.gangs == null ? null : GangScheduling.specOf(pod, owner());
  }

  private Map<String, String> owner() {
    if (owner == null) {
      owner = scheduler.pods.ownerAnnotations(pod);
    }
    return owner;
  }

  private String podKey() {
    var m = pod.getMetadata();
    return (m.getNamespace() == null ? "default" : m.getNamespace()) + "/" + m.getName();
  }
}
