package dev.gpusched.extender.decide;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs a loop over {@code [0, n)} in chunks on the calling thread and on helper threads, as kube-scheduler runs its
 * filters over nodes in parallel: a pod whose verdicts no memo holds waits for the per-node work of thousands of nodes,
 * and spreading that work over the cores shortens the wait without adding to it.
 *
 * <p>Every participant claims the next chunk from one counter, so the caller never waits for a chunk nobody has started:
 * when the helpers are busy (other requests, or a saturated machine) the caller runs every chunk itself, as a
 * sequential loop would. It waits only for chunks a helper is running.
 */
public final class ParallelChunks {
  /** What one participant runs on a chunk; {@code worker} (0 for the caller, 1..helpers) selects its scratch. */
  @FunctionalInterface
  public interface Body {
    void run(int worker, int from, int to);
  }

  /** kube-scheduler's default parallelism. */
  public static final int MAX_THREADS = 16;
  /** The calling thread plus helpers: the machine's cores, up to {@link #MAX_THREADS}. */
  public static final int DEFAULT_THREADS = Math.min(MAX_THREADS, Runtime.getRuntime().availableProcessors());

  private static volatile ExecutorService helpers;

  /** Throws {@link IllegalArgumentException}, saying what would be right, for a thread count outside 1..{@link #MAX_THREADS}. */
  public static void checkThreads(int threads) {
    if (threads < 1 || threads > MAX_THREADS) {
      throw new IllegalArgumentException("--decision-threads " + threads + " is out of range: use 1.." + MAX_THREADS
          + " (1 computes on the request's thread alone)");
    }
  }

  private ParallelChunks() {}

  /**
   * Runs {@code body} over {@code [0, n)} in chunks of {@code chunk}, on the caller and up to {@code threads - 1}
   * helpers ({@link #MAX_THREADS} in all at most); on the caller alone when {@code threads <= 1} or there is a single
   * chunk. Rethrows what a chunk threw, once no helper runs one.
   */
  public static void run(int threads, int n, int chunk, Body body) {
    int chunks = (n + chunk - 1) / chunk;
    int extra = Math.min(Math.min(threads, MAX_THREADS), chunks) - 1;
    if (extra <= 0) {
      if (n > 0) {
        body.run(0, 0, n);
      }
      return;
    }
    Job job = new Job(n, chunk, chunks, body, extra, Thread.currentThread());
    ExecutorService pool = pool();
    for (int h = 0; h < extra; h++) {
      try {
        pool.execute(job);
      } catch (RejectedExecutionException e) {
        break; // the caller claims what no helper does
      }
    }
    try {
      job.work(0);
    } catch (Throwable t) {
      job.fail(t);
    }
    job.awaitHelpers();
  }

  private static ExecutorService pool() {
    ExecutorService pool = helpers;
    if (pool == null) {
      synchronized (ParallelChunks.class) {
        pool = helpers;
        if (pool == null) {
          AtomicInteger number = new AtomicInteger();
          // No queue: a helper starts on an idle thread or a new one, else the caller runs its share itself.
          pool = new ThreadPoolExecutor(0, MAX_THREADS - 1, 10, TimeUnit.MINUTES, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "gpusched-decide-" + number.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
          helpers = pool;
        }
      }
    }
    return pool;
  }

  private static final class Job implements Runnable {
    private final int n;
    private final int chunk;
    private final int chunks;
    private final Body body;
    private final int helpers;
    private final Thread caller;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger helperIds = new AtomicInteger();
    /** Helpers that may still hold a chunk: incremented before a helper claims, so the caller sees it when it must. */
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    Job(int n, int chunk, int chunks, Body body, int helpers, Thread caller) {
      this.n = n;
      this.chunk = chunk;
      this.chunks = chunks;
      this.body = body;
      this.helpers = helpers;
      this.caller = caller;
    }

    @Override
    public void run() {
      int worker = helperIds.incrementAndGet();
      if (worker > helpers || next.get() >= chunks) {
        return; // started after the work was gone: nothing to claim
      }
      running.incrementAndGet();
      try {
        work(worker);
      } catch (Throwable t) {
        fail(t);
      } finally {
        running.decrementAndGet();
        LockSupport.unpark(caller);
      }
    }

    /** Keeps the first failure and leaves the chunks not yet claimed unrun. */
    void fail(Throwable t) {
      failure.compareAndSet(null, t);
      next.set(chunks);
    }

    void work(int worker) {
      for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
        int from = c * chunk;
        body.run(worker, from, Math.min(n, from + chunk));
      }
    }

    /** Returns once no helper holds a chunk; rethrows a helper's failure. */
    void awaitHelpers() {
      int spins = 0;
      while (running.get() != 0) {
        if (++spins < 1_000) {
          Thread.onSpinWait();
        } else {
          LockSupport.parkNanos(this, 50_000);
        }
      }
      Throwable t = failure.get();
      if (t instanceof RuntimeException r) {
        throw r;
      }
      if (t instanceof Error e) {
        throw e;
      }
      if (t != null) {
        throw new IllegalStateException(t);
      }
    }
  }
}
