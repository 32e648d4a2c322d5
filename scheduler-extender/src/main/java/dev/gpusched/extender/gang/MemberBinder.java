package dev.gpusched.extender.gang;

import dev.gpusched.extender.bind.ClusterWriter;
import dev.gpusched.extender.model.GpuIds;
import dev.gpusched.extender.state.ClusterState;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.extender.state.PodRecord;
import dev.gpusched.gang.GangKey;
import dev.gpusched.gang.GangPlanCodec;
import dev.gpusched.gang.MemberBinding;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the members the barrier released, in three steps: {@link #prepare} checks each pod is still the one that
 * claimed the place; {@link #holdAll} holds every member's reserved GPUs in the ledger in one step, or none of them
 * when any is held by another pod meanwhile (so a gang is never bound in part because its plan was stale);
 * {@link #write} binds one member with one Binding that records its {@code gpusched.dev/gpu-ids}, rolling the ledger
 * back on failure. Blocking; thread-safe (members of one gang are written in parallel).
 */
final class MemberBinder {
  private static final Logger LOG = LoggerFactory.getLogger(MemberBinder.class);

  private final ClusterState state;
  private final GangPods pods;
  private final ClusterWriter writer;

  MemberBinder(ClusterState state, GangPods pods, ClusterWriter writer) {
    this.state = state;
    this.pods = pods;
    this.writer = writer;
  }

  /**
   * A member checked by {@link #prepare}: {@code error} is why it cannot be bound (null otherwise); {@code alreadyBound}
   * when the API shows it bound to its reserved node (nothing to write); else {@code record} is the pod placed on its
   * reserved GPUs, to hold and write.
   */
  record Prepared(MemberBinding member, PodRef ref, PodRecord record, boolean alreadyBound, String error) {
    boolean toWrite() {
      return error == null && !alreadyBound;
    }
  }

  /** Checks the member's pod against the API cache: still there, the same pod, not bound elsewhere. */
  Prepared prepare(GangKey key, MemberBinding m, PodRef ref) {
    if (ref == null) {
      return new Prepared(m, null, null, false,
          "pod " + m.podUid() + " of gang " + key + " is gone; its place waits for a replacement");
    }
    Pod pod = pods.live(ref);
    if (pod == null || !m.podUid().equals(pod.getMetadata().getUid())) {
      return new Prepared(m, ref, null, false, "pod " + ref.key() + " of gang " + key + " is gone or was re-created; not bound");
    }
    String boundTo = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
    if (boundTo != null && !boundTo.isEmpty()) {
      return boundTo.equals(m.node()) ? new Prepared(m, ref, null, true, null)
          : new Prepared(m, ref, null, false, "pod " + ref.key() + " is already bound to " + boundTo);
    }
    PodRecord record = pods.record(pod).withPlacement(m.node(), GpuIds.parse(m.gpuIds()));
    return new Prepared(m, ref, record, false, null);
  }

  /**
   * Holds the reserved GPUs of every member to write, all in one ledger step: null when held, else (holding none) which
   * GPUs are taken and by whom.
   */
  String holdAll(GangKey key, List<Prepared> members) {
    return state.apply(ledger -> {
      StringBuilder taken = new StringBuilder();
      for (Prepared p : members) {
        if (!p.toWrite()) {
          continue;
        }
        MemberBinding m = p.member();
        NodeGpuState n = ledger.currentNode(m.node());
        if (n == null) {
          taken.append(taken.isEmpty() ? "" : "; ").append("node ").append(m.node()).append(" of ").append(p.ref().key())
              .append(" is unknown to gpusched");
          continue;
        }
        long clash = m.gpuMask() & (n.wholeMask() | n.sharedMask() | n.unusableMask());
        if (clash != 0) {
          taken.append(taken.isEmpty() ? "" : "; ").append("GPUs ").append(GangPlanCodec.gpuIds(clash)).append(" of ")
              .append(m.node()).append(" reserved for ").append(p.ref().key()).append(" are now held by ")
              .append(n.holdersOf(Long.numberOfTrailingZeros(clash))).append(" or unusable");
        }
      }
      if (!taken.isEmpty()) {
        return "gang " + key + " cannot be bound as planned: " + taken
            + "; no member was bound, and the gang is planned again";
      }
      for (Prepared p : members) {
        if (p.toWrite()) {
          ledger.assume(p.record());
        }
      }
      return null;
    }).join();
  }

  /** Binds one held member with its GPU ids; null when bound, else why not (its ledger hold is released). */
  String write(GangKey key, Prepared p) {
    PodRef ref = p.ref();
    MemberBinding m = p.member();
    try {
      writer.bind(ref.namespace(), ref.name(), ref.uid(), m.node(), m.gpuIds());
      LOG.info("bound gang {} member {} to {} (GPUs {})", key, ref.key(), m.node(), m.gpuIds());
      return null;
    } catch (RuntimeException e) {
      release(ref);
      return "bind of gang " + key + " member " + ref.key() + " to " + m.node() + " failed: " + e.getMessage()
          + "; it keeps its place and must reach bind again before the gang's deadline";
    }
  }

  /**
   * Releases the ledger hold of a member that will not be written. Never throws: when gpusched is stopping (the ledger
   * closed) there is nothing left to release, and the bind's outcome must still be reported.
   */
  void release(PodRef ref) {
    try {
      state.apply(ledger -> {
        ledger.forgetAssumed(ref.uid());
        return null;
      }).join();
    } catch (RuntimeException closed) {
      LOG.debug("ledger hold of {} not released: {}", ref.key(), closed.toString());
    }
  }
}
