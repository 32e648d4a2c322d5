package dev.gpusched.extender.kube;

import dev.gpusched.extender.state.CachedPod;
import dev.gpusched.extender.state.ClusterState;
import dev.gpusched.extender.state.NodeInfo;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge that feeds {@link ClusterState} from the API server: fabric8 informers on Nodes and Pods. Marks the state
 * synced once both initial lists are in, and keeps what gpusched reads of every pod for bind, the gang adapters and
 * {@code /inspect}. The informers read only the fields gpusched decides from ({@link InformerJson}), list in pages of
 * {@value #PAGE} objects, and keep each pod compact ({@link CachedPod}) and each node as its {@link NodeInfo}, the very
 * record the ledger holds ({@link CompactStore}).
 */
public final class KubernetesSource implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesSource.class);
  /** Objects per list request: what the initial list holds in memory at once (client-go's pager uses 500 too). */
  static final long PAGE = 500;

  private final KubernetesClient client;
  private final ClusterState state;
  private final CompactStore<Node, NodeInfo> nodeStore = new CompactStore<>(KubeRecords::nodeInfo, KubeRecords::node);
  private final CompactStore<Pod, CachedPod> podStore = new CompactStore<>(CachedPods::of, CachedPods::pod);
  private SharedIndexInformer<Node> nodes;
  private SharedIndexInformer<Pod> pods;
  private volatile java.util.function.Consumer<Pod> podDeleted = p -> { };
  private volatile Runnable beforeSynced = () -> { };
  private final java.util.concurrent.ScheduledExecutorService monitor =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gpusched-watch-monitor");
        t.setDaemon(true);
        return t;
      });
  private boolean trusted;
  /** Highest pod resourceVersion whose event reached the ledger's queue (watch events arrive in version order). */
  private final java.util.concurrent.atomic.AtomicLong deliveredPodVersion = new java.util.concurrent.atomic.AtomicLong(-1);
  private volatile int resyncs;

  /** @param client the cluster; the informers use a client of their own to it, which reads less ({@link InformerJson}) */
  public KubernetesSource(KubernetesClient client, ClusterState state) {
    this.client = new KubernetesClientBuilder().withConfig(client.getConfiguration())
        .withKubernetesSerialization(InformerJson.serialization()).build();
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

  /** Every pod the informer holds, as gpusched keeps it (a list the caller owns). */
  public List<CachedPod> pods() {
    return podStore.allKept();
  }

  /** The pod {@code namespace/name} as gpusched keeps it, or null. */
  public CachedPod pod(String namespace, String name) {
    return podStore.kept(Cache.namespaceKeyFunc(namespace, name));
  }

  /** Starts both informers; the returned future completes when both have synced and the state is marked synced. */
  public CompletableFuture<Void> start() {
    nodes = client.nodes().withLimit(PAGE).runnableInformer(0).itemStore(nodeStore).removeNamespaceIndex();
    nodes.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Node n) {
        // the store compacted it already (and may hold a newer version: upserts are idempotent; null when deleted since)
        NodeInfo info = nodeStore.kept(Cache.metaNamespaceKeyFunc(n));
        if (info != null) {
          state.submit(l -> l.upsertNode(info));
        }
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
    pods = client.pods().inAnyNamespace().withLimit(PAGE).runnableInformer(0).itemStore(podStore)
        .removeNamespaceIndex();
    pods.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod p) {
        CachedPod kept = podStore.kept(Cache.metaNamespaceKeyFunc(p));
        if (kept != null) {
          state.submit(l -> l.upsertPod(kept.record()));
        }
        delivered(p);
      }

      @Override
      public void onUpdate(Pod oldPod, Pod p) {
        onAdd(p);
      }

      @Override
      public void onDelete(Pod p, boolean unknownFinalState) {
        String uid = KubeRecords.podRecord(p).uid();
        state.submit(l -> l.removePod(uid));
        delivered(p);
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
      LOG.info("informers synced: {} nodes, {} pods listed", nodeStore.size(), podStore.size());
      synchronized (this) {
        trusted = true;
      }
      primeFromStores();
      try {
        beforeSynced.run();
      } catch (RuntimeException e) {
        LOG.error("preparing state before serving failed; serving without it", e);
      }
      state.markSynced();
      monitor.scheduleWithFixedDelay(this::watchHealth, 50, 50, java.util.concurrent.TimeUnit.MILLISECONDS);
    });
  }

  /**
   * After the initial sync: when either watch is lost (API server down, watch expired, relisting), the state is marked
   * unsynced so no decision is made on a cache that may miss events; when both watch again (the relist is in the
   * store, its differences delivered as events), it is marked synced and rebuilt.
   */
  private synchronized void watchHealth() {
    boolean ok = healthy();
    if (trusted && !ok) {
      trusted = false;
      LOG.warn("lost the watch on the API server (nodes watching: {}, pods watching: {}); decisions stop until the "
          + "informers have relisted", nodes.isWatching(), pods.isWatching());
      state.markUnsynced();
    } else if (!trusted && ok) {
      trusted = true;
      resyncs++;
      LOG.info("informers watching again after a relist: {} nodes, {} pods; decisions resume", nodeStore.size(),
          podStore.size());
      primeFromStores();
      state.markSynced();
    }
  }

  /**
   * Queues every object of both informer stores into the ledger, ahead of the sync mark. fabric8 reports an informer
   * synced once its store holds the list, but hands the list's events to handlers asynchronously: without this, the
   * first synced snapshot could miss pods whose events were still on their way. Upserts are idempotent, so the events
   * arriving later change nothing.
   */
  private void primeFromStores() {
    for (NodeInfo info : nodeStore.allKept()) {
      state.submit(l -> l.upsertNode(info));
    }
    for (CachedPod kept : podStore.allKept()) {
      state.submit(l -> l.upsertPod(kept.record()));
    }
  }

  /** How many times the informers recovered from a lost watch (for tests and logs). */
  public int resyncs() {
    return resyncs;
  }

  /**
   * Blocks until the pod handler has passed to the ledger every write the API server had made when this was called
   * (compared by
   * the newest pod resourceVersion, which the API
   * server issues in increasing order) and the ledger has applied it. A new leader runs
   * this before deciding, so it never decides on a cache that misses the previous leader's last binds.
   */
  public void awaitCaughtUp(java.time.Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    // The newest pod version, not the list's: a list's version also counts writes to other kinds (the Lease itself),
    // which the pod watch never delivers.
    String target = newestPodVersion();
    while (System.nanoTime() < deadline) {
      String seen = Long.toString(deliveredPodVersion.get());
      if (atLeast(seen, target) && healthy()) {
        state.apply(l -> null).join();
        return;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    throw new IllegalStateException("pod cache did not reach resourceVersion " + target + " within " + timeout);
  }

  /**
   * The newest resourceVersion of any pod, from a list read in pages through the informers' client (which reads little
   * of each pod); "" when versions are opaque (only a healthy watch can be checked then).
   */
  private String newestPodVersion() {
    String target = "";
    long newest = -1;
    String next = null;
    do {
      PodList page = client.pods().inAnyNamespace()
          .list(new ListOptionsBuilder().withLimit(PAGE).withContinue(next).build());
      for (Pod p : page.getItems()) {
        String rv = p.getMetadata().getResourceVersion();
        try {
          long v = Long.parseLong(rv);
          if (v > newest) {
            newest = v;
            target = rv;
          }
        } catch (NumberFormatException e) {
          return "";
        }
      }
      next = page.getMetadata() == null ? null : page.getMetadata().getContinue();
    } while (next != null && !next.isEmpty());
    return target;
  }

  private void delivered(Pod p) {
    String rv = p.getMetadata().getResourceVersion();
    if (rv == null) {
      return;
    }
    try {
      long v = Long.parseLong(rv);
      deliveredPodVersion.accumulateAndGet(v, Math::max);
    } catch (NumberFormatException opaque) {
      // opaque versions: awaitCaughtUp falls back to a healthy watch
    }
  }

  private static boolean atLeast(String seen, String target) {
    if (target == null || target.isEmpty()) {
      return true;
    }
    if (seen == null) {
      return false;
    }
    try {
      return Long.parseLong(seen) >= Long.parseLong(target);
    } catch (NumberFormatException e) {
      return true; // opaque versions: the healthy watch is all that can be checked
    }
  }

  /** True while both informers run and watch; false during a relist after a lost watch. */
  public boolean healthy() {
    return nodes != null && pods != null && nodes.isRunning() && pods.isRunning() && nodes.hasSynced() && pods.hasSynced()
        && nodes.isWatching() && pods.isWatching();
  }

  @Override
  public void close() {
    monitor.shutdownNow();
    if (nodes != null) {
      nodes.close();
    }
    if (pods != null) {
      pods.close();
    }
    client.close();
  }
}
