package dev.gpusched.bench.load;

import org.HdrHistogram.Histogram;

/**
 * Latencies of the filter + prioritize pairs one target answered in one measured phase, in microseconds.
 *
 * @param mode {@code closed} (N concurrent senders, each waiting for its answer) or {@code rate} (fixed arrival rate,
 *     latency counted from each pair's scheduled start)
 * @param failures pairs that failed (non-200, Error, timeout) during measurement
 */
public record LoadResult(String target, int nodes, String mode, Histogram micros, long failures, double seconds) {
  public double p50Millis() {
    return micros.getValueAtPercentile(50) / 1000.0;
  }

  public double p99Millis() {
    return micros.getValueAtPercentile(99) / 1000.0;
  }

  public double p999Millis() {
    return micros.getValueAtPercentile(99.9) / 1000.0;
  }

  public double maxMillis() {
    return micros.getMaxValue() / 1000.0;
  }

  public double pairsPerSecond() {
    return micros.getTotalCount() / seconds;
  }
}
