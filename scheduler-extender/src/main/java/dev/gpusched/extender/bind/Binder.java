package dev.gpusched.extender.bind;

import dev.gpusched.extender.api.BindingArgs;
import dev.gpusched.extender.decide.DecisionPipeline;
import dev.gpusched.extender.decide.GpuChooser;
import dev.gpusched.extender.model.GpuIds;
import dev.gpusched.extender.model.InvalidDemandException;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.model.PodDemandParser;
import dev.gpusched.extender.state.ClusterState;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.extender.state.PodCache;
import dev.gpusched.extender.state.PodRecord;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bind: choose the GPUs on the chosen node and hold them in the ledger (atomically, on the state's writer thread), then
 * bind the pod with one Binding that records them as {@code gpusched.dev/gpu-ids}. A refused Binding changes nothing in
 * the API, so the only roll-back is the ledger's, reported in words. Blocking: call it off the event loop.
 */
public final class Binder {
  private static final Logger LOG = LoggerFactory.getLogger(Binder.class);

  /** Result of one bind: null error on success; {@code gpuIds} empty for a pod without GPUs. */
  public record Outcome(String error, String gpuIds) {
    public boolean ok() {
      return error == null;
    }
  }

  private final ClusterState state;
  private final DecisionPipeline pipeline;
  private final ClusterWriter writer;
  private final PodCache pods;

  /** @param pods the pod to bind is read here, with its owning MLService's intent and its ledger record */
  public Binder(ClusterState state, DecisionPipeline pipeline, ClusterWriter writer, PodCache pods) {
    this.state = state;
    this.pipeline = pipeline;
    this.writer = writer;
    this.pods = pods;
  }

  private static final class Rejected extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Rejected(String message) {
      super(message, null, false, false);
    }
  }

  /** Pods with a bind running now: a second bind of the same pod (the scheduler retrying after a timeout) is refused. */
  private final java.util.Set<String> inFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();

  public Outcome bind(BindingArgs args) {
    // Two binds of one pod at once would both hold GPUs and the loser's rollback would erase the winner's gpu-ids.
    if (!inFlight.add(args.podUid())) {
      return new Outcome("a bind of pod " + args.podKey() + " is already in progress; not bound twice (the scheduler "
          + "will retry and find it bound)", "");
    }
    try {
      return bindOnce(args);
    } finally {
      inFlight.remove(args.podUid());
    }
  }

  private Outcome bindOnce(BindingArgs args) {
    if (!state.snapshot().synced()) {
      return new Outcome("gpusched has not synced with the API server yet; the scheduler will retry", "");
    }
    Pod pod = pods.pod(args.podNamespace(), args.podName());
    if (pod == null) {
      return new Outcome("pod " + args.podKey() + " is not in gpusched's cache (deleted, or not yet seen); not bound", "");
    }
    if (!Objects.equals(pod.getMetadata().getUid(), args.podUid())) {
      return new Outcome("pod " + args.podKey() + " has UID " + pod.getMetadata().getUid() + ", the bind asked for "
          + args.podUid() + ": the pod was re-created; not bound", "");
    }
    String boundTo = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
    if (boundTo != null && !boundTo.isEmpty()) {
      return boundTo.equals(args.node()) ? new Outcome(null, "")
          : new Outcome("pod " + args.podKey() + " is already bound to " + boundTo + "; cannot bind it to " + args.node(), "");
    }
    PodDemand demand;
    try {
      demand = PodDemandParser.parse(pod, pods.ownerAnnotations(pod));
    } catch (InvalidDemandException e) {
      return new Outcome("pod " + args.podKey() + ": " + e.getMessage(), "");
    }
    PodRecord record = pods.record(pod);
    long mask;
    if (demand.usesNoGpu()) {
      mask = 0;
    } else {
      try {
        mask = state.apply(ledger -> {
          NodeGpuState node = ledger.currentNode(args.node());
          if (node == null) {
            throw new Rejected("node " + args.node() + " is unknown to gpusched");
          }
          String reason = pipeline.reject(demand, node);
          if (reason != null) {
            throw new Rejected("node " + args.node() + " can no longer host " + args.podKey() + ": " + reason);
          }
          long chosen = GpuChooser.choose(demand, node);
          if (chosen == 0) {
            throw new Rejected("no GPU choice on " + args.node() + " for " + args.podKey());
          }
          ledger.assume(record.withPlacement(args.node(), GpuIds.of(chosen)));
          return chosen;
        }).join();
      } catch (java.util.concurrent.CompletionException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        return new Outcome(cause.getMessage(), "");
      }
    }
    String ids = mask == 0 ? "" : GpuIds.format(mask);
    try {
      writer.bind(args.podNamespace(), args.podName(), args.podUid(), args.node(), ids);
      LOG.info("bound {} to {} (GPUs {})", args.podKey(), args.node(), ids.isEmpty() ? "none" : ids);
      return new Outcome(null, ids);
    } catch (RuntimeException e) {
      LOG.warn("bind of {} to {} failed: {}", args.podKey(), args.node(), e.getMessage());
      if (mask != 0) {
        state.apply(ledger -> {
          ledger.forgetAssumed(args.podUid());
          return null;
        }).join();
      }
      return new Outcome("bind of " + args.podKey() + " to " + args.node() + " failed: " + e.getMessage()
          + "; GPUs released", "");
    }
  }
}
