package dev.gpusched.extender.gang;

import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.ClusterState;
import dev.gpusched.extender.state.Holder;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.extender.state.PodRecord;
import dev.gpusched.gang.GangCoordinator;
import dev.gpusched.gang.Reservations;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The ledger as gang scheduling uses it: it hands the reserved GPUs to the ledger (so every other pod sees them as
 * used), and reads what the ledger holds of a pod or node. Each call runs on the ledger's writer thread.
 */
final class GangLedger {
  private final ClusterState state;
  private final GangCoordinator coordinator;
  private Reservations published;
  private CompletableFuture<Void> publishedDone = CompletableFuture.completedFuture(null);

  GangLedger(ClusterState state, GangCoordinator coordinator) {
    this.state = state;
    this.coordinator = coordinator;
  }

  ClusterSnapshot snapshot() {
    return state.snapshot();
  }

  /** Hands the coordinator's reserved GPUs per node to the ledger, once per change; completes when applied. */
  synchronized CompletableFuture<Void> publish() {
    Reservations r = coordinator.reservations();
    if (r == published) {
      return publishedDone;
    }
    Map<String, Long> masks = r.maskByNode();
    published = r;
    publishedDone = state.apply(ledger -> {
      ledger.setReserved(masks);
      return null;
    });
    return publishedDone;
  }

  /** True when the ledger holds the pod on the node: bound as the API shows it, or bound by gpusched and in flight. */
  boolean boundTo(String uid, String node) {
    return state.apply(ledger -> {
      PodRecord p = ledger.pod(uid);
      PodRecord a = ledger.assumedPod(uid);
      return (p != null && node.equals(p.nodeName())) || (a != null && node.equals(a.nodeName()));
    }).join();
  }

  /** True when gpusched bound the pod to the node and the API does not show it yet. */
  boolean bindingTo(String uid, String node) {
    PodRecord assumed = state.apply(ledger -> ledger.assumedPod(uid)).join();
    return assumed != null && node.equals(assumed.nodeName());
  }

  /** Per node, the GPUs held by pods other than {@code uids}: what a recovered plan may not count on. */
  Map<String, Long> heldByOthers(Set<String> uids) {
    return state.apply(ledger -> {
      Map<String, Long> out = new HashMap<>();
      for (String name : ledger.nodeNames()) {
        NodeGpuState n = ledger.currentNode(name);
        long mask = 0;
        for (Holder h : n.holders()) {
          if (!uids.contains(h.uid())) {
            mask |= h.mask();
          }
        }
        out.put(name, mask);
      }
      return out;
    }).join();
  }
}
