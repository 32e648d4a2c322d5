package dev.gpusched.bench.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Drives pairs at the targets and records their latencies. Targets are interleaved within one phase, so they see the
 * same machine conditions: in the closed loop each sender alternates targets pair by pair; at a fixed rate the targets'
 * schedules are offset by half a period.
 */
public final class LoadDriver {
  /** Slowest latency the histograms hold: 60 s, in microseconds. */
  static final long MAX_MICROS = 60_000_000L;

  /** Pairs a fixed-rate phase can have in flight at once (kube-scheduler itself has one per scheduling cycle). */
  static final int RATE_SENDERS = 16;
  private static final long[] STOP = new long[0];

  /** One server under test. */
  public record Target(String name, PairClient client) {}

  /** One interval of a sustained run. */
  public record Interval(int index, Histogram micros, long failures, long heapAfterGcBytes) {}

  private LoadDriver() {}

  /**
   * {@code senders} threads, each sending a pair and waiting for it, alternating targets; the first {@code warmup} is not
   * recorded.
   */
  public static List<LoadResult> closedLoop(List<Target> targets, int nodes, int senders, Duration warmup,
      Duration duration) throws InterruptedException {
    int n = targets.size();
    Recorder[] recorders = recorders(n);
    AtomicLong[] failures = counters(n);
    long start = System.nanoTime();
    long measureFrom = start + warmup.toNanos();
    long end = measureFrom + duration.toNanos();
    List<Thread> threads = new ArrayList<>();
    for (int s = 0; s < senders; s++) {
      int first = s % n;
      Thread t = new Thread(() -> {
        int i = first;
        long now;
        while ((now = System.nanoTime()) < end) {
          try {
            targets.get(i).client().pair();
            long done = System.nanoTime();
            if (now >= measureFrom && done <= end) {
              recorders[i].recordValue(Math.min(MAX_MICROS, (done - now) / 1000));
            }
          } catch (InterruptedException e) {
            return;
          } catch (Exception e) {
            if (now >= measureFrom) {
              failures[i].incrementAndGet();
            }
          }
          i = (i + 1) % n;
        }
      }, "load-sender-" + s);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    return results(targets, nodes, "closed", recorders, failures, duration);
  }

  /**
   * Each target gets {@code ratePerTarget} pairs per second on a fixed schedule whatever the answers do (open loop),
   * sent by {@link #RATE_SENDERS} blocking senders; latency counts from a pair's scheduled start, so time spent queued
   * behind a slow answer or waiting for a free sender is counted.
   *
   * @param onInterval called every {@code interval} (if non-null) with the first target's latencies of that interval
   * @param heap reads the servers' heap after GC for {@code onInterval}; may be null
   */
  public static List<LoadResult> fixedRate(List<Target> targets, int nodes, double ratePerTarget, Duration warmup,
      Duration duration, Duration interval, Consumer<Interval> onInterval, java.util.function.LongSupplier heap)
      throws InterruptedException {
    if (ratePerTarget <= 0) {
      throw new IllegalArgumentException("--rate must be more than 0 pairs per second, got " + ratePerTarget);
    }
    int n = targets.size();
    Recorder[] recorders = recorders(n);
    AtomicLong[] failures = counters(n);
    Histogram[] totals = new Histogram[n];
    for (int i = 0; i < n; i++) {
      totals[i] = new Histogram(MAX_MICROS, 3);
    }
    long periodNanos = (long) (1e9 / ratePerTarget);
    long maxInFlight = Math.max(1000, (long) (ratePerTarget * n * 10)); // ten seconds of backlog: the server gave up
    AtomicLong inFlight = new AtomicLong();
    long start = System.nanoTime();
    long measureFrom = start + warmup.toNanos();
    long end = measureFrom + duration.toNanos();
    ScheduledExecutorService reporter = null;
    AtomicLong intervalFailures = new AtomicLong();
    AtomicLong reported = new AtomicLong();
    long intervals = interval == null ? 0 : (duration.toNanos() + interval.toNanos() - 1) / interval.toNanos();
    if (onInterval != null) {
      reporter = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "load-interval-report");
        t.setDaemon(true);
        return t;
      });
      long first = measureFrom - System.nanoTime() + interval.toNanos();
      reporter.scheduleAtFixedRate(() -> {
        if (reported.get() + 1 < intervals) { // the last interval is reported once every pair has been answered
          reportInterval(recorders[0], totals[0], intervalFailures, heap, onInterval, reported.incrementAndGet());
        }
      }, first, interval.toNanos(), TimeUnit.NANOSECONDS);
    }
    // Blocking senders take the pairs at their scheduled time; a pair waiting for a free sender keeps its scheduled
    // start, so the wait is counted. (Blocking sends cost the JDK client a third of the CPU its async path does.)
    java.util.concurrent.BlockingQueue<long[]> queue = new java.util.concurrent.LinkedBlockingQueue<>();
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < RATE_SENDERS; w++) {
      Thread t = new Thread(() -> {
        while (true) {
          long[] job;
          try {
            job = queue.take();
          } catch (InterruptedException e) {
            return;
          }
          if (job == STOP) {
            return;
          }
          int target = (int) job[0];
          long scheduled = job[1];
          boolean ok;
          try {
            targets.get(target).client().pair();
            ok = true;
          } catch (InterruptedException e) {
            return;
          } catch (Exception e) {
            ok = false;
          }
          long done = System.nanoTime();
          inFlight.decrementAndGet();
          if (scheduled < measureFrom) {
            continue;
          }
          if (ok) {
            recorders[target].recordValue(Math.min(MAX_MICROS, (done - scheduled) / 1000));
          } else {
            failures[target].incrementAndGet();
            if (target == 0) {
              intervalFailures.incrementAndGet();
            }
          }
        }
      }, "load-rate-sender-" + w);
      t.setDaemon(true);
      workers.add(t);
      t.start();
    }
    String overloaded = null;
    dispatch:
    for (long k = 0; ; k++) {
      for (int i = 0; i < n; i++) {
        long scheduled = start + k * periodNanos + i * periodNanos / n;
        if (scheduled >= end) {
          break dispatch;
        }
        long wait;
        while ((wait = scheduled - System.nanoTime()) > 0) {
          LockSupport.parkNanos(wait);
        }
        if (inFlight.get() >= maxInFlight) {
          overloaded = inFlight.get() + " pairs waiting or in flight at " + ratePerTarget + " pairs/s per target: more "
              + "than 10 s behind, the servers (" + RATE_SENDERS + " pairs at a time) cannot keep this rate; lower --rate";
          break dispatch;
        }
        inFlight.incrementAndGet();
        queue.add(new long[] {i, scheduled});
      }
    }
    for (int w = 0; w < workers.size(); w++) {
      queue.add(STOP);
    }
    if (overloaded != null) {
      queue.clear();
      for (Thread t : workers) {
        t.interrupt();
      }
    }
    long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (Thread t : workers) {
      t.join(Math.max(1, (drainUntil - System.nanoTime()) / 1_000_000));
    }
    if (reporter != null) {
      reporter.shutdownNow();
      reporter.awaitTermination(10, TimeUnit.SECONDS);
      if (overloaded == null) {
        reportInterval(recorders[0], totals[0], intervalFailures, heap, onInterval, reported.incrementAndGet());
      }
    }
    if (overloaded != null) {
      throw new IllegalStateException(overloaded);
    }
    List<LoadResult> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Histogram h;
      synchronized (totals[i]) {
        h = totals[i].copy();
      }
      h.add(recorders[i].getIntervalHistogram());
      out.add(new LoadResult(targets.get(i).name(), nodes, "rate", h, failures[i].get(), duration.toNanos() / 1e9));
    }
    return out;
  }

  private static void reportInterval(Recorder recorder, Histogram total, AtomicLong failures,
      java.util.function.LongSupplier heap, Consumer<Interval> onInterval, long index) {
    Histogram h = recorder.getIntervalHistogram();
    synchronized (total) {
      total.add(h);
    }
    long heapBytes = heap == null ? -1 : heap.getAsLong();
    onInterval.accept(new Interval((int) index, h, failures.getAndSet(0), heapBytes));
  }

  private static List<LoadResult> results(List<Target> targets, int nodes, String mode, Recorder[] recorders,
      AtomicLong[] failures, Duration duration) {
    List<LoadResult> out = new ArrayList<>();
    for (int i = 0; i < targets.size(); i++) {
      out.add(new LoadResult(targets.get(i).name(), nodes, mode, recorders[i].getIntervalHistogram(), failures[i].get(),
          duration.toNanos() / 1e9));
    }
    return out;
  }

  private static Recorder[] recorders(int n) {
    Recorder[] r = new Recorder[n];
    for (int i = 0; i < n; i++) {
      r[i] = new Recorder(MAX_MICROS, 3);
    }
    return r;
  }

  private static AtomicLong[] counters(int n) {
    AtomicLong[] c = new AtomicLong[n];
    for (int i = 0; i < n; i++) {
      c[i] = new AtomicLong();
    }
    return c;
  }
}
