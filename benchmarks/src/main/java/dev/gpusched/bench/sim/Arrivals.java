package dev.gpusched.bench.sim;

import java.util.Random;

/**
 * The FGD replay's arrival order: every pod of the list once, plus pods drawn uniformly at random (with replacement)
 * until the arrived GPU request reaches {@code inflation} x the cluster's GPUs, all shuffled. Depends only on the seed,
 * so every policy sees the same arrivals for a seed.
 */
public final class Arrivals {
  private Arrivals() {}

  /** Indices into {@code pods}, in arrival order. */
  public static int[] order(Trace trace, double inflation, long seed) {
    var pods = trace.pods();
    long target = (long) Math.ceil(trace.totalGpuMilli() * inflation);
    Random rng = new Random(seed);
    long requested = 0;
    int n = pods.size();
    int[] out = new int[Math.max(16, n * 2)];
    int len = 0;
    for (int i = 0; i < n; i++) {
      out = grow(out, len);
      out[len++] = i;
      requested += pods.get(i).gpuRequestMilli();
    }
    boolean anyGpu = requested > 0;
    while (anyGpu && requested < target) {
      int i = rng.nextInt(n);
      out = grow(out, len);
      out[len++] = i;
      requested += pods.get(i).gpuRequestMilli();
    }
    for (int i = len - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = out[i];
      out[i] = out[j];
      out[j] = t;
    }
    return java.util.Arrays.copyOf(out, len);
  }

  private static int[] grow(int[] a, int len) {
    return len < a.length ? a : java.util.Arrays.copyOf(a, a.length * 2);
  }
}
