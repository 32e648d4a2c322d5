package dev.gpusched.bench.sim;

import dev.gpusched.extender.state.NodeGpuState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * FGD as its authors' simulator scores it (reference only, not gpusched's; hkust-adsl/kubernetes-scheduler-simulator,
 * {@code fgd_score.go} and {@code pkg/utils/frag.go}, re-implemented): the node where the pod lowers the node's
 * fragmentation most, against the trace's "typical pods".
 *
 * <ul>
 *   <li><b>Typical pods</b> ({@link #typicalPods}): the trace's pods grouped by (CPU, milli-GPU per GPU, GPUs, GPU
 *       models), CPU-only pods included; the most frequent groups until they hold 95 % of the pods, each with its share
 *       of those (the authors' run scripts: {@code isInvolvedCpuPods: true}, {@code podPopularityThreshold: 95},
 *       {@code podIncreaseStep: 1}, {@code gpuResWeight: 0}).
 *   <li><b>Fragment</b> of a node ({@link #fragment}): per typical pod, with its frequency, the node's free milli-GPU that
 *       pod cannot use: all of it when the pod needs no GPU, may not use the node's GPU model, or lacks CPU or GPUs
 *       there; else the free part of GPUs too small for it.
 *   <li><b>Score</b>: {@code (long) (100 sigmoid((fragment before - fragment after) / 1000))}, an integer 0..100
 *       ({@link #quantized}); the simulator breaks equal scores at random, as kube-scheduler does. A share is tried on
 *       every GPU with room, and takes the first GPU of the best score; whole GPUs are the lowest-numbered free ones
 *       ({@link #gpus}).
 * </ul>
 */
public final class FgdScore implements NodeScorer {
  /** Typical pods are the most frequent groups that together hold this percentage of the pods. */
  static final int POPULARITY_THRESHOLD_PCT = 95;
  /** kube-scheduler counts a pod without a CPU request as this much ({@code GetNonzeroRequests}). */
  static final long NON_ZERO_CPU_MILLI = 100;

  /** One typical pod: a demand of the trace and its share of the typical pods. */
  record TypicalPod(long cpuMilli, int gpuMilli, int gpus, List<String> models, double frequency) {}

  private static final ThreadLocal<int[]> SCRATCH = ThreadLocal.withInitial(() -> new int[64]);
  private static final ThreadLocal<int[]> SCRATCH_SORTED = ThreadLocal.withInitial(() -> new int[64]);

  /** Typical pods, ascending by milli-GPU per GPU (so one sweep over sorted free amounts serves all). */
  private final long[] cpu;
  private final int[] milli;
  private final int[] gpus;
  private final double[] frequency;
  private final List<List<String>> models;
  /** Per GPU product (by {@link NodeGpuState#productNumber}): which typical pods may use it. */
  private final Map<Integer, boolean[]> accessByProduct = new java.util.concurrent.ConcurrentHashMap<>();

  public FgdScore(List<TracePod> pods) {
    List<TypicalPod> typical = new ArrayList<>(typicalPods(pods));
    typical.sort((a, b) -> Integer.compare(a.gpuMilli(), b.gpuMilli()));
    int n = typical.size();
    cpu = new long[n];
    milli = new int[n];
    gpus = new int[n];
    frequency = new double[n];
    models = new ArrayList<>(n);
    for (int k = 0; k < n; k++) {
      TypicalPod t = typical.get(k);
      cpu[k] = t.cpuMilli();
      milli[k] = t.gpuMilli();
      gpus[k] = t.gpus();
      frequency[k] = t.frequency();
      models.add(t.models());
    }
  }

  /**
   * The authors' {@code GetTypicalPods}: group the pods by demand, most frequent first (equal counts: the larger demand
   * first, by CPU, milli-GPU, GPUs, then models), take groups until they hold at least 95 % of the pods, and give each
   * its count over the pods taken.
   */
  static List<TypicalPod> typicalPods(List<TracePod> pods) {
    Map<TypicalPod, Integer> counts = new HashMap<>();
    for (TracePod p : pods) {
      counts.merge(new TypicalPod(nonZeroCpu(p.cpuMilli()), p.gpuMilli(), p.numGpu(), p.allowedModels(), 0), 1,
          Integer::sum);
    }
    List<Map.Entry<TypicalPod, Integer>> byCount = new ArrayList<>(counts.entrySet());
    byCount.sort((a, b) -> {
      int c = Integer.compare(b.getValue(), a.getValue());
      return c != 0 ? c : compareDemand(b.getKey(), a.getKey());
    });
    double wanted = POPULARITY_THRESHOLD_PCT * (double) pods.size() / 100.0;
    long taken = 0;
    int i = 0;
    while (taken < wanted && i < byCount.size()) {
      taken += byCount.get(i).getValue();
      i++;
    }
    List<TypicalPod> out = new ArrayList<>(i);
    for (int j = 0; j < i; j++) {
      TypicalPod t = byCount.get(j).getKey();
      out.add(new TypicalPod(t.cpuMilli(), t.gpuMilli(), t.gpus(), t.models(),
          byCount.get(j).getValue() / (double) taken));
    }
    return out;
  }

  /** The authors' {@code PodResource.Less}: CPU, then milli-GPU, then GPUs, then the models as written. */
  private static int compareDemand(TypicalPod a, TypicalPod b) {
    int c = Long.compare(a.cpuMilli(), b.cpuMilli());
    if (c == 0) {
      c = Integer.compare(a.gpuMilli(), b.gpuMilli());
    }
    if (c == 0) {
      c = Integer.compare(a.gpus(), b.gpus());
    }
    return c != 0 ? c : String.join("|", a.models()).compareTo(String.join("|", b.models()));
  }

  static long nonZeroCpu(long cpuMilli) {
    return cpuMilli == 0 ? NON_ZERO_CPU_MILLI : cpuMilli;
  }

  @Override
  public double score(SimPod pod, SimCluster cluster, int node) {
    return best(pod, cluster, node) >> 8;
  }

  /** FGD's GPUs for the pod: the share's GPU of the best score, or the lowest-numbered free whole GPUs. */
  @Override
  public long gpus(SimPod pod, SimCluster cluster, int node) {
    TracePod t = pod.trace();
    if (t.numGpu() == 0) {
      return 0;
    }
    if (t.isShared()) {
      int g = (int) (best(pod, cluster, node) & 0xFF) - 1;
      return g < 0 ? 0 : 1L << g;
    }
    return lowestFree(cluster.gpu(node), t.numGpu());
  }

  /** The score (bits 8 and up) and, for a share, 1 + the GPU it takes (bits 0-7, 0 when none has room). */
  private long best(SimPod pod, SimCluster cluster, int node) {
    NodeGpuState s = cluster.gpu(node);
    TracePod t = pod.trace();
    int n = s.gpuCount();
    int[] left = scratch(n);
    for (int g = 0; g < n; g++) {
      left[g] = s.leftMilli(g);
    }
    boolean[] access = access(s);
    long cpuLeft = cluster.cpuLeft(node);
    long cpuAfter = cpuLeft - nonZeroCpu(t.cpuMilli());
    double before = fragment(left, n, cpuLeft, access);
    if (t.isShared()) {
      long best = -1;
      int bestGpu = -1;
      for (int g = 0; g < n; g++) {
        if (left[g] < t.gpuMilli()) {
          continue;
        }
        left[g] -= t.gpuMilli();
        long score = quantized(before, fragment(left, n, cpuAfter, access));
        left[g] += t.gpuMilli();
        if (bestGpu < 0 || score > best) {
          best = score;
          bestGpu = g;
        }
      }
      return bestGpu < 0 ? 0 : best << 8 | (bestGpu + 1);
    }
    for (long m = lowestFree(s, t.numGpu()); m != 0; m &= m - 1) {
      left[Long.numberOfTrailingZeros(m)] = 0;
    }
    return quantized(before, fragment(left, n, cpuAfter, access)) << 8;
  }

  /** {@code (long) (100 sigmoid((before - after) / 1000))}: FGD's 0..100 score of a fragment change in milli-GPU. */
  static long quantized(double before, double after) {
    return (long) (100 / (1 + Math.exp(-(before - after) / 1000)));
  }

  /**
   * The node's fragment against the typical pods, from its GPUs' free milli-GPU ({@code left[0..n)}, any order) and its
   * CPU left; {@code access[k]}: typical pod k may use the node's GPU model.
   */
  double fragment(int[] left, int n, long cpuLeft, boolean[] access) {
    int[] sorted = SCRATCH_SORTED.get();
    long total = 0;
    for (int g = 0; g < n; g++) {
      int v = left[g];
      total += v;
      int i = g - 1;
      while (i >= 0 && sorted[i] > v) {
        sorted[i + 1] = sorted[i];
        i--;
      }
      sorted[i + 1] = v;
    }
    double sum = 0;
    int p = 0;
    long tooSmall = 0;
    for (int k = 0; k < milli.length; k++) {
      int want = milli[k];
      while (p < n && sorted[p] < want) {
        tooSmall += sorted[p];
        p++;
      }
      boolean usable = want > 0 && access[k] && n - p >= gpus[k] && cpuLeft >= cpu[k];
      sum += frequency[k] * (usable ? tooSmall : total);
    }
    return sum;
  }

  /** Which typical pods may use the node's GPU model: those without models, or naming it exactly (FGD's rule). */
  private boolean[] access(NodeGpuState s) {
    int number = s.productNumber();
    if (number < 0) {
      return accessOf(s.productLowerCase());
    }
    return accessByProduct.computeIfAbsent(number, k -> accessOf(s.productLowerCase()));
  }

  private boolean[] accessOf(String product) {
    boolean[] out = new boolean[milli.length];
    for (int k = 0; k < out.length; k++) {
      List<String> allowed = models.get(k);
      out[k] = allowed.isEmpty() || !product.isEmpty() && allowed.stream().anyMatch(m -> Objects.equals(m, product));
    }
    return out;
  }

  private static long lowestFree(NodeGpuState s, int k) {
    long mask = 0;
    for (int g = 0; g < s.gpuCount() && Long.bitCount(mask) < k; g++) {
      if (s.leftMilli(g) == 1000) {
        mask |= 1L << g;
      }
    }
    return mask;
  }

  private static int[] scratch(int n) {
    int[] a = SCRATCH.get();
    if (a.length < n) {
      a = new int[n];
      SCRATCH.set(a);
    }
    return a;
  }
}
