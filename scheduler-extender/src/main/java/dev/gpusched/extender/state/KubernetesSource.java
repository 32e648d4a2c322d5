package dev.gpusched.extender.state;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge that feeds {@link ClusterState} from the API server: fabric8 informers on Nodes and Pods. Marks the state
 * synced once both initial lists are in, and looks pods up for bind from the informer's cache.
 */
public final class KubernetesSource implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesSource.class);

  private final KubernetesClient client;
  private final ClusterState state;
  private SharedIndexInformer<Node> nodes;
  private SharedIndexInformer<Pod> pods;
  private volatile java.util.function.Consumer<Pod> podDeleted = p -> { };
  private volatile Runnable beforeSynced = () -> { };

  public KubernetesSource(KubernetesClient client, ClusterState state) {
    this.client = client;
    this.state = state;
  }

  /** Called on the informer thread after a pod is deleted (gang bookkeeping); set before {@link #start()}. */
  public void onPodDeleted(java.util.function.Consumer<Pod> listener) {
    this.podDeleted = listener;
  }

  /**
   * Runs once both initial lists are in, before the state is marked synced and decisions start (gang recovery rebuilds
   * reservations from pod annotations there); set before {@link #start()}.
   */
  public void beforeSynced(Runnable hook) {
    this.beforeSynced = hook;
  }

  /** Every pod in the informer cache (a copy). */
  public java.util.List<Pod> pods() {
    return pods == null ? java.util.List.of() : pods.getStore().list();
  }

  /** Starts both informers; the returned future completes when both have synced and the state is marked synced. */
  public CompletableFuture<Void> start() {
    nodes = client.nodes().runnableInformer(0);
    nodes.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Node n) {
        NodeInfo info = KubeRecords.nodeInfo(n);
        state.submit(l -> l.upsertNode(info));
      }

      @Override
      public void onUpdate(Node oldNode, Node n) {
        onAdd(n);
      }

      @Override
      public void onDelete(Node n, boolean unknownFinalState) {
        String name = n.getMetadata().getName();
        state.submit(l -> l.removeNode(name));
      }
    });
    pods = client.pods().inAnyNamespace().runnableInformer(0);
    pods.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod p) {
        PodRecord r = KubeRecords.podRecord(p);
        state.submit(l -> l.upsertPod(r));
      }

      @Override
      public void onUpdate(Pod oldPod, Pod p) {
        onAdd(p);
      }

      @Override
      public void onDelete(Pod p, boolean unknownFinalState) {
        String uid = KubeRecords.podRecord(p).uid();
        state.submit(l -> l.removePod(uid));
        try {
          podDeleted.accept(p);
        } catch (RuntimeException e) {
          LOG.warn("handling the deletion of pod {}/{}: {}", p.getMetadata().getNamespace(), p.getMetadata().getName(),
              e.toString());
        }
      }
    });
    CompletableFuture<Void> nodesSynced = nodes.start().toCompletableFuture();
    CompletableFuture<Void> podsSynced = pods.start().toCompletableFuture();
    return CompletableFuture.allOf(nodesSynced, podsSynced).thenRun(() -> {
      LOG.info("informers synced: {} nodes, {} pods listed", nodes.getStore().list().size(), pods.getStore().list().size());
      // Informer handlers run asynchronously: feed the listed objects once more so the ledger holds the whole initial
      // list before it is marked synced (and before gang recovery reads it). Upserts are idempotent.
      for (Node n : nodes.getStore().list()) {
        NodeInfo info = KubeRecords.nodeInfo(n);
        state.submit(l -> l.upsertNode(info));
      }
      for (Pod p : pods.getStore().list()) {
        PodRecord r = KubeRecords.podRecord(p);
        state.submit(l -> l.upsertPod(r));
      }
      try {
        beforeSynced.run();
      } catch (RuntimeException e) {
        LOG.error("preparing state before serving failed; serving without it", e);
      }
      state.markSynced();
    });
  }

  /** True while both informers run and watch; false during a relist after a lost watch. */
  public boolean healthy() {
    return nodes != null && pods != null && nodes.isRunning() && pods.isRunning() && nodes.hasSynced() && pods.hasSynced()
        && nodes.isWatching() && pods.isWatching();
  }

  /** The pod from the informer cache, or null. */
  public Pod pod(String namespace, String name) {
    return pods == null ? null : pods.getStore().getByKey(namespace + "/" + name);
  }

  @Override
  public void close() {
    if (nodes != null) {
      nodes.close();
    }
    if (pods != null) {
      pods.close();
    }
  }
}
