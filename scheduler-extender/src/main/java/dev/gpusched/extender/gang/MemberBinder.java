package dev.gpusched.extender.gang;

import dev.gpusched.extender.bind.ClusterWriter;
import dev.gpusched.extender.state.ClusterState;
import dev.gpusched.extender.state.KubeRecords;
import dev.gpusched.extender.state.KubernetesSource;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.extender.state.PodRecord;
import dev.gpusched.gang.GangKey;
import dev.gpusched.gang.GangPlanCodec;
import dev.gpusched.gang.MemberBinding;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds one gang member the barrier released, as the single-pod binder does: hold its reserved GPUs in the ledger
 * (refused if another pod holds them meanwhile), write {@code gpusched.dev/gpu-ids}, then create the Binding; any
 * failure rolls the ledger and the annotation back. Blocking; thread-safe (members of one gang bind in parallel).
 */
final class MemberBinder {
  private static final Logger LOG = LoggerFactory.getLogger(MemberBinder.class);

  private final ClusterState state;
  private final KubernetesSource source;
  private final ClusterWriter writer;

  MemberBinder(ClusterState state, KubernetesSource source, ClusterWriter writer) {
    this.state = state;
    this.source = source;
    this.writer = writer;
  }

  /** Binds the member; null when bound, else why not in words. */
  String bind(GangKey key, MemberBinding m, PodRef ref) {
    if (ref == null) {
      return "pod " + m.podUid() + " of gang " + key + " is gone; its place waits for a replacement";
    }
    Pod pod = source.pod(ref.namespace(), ref.name());
    if (pod == null || !m.podUid().equals(pod.getMetadata().getUid())) {
      return "pod " + ref.key() + " of gang " + key + " is gone or was re-created; not bound";
    }
    String boundTo = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
    if (boundTo != null && !boundTo.isEmpty()) {
      return boundTo.equals(m.node()) ? null : "pod " + ref.key() + " is already bound to " + boundTo;
    }
    PodRecord record = KubeRecords.podRecord(pod);
    String ids = m.gpuIds();
    try {
      state.apply(ledger -> {
        NodeGpuState n = ledger.currentNode(m.node());
        if (n == null) {
          throw new IllegalStateException("node " + m.node() + " is unknown to gpusched");
        }
        long clash = m.gpuMask() & (n.wholeMask() | n.sharedMask() | n.unusableMask());
        if (clash != 0) {
          throw new IllegalStateException("GPUs " + GangPlanCodec.gpuIds(clash) + " of " + m.node() + " reserved for "
              + ref.key() + " are now held by " + n.holdersOf(Long.numberOfTrailingZeros(clash)) + " or unusable");
        }
        ledger.assume(record.withPlacement(m.node(), KubeRecords.parseGpuIds(ids)));
        return null;
      }).join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      return "bind of " + ref.key() + " to " + m.node() + " refused: " + cause.getMessage();
    }
    boolean annotated = false;
    try {
      writer.writeGpuIds(ref.namespace(), ref.name(), ref.uid(), ids);
      annotated = true;
      writer.bind(ref.namespace(), ref.name(), ref.uid(), m.node());
      LOG.info("bound gang {} member {} to {} (GPUs {})", key, ref.key(), m.node(), ids);
      return null;
    } catch (RuntimeException e) {
      state.apply(ledger -> {
        ledger.forgetAssumed(ref.uid());
        return null;
      }).join();
      if (annotated) {
        try {
          writer.clearGpuIds(ref.namespace(), ref.name(), ref.uid());
        } catch (RuntimeException cleanup) {
          LOG.warn("could not remove the GPU annotation of {} after its failed bind: {}", ref.key(), cleanup.getMessage());
        }
      }
      return "bind of gang " + key + " member " + ref.key() + " to " + m.node() + " failed: " + e.getMessage()
          + "; it keeps its place and must reach bind again before the gang's deadline";
    }
  }
}
