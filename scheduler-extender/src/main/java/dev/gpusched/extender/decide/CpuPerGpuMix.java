package dev.gpusched.extender.decide;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * How much CPU the workload's GPU pods request per milli-GPU: classes of CPU per milli-GPU (each spans a factor of
 * about 1.19), each with its share of the GPU those pods request. {@link FragmentationScore} asks it how much of a
 * node's free GPU the node's CPU left cannot feed ({@link #unfedMilli}): a node whose CPU runs out leaves its GPUs
 * unusable, first for the CPU-hungriest pods.
 *
 * <p>Immutable; part of a {@link WorkloadProfile}, built with it.
 */
public final class CpuPerGpuMix {
  /**
   * Classes per doubling of CPU per milli-GPU: a class spans a factor of 2^(1/4), about 1.19 (openb's pods fall into 22;
   * each is a step of {@link #unfedMilli}). 8 per doubling scored alike in the trace replay with 28 classes; 2 per
   * doubling lost 0.6 points on openb gpuspec20 (README-sim.md).
   */
  static final int CLASSES_PER_OCTAVE = 4;

  /** A workload that requested no CPU: nothing is ever unfed. */
  public static final CpuPerGpuMix NONE = new Builder().build();

  /** Class keys (rounded {@code CLASSES_PER_OCTAVE x log2} of CPU per milli-GPU), CPU-hungriest first. */
  private final int[] keys;
  /** Milli-GPU one milli-CPU feeds, per class, ascending (CPU-hungriest class first). */
  private final double[] gpuPerCpu;
  /** Share of the GPU requested, per class. */
  private final double[] share;
  /**
   * Prefix sums for {@link #cpuLeftUnfeeding}: {@code shareBefore[j]} = sum of share[i], i < j; {@code fedBefore} of
   * share[i] x gpuPerCpu[i].
   */
  private final double[] shareBefore;
  private final double[] fedBefore;

  private CpuPerGpuMix(int[] keys, double[] gpuPerCpu, double[] share) {
    this.keys = keys;
    this.gpuPerCpu = gpuPerCpu;
    this.share = share;
    int n = keys.length;
    shareBefore = new double[n + 1];
    fedBefore = new double[n + 1];
    for (int j = 0; j < n; j++) {
      shareBefore[j + 1] = shareBefore[j] + share[j];
      fedBefore[j + 1] = fedBefore[j] + share[j] * gpuPerCpu[j];
    }
  }

  /** Number of classes; 0 when no GPU pod requested CPU. */
  public int size() {
    return keys.length;
  }

  /** CPU per milli-GPU of class {@code j} (classes are ordered CPU-hungriest first). */
  public double cpuMilliPerGpuMilli(int j) {
    return 1 / gpuPerCpu[j];
  }

  /** Share of the GPU requested by pods of class {@code j}; the shares sum to 1 less the share of pods without CPU. */
  public double share(int j) {
    return share[j];
  }

  /**
   * Free milli-GPU that {@code cpuLeftMilli} cannot feed, expected over the classes: the sum over classes j of
   * {@code share_j x max(0, freeMilli - max(0, cpuLeftMilli) / cpuPerGpu_j)}. A node's free GPU is all usable by pods of
   * a class while its CPU left feeds it at their CPU per GPU; beyond that it is stranded for them.
   *
   * <p>Summed CPU-hungriest class first, stopping at the first class the CPU left feeds (it feeds every class after):
   * exactly 0 when the CPU left feeds even the hungriest class, and never less for less CPU left or more free GPU (each
   * term grows, terms only join), which the flat ranges of CPU requests {@link FragmentationScore} names rely on.
   */
  public double unfedMilli(long freeMilli, long cpuLeftMilli) {
    double cpu = Math.max(0, cpuLeftMilli);
    double sum = 0;
    for (int j = 0; j < gpuPerCpu.length; j++) {
      double unfed = freeMilli - cpu * gpuPerCpu[j];
      if (!(unfed > 0)) {
        break;
      }
      sum += share[j] * unfed;
    }
    return sum;
  }

  /**
   * About the CPU left at which {@link #unfedMilli}{@code (freeMilli, cpu)} is {@code unfed}: the inverse of its
   * piecewise-linear sum, for estimates that are then checked against {@link #unfedMilli} itself. {@code freeMilli}
   * (or more) when {@code unfed} is 0 or less; 0 when it is more than all of {@code freeMilli} is unfed.
   */
  public double cpuLeftUnfeeding(long freeMilli, double unfed) {
    int n = gpuPerCpu.length;
    if (n == 0 || !(unfed > 0)) {
      return n == 0 ? 0 : freeMilli / gpuPerCpu[0];
    }
    // below cpu = freeMilli / gpuPerCpu[j], classes 0..j are unfed: sum = freeMilli x shareBefore[j+1] - cpu x fedBefore[j+1]
    for (int j = 0; j < n; j++) {
      double segmentEnd = j + 1 < n ? freeMilli / gpuPerCpu[j + 1] : 0; // the CPU where class j + 1 joins
      double atEnd = freeMilli * shareBefore[j + 1] - segmentEnd * fedBefore[j + 1];
      if (atEnd >= unfed) {
        return Math.max(0, (freeMilli * shareBefore[j + 1] - unfed) / fedBefore[j + 1]);
      }
    }
    return 0;
  }

  /** True when both have the same classes, each share within {@code tolerance} and each ratio within it relatively. */
  public boolean closeTo(CpuPerGpuMix other, double tolerance) {
    if (!Arrays.equals(keys, other.keys)) {
      return false;
    }
    for (int j = 0; j < keys.length; j++) {
      if (Math.abs(share[j] - other.share[j]) > tolerance
          || Math.abs(gpuPerCpu[j] - other.gpuPerCpu[j]) > tolerance * Math.max(gpuPerCpu[j], other.gpuPerCpu[j])) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("cpu/gpu[");
    for (int j = 0; j < keys.length; j++) {
      sb.append(j == 0 ? "" : ", ").append(String.format(java.util.Locale.ROOT, "%.2f=%.3f", 1 / gpuPerCpu[j], share[j]));
    }
    return sb.append(']').toString();
  }

  /** Accumulates GPU and CPU requested per class of CPU per milli-GPU. */
  static final class Builder {
    /** Per class key: GPU requested, CPU requested (milli, weighted). */
    private final Map<Integer, double[]> byClass = new TreeMap<>();
    private double gpuMilli;

    /** Adds {@code weight} pods each requesting {@code gpuMilli} milli-GPU in all and {@code cpuMilli} milli-CPU. */
    void add(double gpuMilli, long cpuMilli, double weight) {
      this.gpuMilli += weight * gpuMilli;
      if (cpuMilli > 0 && gpuMilli > 0 && weight > 0) {
        int key = (int) Math.round(CLASSES_PER_OCTAVE * Math.log(cpuMilli / gpuMilli) / Math.log(2));
        double[] c = byClass.computeIfAbsent(key, k -> new double[2]);
        c[0] += weight * gpuMilli;
        c[1] += weight * cpuMilli;
      }
    }

    CpuPerGpuMix build() {
      int n = byClass.size();
      int[] keys = new int[n];
      double[] gpuPerCpu = new double[n];
      double[] share = new double[n];
      int j = n - 1; // ascending keys are ascending CPU per GPU: fill from the back, hungriest first
      for (Map.Entry<Integer, double[]> e : byClass.entrySet()) {
        keys[j] = e.getKey();
        gpuPerCpu[j] = e.getValue()[0] / e.getValue()[1];
        share[j] = e.getValue()[0] / gpuMilli;
        j--;
      }
      return new CpuPerGpuMix(keys, gpuPerCpu, share);
    }
  }
}
