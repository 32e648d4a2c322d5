package dev.gpusched.bench.sim;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;

/** A one-line progress bar on a terminal stream, redrawn at most every 200 ms; thread-safe. */
final class ProgressBar {
  private final PrintStream out;
  private final long total;
  private final AtomicLong done = new AtomicLong();
  private final long startNanos = System.nanoTime();
  private volatile long lastDraw;
  private long drawn = -1;

  ProgressBar(PrintStream out, long total) {
    this.out = out;
    this.total = Math.max(1, total);
  }

  void advance(int n) {
    long d = done.addAndGet(n);
    long now = System.nanoTime();
    if (now - lastDraw > 200_000_000L || d == total) {
      lastDraw = now;
      draw(d, now);
    }
  }

  private synchronized void draw(long d, long now) {
    if (d == drawn) {
      return;
    }
    drawn = d;
    int width = 40;
    int filled = (int) (width * d / total);
    double secs = (now - startNanos) / 1e9;
    double eta = d == 0 ? 0 : secs * (total - d) / d;
    out.printf("\r[%s%s] %3d%%  %.0fs elapsed, ~%.0fs left ", "#".repeat(filled), " ".repeat(width - filled),
        100 * d / total, secs, eta);
    out.flush();
  }

  void finish() {
    draw(done.get(), System.nanoTime());
    out.println();
  }
}
