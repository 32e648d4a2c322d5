package dev.gpusched.bench.sim;

import dev.gpusched.extender.decide.GpuChooser;
import dev.gpusched.extender.decide.SharedGpuChoice;
import dev.gpusched.extender.state.NodeGpuState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FGD as its paper's simulator scores it, CPU included (reference only, not gpusched's): the node whose expected
 * fragmentation grows least. For a demand class (CPU, GPUs, milli-GPU) a node's fragment is all its free GPU when the
 * class lacks CPU or GPUs there, else the free part of GPUs too small for the class. Classes are the trace's GPU pods,
 * by count. Pods without GPUs are scored the same way (their CPU use can strand GPUs).
 */
public final class FgdScore implements NodeScorer {
  private static final ThreadLocal<int[]> SCRATCH = ThreadLocal.withInitial(() -> new int[64]);

  /** Per (gpus, milli) group: class CPU requests ascending and the probability mass of each. */
  private final int[] groupGpus;
  private final int[] groupMilli;
  private final long[][] cpu;
  private final double[][] massAbove; // massAbove[g][i] = P(class in group g with cpu > cpu[g][i-1]); [0] = group total

  public FgdScore(List<TracePod> pods) {
    Map<Long, Map<Long, Integer>> groups = new LinkedHashMap<>();
    int total = 0;
    for (TracePod p : pods) {
      if (p.numGpu() == 0) {
        continue;
      }
      long key = ((long) p.numGpu() << 32) | p.gpuMilli();
      groups.computeIfAbsent(key, k -> new java.util.TreeMap<>()).merge(p.cpuMilli(), 1, Integer::sum);
      total++;
    }
    List<Long> keys = new ArrayList<>(groups.keySet());
    int g = keys.size();
    groupGpus = new int[g];
    groupMilli = new int[g];
    cpu = new long[g][];
    massAbove = new double[g][];
    for (int i = 0; i < g; i++) {
      long key = keys.get(i);
      groupGpus[i] = (int) (key >>> 32);
      groupMilli[i] = (int) key;
      Map<Long, Integer> byCpu = groups.get(key);
      cpu[i] = new long[byCpu.size()];
      massAbove[i] = new double[byCpu.size() + 1];
      int j = 0;
      double[] mass = new double[byCpu.size()];
      for (Map.Entry<Long, Integer> e : byCpu.entrySet()) {
        cpu[i][j] = e.getKey();
        mass[j] = (double) e.getValue() / Math.max(1, total);
        j++;
      }
      double acc = 0;
      for (j = mass.length - 1; j >= 0; j--) {
        acc += mass[j];
        massAbove[i][j] = acc;
      }
    }
  }

  @Override
  public double score(SimPod pod, SimCluster cluster, int node) {
    NodeGpuState s = cluster.gpu(node);
    long cpuLeft = cluster.cpuLeft(node);
    double before = expected(s, cpuLeft, 0, -1, 0);
    long taken = 0;
    int shared = -1;
    if (pod.trace().numGpu() > 0) {
      if (pod.demand().isShared()) {
        shared = SharedGpuChoice.best(pod.demand(), s);
      } else {
        taken = GpuChooser.choose(pod.demand(), s);
      }
    }
    double after = expected(s, cpuLeft - pod.trace().cpuMilli(), taken, shared, pod.demand().milli());
    return before - after;
  }

  double expected(NodeGpuState s, long cpuLeft, long taken, int sharedGpu, int milli) {
    int n = s.gpuCount();
    int[] lefts = SCRATCH.get();
    if (lefts.length < n) {
      lefts = new int[n];
      SCRATCH.set(lefts);
    }
    long total = 0;
    for (int gpu = 0; gpu < n; gpu++) {
      long bit = 1L << gpu;
      int left;
      if (((s.wholeMask() | s.unusableMask() | taken) & bit) != 0) {
        left = 0;
      } else {
        int used = (s.sharedMask() & bit) != 0 ? s.milliUsed(gpu) : 0;
        if (gpu == sharedGpu) {
          used += milli;
        }
        left = Math.max(0, 1000 - used);
      }
      lefts[gpu] = left;
      total += left;
    }
    if (total == 0) {
      return 0;
    }
    double sum = 0;
    for (int g = 0; g < groupGpus.length; g++) {
      int want = groupMilli[g];
      int fit = 0;
      long tooSmall = 0;
      for (int gpu = 0; gpu < n; gpu++) {
        if (lefts[gpu] >= want) {
          fit++;
        } else {
          tooSmall += lefts[gpu];
        }
      }
      // classes of this group whose CPU does not fit: everything is a fragment for them
      int firstAbove = upperBound(cpu[g], cpuLeft);
      double lackCpu = massAbove[g][firstAbove];
      double fitsCpu = massAbove[g][0] - lackCpu;
      sum += lackCpu * total + fitsCpu * (fit >= groupGpus[g] ? tooSmall : total);
    }
    return sum;
  }

  /** Index of the first value > key (values ascending). */
  private static int upperBound(long[] values, long key) {
    int i = Arrays.binarySearch(values, key);
    if (i < 0) {
      return -i - 1;
    }
    while (i < values.length && values[i] <= key) {
      i++;
    }
    return i;
  }
}
