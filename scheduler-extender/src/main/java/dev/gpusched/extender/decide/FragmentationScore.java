package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.Placement;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;

/**
 * Fragmentation gradient (after FGD, Weng et al., USENIX ATC '23): prefers the node where placing the pod increases the
 * node's expected unusable GPU least, against the expected mix of demands ({@link WorkloadProfile}).
 *
 * <p>Unusable GPU has two parts. <b>Fragments</b>: for one demand class, the free milli-GPU that class cannot use on the
 * node (all of it when the node cannot host the class, else the free rest of the GPUs too small for it: a partly shared
 * GPU is a fragment for a whole-GPU pod), weighted by the class's probability. <b>Stranded</b> (when the
 * {@link CpuView} knows CPU): free milli-GPU beyond what the node's CPU left can feed at the workload's CPU per GPU
 * ({@link WorkloadProfile#cpuMilliPerGpuMilli()}); this steers CPU-heavy pods, and pods without GPUs, to nodes with CPU
 * to spare. The pod goes onto the GPU(s) {@link GpuChooser} would give it, so the score rates exactly the placement bind
 * makes.
 *
 * <p>score = 50 - (unusable after - unusable before) / {@code milliPerPoint}, clamped to 0..100: 50 means the placement
 * leaves the node's unusable GPU unchanged. Pure (given a pure CPU view) and allocation-free.
 */
public final class FragmentationScore implements ScorePlugin {
  /** Change of unusable GPU, in milli-GPU, worth one score point (the 0..100 range spans +-50 x this). */
  public static final double DEFAULT_MILLI_PER_POINT = 20;

  private static final ThreadLocal<int[]> SCRATCH = ThreadLocal.withInitial(() -> new int[64]);

  private final java.util.function.Supplier<WorkloadProfile> profiles;
  private final CpuView cpu;
  private final double milliPerPoint;

  /** GPU-only: no CPU figures. */
  public FragmentationScore(WorkloadProfile profile) {
    this(profile, CpuView.NONE, DEFAULT_MILLI_PER_POINT);
  }

  public FragmentationScore(WorkloadProfile profile, CpuView cpu) {
    this(profile, cpu, DEFAULT_MILLI_PER_POINT);
  }

  public FragmentationScore(WorkloadProfile profile, CpuView cpu, double milliPerPoint) {
    this(() -> profile, cpu, milliPerPoint);
  }

  /**
   * @param profiles the current workload profile, read once per scored node (the server's learns from the pods it
   *     sees: {@link WorkloadProfileLearner})
   */
  public FragmentationScore(java.util.function.Supplier<WorkloadProfile> profiles, CpuView cpu, double milliPerPoint) {
    if (!(milliPerPoint > 0)) {
      throw new IllegalArgumentException("milliPerPoint must be > 0, got " + milliPerPoint);
    }
    this.profiles = profiles;
    this.cpu = cpu;
    this.milliPerPoint = milliPerPoint;
  }

  @Override
  public String name() {
    return "fragmentation";
  }

  /** The current profile's serial: a new profile changes every node's score. */
  @Override
  public int inputsVersion() {
    return profiles.get().serial();
  }

  @Override
  public int score(PodDemand demand, NodeGpuState node) {
    double delta = increase(demand, node);
    if (Double.isNaN(delta)) {
      return 0;
    }
    long s = Math.round(50 - delta / milliPerPoint);
    int score = (int) Math.max(0, Math.min(100, s));
    return demand.placement() == Placement.SPREAD ? 100 - score : score;
  }

  /**
   * Unusable GPU after the placement minus before, in milli-GPU (negative when the pod fills a fragment); NaN when the
   * node cannot host the pod's GPUs. For a pod without GPUs only the stranded part can change (0 when CPU is unknown).
   */
  public double increase(PodDemand demand, NodeGpuState node) {
    WorkloadProfile profile = profiles.get();
    long taken = 0;
    int sharedGpu = -1;
    if (demand.isShared()) {
      sharedGpu = SharedGpuChoice.best(demand, node);
      if (sharedGpu < 0) {
        return Double.NaN;
      }
    } else if (demand.gpus() > 0) {
      taken = GpuChooser.choose(demand, node);
      if (taken == 0) {
        return Double.NaN;
      }
    }
    Now now = now(profile, node);
    double delta = 0;
    if (!demand.usesNoGpu()) {
      delta = expected(profile, node, taken, sharedGpu, demand.milli()) - now.expected();
    }
    long cpuLeft = cpu.nodeCpuLeftMilli(node);
    long cpuWanted = cpu.podCpuMilli(demand);
    if (cpuLeft >= 0 && cpuWanted >= 0 && profile.cpuMilliPerGpuMilli() > 0) {
      // Free milli-GPU after the placement: only the placement's GPUs change, so no loop over the node's GPUs.
      long freeAfter = now.freeMilli();
      for (long m = taken; m != 0; m &= m - 1) {
        freeAfter -= left(node, Long.numberOfTrailingZeros(m), 0, -1, 0);
      }
      if (sharedGpu >= 0) {
        freeAfter -= left(node, sharedGpu, 0, -1, 0) - left(node, sharedGpu, 0, sharedGpu, demand.milli());
      }
      delta += stranded(profile, freeAfter, cpuLeft - cpuWanted) - stranded(profile, now.freeMilli(), cpuLeft);
    }
    return delta;
  }

  /** The node as it is, memoised on the node per profile (both are immutable). */
  private static Now now(WorkloadProfile profile, NodeGpuState node) {
    if (node.scoreMemo() instanceof Now memo && memo.profile() == profile) {
      return memo;
    }
    Now now = new Now(profile, expected(profile, node, 0, -1, 0), free(node));
    node.scoreMemo(now);
    return now;
  }

  /** A node's expected fragmentation against a profile, and its free milli-GPU, as it is. */
  private record Now(WorkloadProfile profile, double expected, long freeMilli) {}

  /** Free milli-GPU the node's CPU left cannot feed, at the workload's CPU per GPU. */
  private static double stranded(WorkloadProfile profile, long freeMilli, long cpuLeft) {
    double fed = Math.max(0, cpuLeft) / profile.cpuMilliPerGpuMilli();
    return Math.max(0, freeMilli - fed);
  }

  /**
   * Expected fragmented milli-GPU of the node against the profile, imagining {@code taken} GPUs held whole and
   * {@code milli} more on {@code sharedGpu} (pass 0, -1, 0 for the node as it is).
   */
  public double expected(NodeGpuState node, long taken, int sharedGpu, int milli) {
    return expected(profiles.get(), node, taken, sharedGpu, milli);
  }

  private static double expected(WorkloadProfile profile, NodeGpuState node, long taken, int sharedGpu, int milli) {
    int n = node.gpuCount();
    int[] lefts = SCRATCH.get();
    if (lefts.length < n) {
      lefts = new int[n];
      SCRATCH.set(lefts);
    }
    long total = 0;
    for (int g = 0; g < n; g++) {
      int left = left(node, g, taken, sharedGpu, milli);
      total += left;
      // insertion sort, ascending: n is at most 64 and usually 8
      int i = g - 1;
      while (i >= 0 && lefts[i] > left) {
        lefts[i + 1] = lefts[i];
        i--;
      }
      lefts[i + 1] = left;
    }
    // Classes ascend by milli-GPU, so one sweep over the sorted free amounts finds, per class, the GPUs too small for it.
    double sum = 0;
    int p = 0;
    long tooSmall = 0;
    for (int k = 0; k < profile.size(); k++) {
      int want = profile.milli(k);
      while (p < n && lefts[p] < want) {
        tooSmall += lefts[p];
        p++;
      }
      int fit = n - p;
      sum += profile.probability(k) * (fit >= profile.gpus(k) ? tooSmall : total);
    }
    return sum;
  }

  private static long free(NodeGpuState node) {
    long total = 0;
    for (int g = 0; g < node.gpuCount(); g++) {
      total += left(node, g, 0, -1, 0);
    }
    return total;
  }

  /** Free milli-GPU of one GPU: 1000 when free, 1000 - used when shared, 0 when held whole or unusable. */
  private static int left(NodeGpuState node, int g, long taken, int sharedGpu, int milli) {
    long bit = 1L << g;
    if (((node.wholeMask() | node.unusableMask() | taken) & bit) != 0) {
      return 0;
    }
    int used = (node.sharedMask() & bit) != 0 ? node.milliUsed(g) : 0;
    if (g == sharedGpu) {
      used += milli;
    }
    return Math.max(0, 1000 - used);
  }
}
