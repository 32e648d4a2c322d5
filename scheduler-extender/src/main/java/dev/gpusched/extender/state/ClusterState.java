package dev.gpusched.extender.state;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of the {@link Ledger} and publisher of {@link ClusterSnapshot}s. Informer events and binds are
 * queued and applied in order on one thread; after each batch the changed nodes are rebuilt and the next snapshot is
 * published through one volatile reference, so readers never lock and never wait.
 */
public final class ClusterState implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterState.class);
  private static final int MAX_BATCH = 4096;

  private final Ledger ledger = new Ledger();
  private final BlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
  private final Thread writer;
  private volatile ClusterSnapshot snapshot = ClusterSnapshot.EMPTY;
  private volatile boolean closed;
  private boolean synced;
  private boolean syncRequested;

  public ClusterState() {
    writer = new Thread(this::run, "gpusched-state-writer");
    writer.setDaemon(true);
    writer.start();
  }

  public ClusterSnapshot snapshot() {
    return snapshot;
  }

  /**
   * Runs {@code change} on the writer thread against the ledger and completes once the resulting snapshot is published.
   * A change may read {@link #snapshot()} (the latest published) to decide, then mutate the ledger atomically with it.
   */
  public <T> CompletableFuture<T> apply(Function<Ledger, T> change) {
    CompletableFuture<T> done = new CompletableFuture<>();
    if (closed) {
      done.completeExceptionally(new IllegalStateException("cluster state is closed"));
      return done;
    }
    queue.add(new Task<>(change, done));
    return done;
  }

  /** Fire-and-forget form for informer events. */
  public void submit(java.util.function.Consumer<Ledger> change) {
    if (!closed) {
      queue.add(() -> change.accept(ledger));
    }
  }

  /** Marks the initial list complete: the next publish rebuilds every node and decisions may start. */
  public void markSynced() {
    queue.add(() -> syncRequested = true);
  }

  /** Marks the cache untrustworthy (e.g. watch lost and relisting): decisions stop until {@link #markSynced()}. */
  public void markUnsynced() {
    queue.add(() -> {
      synced = false;
      syncRequested = false;
    });
  }

  private final class Task<T> implements Runnable {
    final Function<Ledger, T> change;
    final CompletableFuture<T> done;
    T result;
    RuntimeException failure;

    Task(Function<Ledger, T> change, CompletableFuture<T> done) {
      this.change = change;
      this.done = done;
    }

    @Override
    public void run() {
      try {
        result = change.apply(ledger);
      } catch (RuntimeException e) {
        failure = e;
      }
    }

    void complete() {
      if (failure != null) {
        done.completeExceptionally(failure);
      } else {
        done.complete(result);
      }
    }
  }

  private void run() {
    java.util.List<Runnable> batch = new java.util.ArrayList<>();
    while (!closed) {
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        return;
      }
      queue.drainTo(batch, MAX_BATCH);
      for (Runnable r : batch) {
        try {
          r.run();
        } catch (RuntimeException e) {
          LOG.error("state change failed; ledger left as it was before that change", e);
        }
      }
      try {
        publish();
      } catch (RuntimeException e) {
        LOG.error("publishing the next cluster snapshot failed", e);
      }
      for (Runnable r : batch) {
        if (r instanceof Task<?> t) {
          t.complete();
        }
      }
      batch.clear();
    }
  }

  private void publish() {
    ClusterSnapshot current = snapshot;
    if (!synced) {
      if (syncRequested) {
        synced = true;
        ClusterSnapshot rebuilt = ClusterSnapshot.EMPTY.with(ledger.buildAll(), true);
        snapshot = rebuilt.republished(current.version() + 1, true);
        LOG.info("cluster state synced: {} nodes, {} GPU pods", rebuilt.nodes().length, ledger.podCount());
      } else if (current.synced()) {
        // Keep the last nodes visible to /inspect, but stop decisions until the relist completes.
        snapshot = current.republished(current.version() + 1, false);
      }
      return;
    }
    var changes = ledger.drainChanges();
    if (!changes.isEmpty()) {
      snapshot = current.with(changes, true);
    }
  }

  @Override
  public void close() {
    closed = true;
    writer.interrupt();
  }
}
