package dev.gpusched.extender.decide;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The expected mix of GPU demands: each distinct demand (whole GPUs, or a share of one GPU in milli-GPU) with the
 * probability that the next pod asks for it. {@link FragmentationScore} measures fragmentation against this mix.
 *
 * <p>Immutable; built from observed counts with {@link Builder}. Classes are ordered by milli-GPU, then GPU count.
 * Pods without GPUs are not part of it.
 */
public final class WorkloadProfile {
  private final int[] gpus;
  private final int[] milli;
  private final double[] probability;
  private final double cpuMilliPerGpuMilli;
  private final int serial = SERIALS.incrementAndGet();

  private static final java.util.concurrent.atomic.AtomicInteger SERIALS = new java.util.concurrent.atomic.AtomicInteger();

  private WorkloadProfile(int[] gpus, int[] milli, double[] probability, double cpuMilliPerGpuMilli) {
    this.gpus = gpus;
    this.milli = milli;
    this.probability = probability;
    this.cpuMilliPerGpuMilli = cpuMilliPerGpuMilli;
  }

  /**
   * CPU the GPU pods request per milli-GPU (their total CPU over their total GPU), or 0 when no CPU was observed: how
   * much CPU a node must keep for its free GPUs to stay usable.
   */
  public double cpuMilliPerGpuMilli() {
    return cpuMilliPerGpuMilli;
  }

  /** Creation number of this profile, distinct for every profile built: memo keys tell profiles apart by it. */
  public int serial() {
    return serial;
  }

  /**
   * True when {@code other} has the same demand classes, each probability within {@code tolerance} of this one's, and
   * CPU per GPU within the same relative tolerance: scores against either differ by a fraction of a point.
   */
  public boolean closeTo(WorkloadProfile other, double tolerance) {
    if (other.size() != size()) {
      return false;
    }
    for (int k = 0; k < size(); k++) {
      if (other.gpus[k] != gpus[k] || other.milli[k] != milli[k]
          || Math.abs(other.probability[k] - probability[k]) > tolerance) {
        return false;
      }
    }
    double cpu = Math.max(cpuMilliPerGpuMilli, other.cpuMilliPerGpuMilli);
    return Math.abs(other.cpuMilliPerGpuMilli - cpuMilliPerGpuMilli) <= tolerance * cpu;
  }

  /** A profile of the given demand classes, each with its weight (count); weights are normalized to sum to 1. */
  public static Builder builder() {
    return new Builder();
  }

  /** Number of distinct demand classes. */
  public int size() {
    return gpus.length;
  }

  /** Whole GPUs of class {@code k}; 1 for a share. */
  public int gpus(int k) {
    return gpus[k];
  }

  /** Milli-GPU per GPU of class {@code k}: 1000 for whole GPUs, less for a share. */
  public int milli(int k) {
    return milli[k];
  }

  public double probability(int k) {
    return probability[k];
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("WorkloadProfile[");
    for (int k = 0; k < gpus.length; k++) {
      if (k > 0) {
        sb.append(", ");
      }
      sb.append(milli[k] < 1000 ? milli[k] + "m" : gpus[k] + "x").append('=')
          .append(String.format(java.util.Locale.ROOT, "%.4f", probability[k]));
    }
    return sb.append(String.format(java.util.Locale.ROOT, "; cpu/gpu=%.3f]", cpuMilliPerGpuMilli)).toString();
  }

  /** Accumulates counts per demand class, in first-seen order. */
  public static final class Builder {
    private final Map<Long, double[]> counts = new LinkedHashMap<>();
    private double cpuMilli;
    private double gpuMilliWithCpu;

    /**
     * Adds {@code weight} observations of a demand whose pods each request {@code cpuMilli} milli-CPU, so the profile
     * also learns the CPU the workload needs per GPU.
     */
    public Builder add(int gpus, int milli, long cpuMilli, double weight) {
      add(gpus, milli, weight);
      if (cpuMilli < 0) {
        throw new IllegalArgumentException("cpuMilli must be >= 0, got " + cpuMilli);
      }
      this.cpuMilli += weight * cpuMilli;
      this.gpuMilliWithCpu += weight * gpus * (double) milli;
      return this;
    }

    /**
     * Adds {@code weight} observations of a demand.
     *
     * @param gpus whole GPUs (when {@code milli} is 1000) or 1 for a share
     * @param milli 1..1000 milli-GPU per GPU
     */
    public Builder add(int gpus, int milli, double weight) {
      if (gpus < 1 || milli < 1 || milli > 1000 || (milli < 1000 && gpus != 1)) {
        throw new IllegalArgumentException("a demand class is n whole GPUs (milli 1000) or a share of one GPU (gpus 1,"
            + " milli 1..999); got gpus=" + gpus + " milli=" + milli);
      }
      if (!(weight >= 0)) {
        throw new IllegalArgumentException("weight must be >= 0, got " + weight);
      }
      counts.computeIfAbsent(((long) gpus << 32) | milli, k -> new double[1])[0] += weight;
      return this;
    }

    /** The profile; must hold at least one class with positive weight. */
    public WorkloadProfile build() {
      double total = 0;
      for (double[] c : counts.values()) {
        total += c[0];
      }
      if (total <= 0) {
        throw new IllegalStateException("a workload profile needs at least one GPU demand with positive weight");
      }
      List<Long> keys = new ArrayList<>();
      for (Map.Entry<Long, double[]> e : counts.entrySet()) {
        if (e.getValue()[0] > 0) {
          keys.add(e.getKey());
        }
      }
      // Ascending milli-GPU, then GPU count: FragmentationScore sweeps the classes against sorted free amounts.
      keys.sort((a, b) -> {
        int byMilli = Integer.compare((int) (long) a, (int) (long) b);
        return byMilli != 0 ? byMilli : Long.compare(a >>> 32, b >>> 32);
      });
      int[] g = new int[keys.size()];
      int[] m = new int[keys.size()];
      double[] p = new double[keys.size()];
      for (int k = 0; k < keys.size(); k++) {
        long key = keys.get(k);
        g[k] = (int) (key >>> 32);
        m[k] = (int) key;
        p[k] = counts.get(key)[0] / total;
      }
      return new WorkloadProfile(g, m, p, gpuMilliWithCpu > 0 ? cpuMilli / gpuMilliWithCpu : 0);
    }
  }
}
