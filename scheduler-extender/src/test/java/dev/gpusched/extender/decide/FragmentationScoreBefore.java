package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.Placement;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;

/**
 * {@link FragmentationScore} as it was before its per-node sorted amounts and memoised placements (commit 2f2db40): the
 * reference that {@code FragmentationScoreSameAsBeforeTest} holds the faster one to, bit for bit. Test code only. It
 * follows the score's rules since: a node's fragments count only the classes that may use its GPU model
 * ({@link WorkloadProfile#onProduct}), and stranded GPU is {@link CpuPerGpuMix#unfedMilli}, and the flat ranges of CPU requests are where the score
 * is that of a request of 0 or of all the CPU left (found here by plain bisection).
 *
 * <p>The original's description follows.
 *
 * <p>Fragmentation gradient (after FGD, Weng et al., USENIX ATC '23): prefers the node where placing the pod increases the
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
 *
 * <p>Only the stranded part reads the pod's CPU request, so it is a {@link CpuSplitScore}: the pipeline keeps the rest
 * per node state and GPU demand and finishes it per CPU request (see {@link #gpuPart}).
 */
final class FragmentationScoreBefore implements CpuSplitScore {
  /** Change of unusable GPU, in milli-GPU, worth one score point (the 0..100 range spans +-50 x this). */
  public static final double DEFAULT_MILLI_PER_POINT = 20;

  private static final ThreadLocal<int[]> SCRATCH = ThreadLocal.withInitial(() -> new int[64]);

  private final java.util.function.Supplier<WorkloadProfile> profiles;
  private final CpuView cpu;
  private final double milliPerPoint;

  /** GPU-only: no CPU figures. */
  FragmentationScoreBefore(WorkloadProfile profile) {
    this(profile, CpuView.NONE, DEFAULT_MILLI_PER_POINT);
  }

  FragmentationScoreBefore(WorkloadProfile profile, CpuView cpu) {
    this(profile, cpu, DEFAULT_MILLI_PER_POINT);
  }

  FragmentationScoreBefore(WorkloadProfile profile, CpuView cpu, double milliPerPoint) {
    this(() -> profile, cpu, milliPerPoint);
  }

  /**
   * @param profiles the current workload profile, read once per scored node (the server's learns from the pods it
   *     sees: {@link WorkloadProfileLearner})
   */
  FragmentationScoreBefore(java.util.function.Supplier<WorkloadProfile> profiles, CpuView cpu, double milliPerPoint) {
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
    return toScore(demand, increase(demand, node));
  }

  /** The score of an {@link #increase}: 0 for NaN, else {@code 50 - increase / milliPerPoint} clamped (spread: mirrored). */
  private int toScore(PodDemand demand, double delta) {
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
    return withStranded(profile, delta, now.freeMilli(), freeAfter(node, now.freeMilli(), taken, sharedGpu, demand.milli()),
        cpu.nodeCpuLeftMilli(node), cpu.podCpuMilli(demand));
  }

  /** Bits of a free milli-GPU figure in {@link #gpuPart}'s second long (a node has at most 64 GPUs, 64,000 milli). */
  private static final int FREE_BITS = 17;
  private static final long FREE_MASK = (1L << FREE_BITS) - 1;
  /** The node's CPU left takes the second long's top 30 bits, signed; this value says it did not fit. */
  private static final long CPU_LEFT_UNPACKED = -(1L << 29);

  /**
   * First long: the fragment part of {@link #increase} (NaN when the node cannot host the pod). Second: free milli-GPU
   * before (bits 0-16) and after the placement (17-33) and the node's CPU left (34-63, signed), or
   * {@link #CPU_LEFT_UNPACKED} there when a figure does not fit (then {@link #withCpu} computes the score afresh). The
   * ranges: when the stranded term does not apply (CPU unknown, the node's CPU overbooked) every key scores the same;
   * else keys from 0 up to where the node's CPU left after the pod still feeds all free GPU (no GPU stranded after), and
   * keys from the node's CPU left up (the pod takes all of it, so all free GPU after is stranded).
   */
  @Override
  public void gpuPart(PodDemand demand, NodeGpuState node, long[] out, int at) {
    WorkloadProfile profile = profiles.get();
    long taken = 0;
    int sharedGpu = -1;
    if (demand.isShared()) {
      sharedGpu = SharedGpuChoice.best(demand, node);
      if (sharedGpu < 0) {
        cannotHost(out, at);
        return;
      }
    } else if (demand.gpus() > 0) {
      taken = GpuChooser.choose(demand, node);
      if (taken == 0) {
        cannotHost(out, at);
        return;
      }
    }
    Now now = now(profile, node);
    double delta = 0;
    if (!demand.usesNoGpu()) {
      delta = expected(profile, node, taken, sharedGpu, demand.milli()) - now.expected();
    }
    long freeNow = now.freeMilli();
    long freeAfter = freeAfter(node, freeNow, taken, sharedGpu, demand.milli());
    long cpuLeft = cpu.nodeCpuLeftMilli(node);
    out[at] = Double.doubleToRawLongBits(delta);
    if ((freeNow & ~FREE_MASK) != 0 || (freeAfter & ~FREE_MASK) != 0 || cpuLeft <= CPU_LEFT_UNPACKED
        || cpuLeft >= -CPU_LEFT_UNPACKED) {
      out[at + 1] = CPU_LEFT_UNPACKED << (2 * FREE_BITS);
      out[at + 2] = CpuSplitScore.lowRange(1, 0);
      out[at + 3] = CpuSplitScore.scores(0, 0, NO_HIGH);
      return;
    }
    out[at + 1] = freeNow | freeAfter << FREE_BITS | cpuLeft << (2 * FREE_BITS);
    CpuPerGpuMix mix = profile.cpuPerGpu();
    if (cpuLeft < 0 || mix.size() == 0) {
      out[at + 2] = CpuSplitScore.lowRange(Integer.MIN_VALUE, Integer.MAX_VALUE);
      out[at + 3] = CpuSplitScore.scores(0, toScore(demand, delta), NO_HIGH);
      return;
    }
    int lowScore = toScore(demand, withStranded(profile, delta, freeNow, freeAfter, cpuLeft, 0));
    int highScore = toScore(demand, withStranded(profile, delta, freeNow, freeAfter, cpuLeft, cpuLeft));
    if (lowScore == highScore) {
      out[at + 2] = CpuSplitScore.lowRange(0, Integer.MAX_VALUE);
      out[at + 3] = CpuSplitScore.scores(0, lowScore, NO_HIGH);
      return;
    }
    // by bisection over the requests 0 .. cpuLeft: the last scoring as 0, the first scoring as cpuLeft
    long lo = 0;
    long hi = cpuLeft;
    while (hi - lo > 1) {
      long mid = (lo + hi) >>> 1;
      if (toScore(demand, withStranded(profile, delta, freeNow, freeAfter, cpuLeft, mid)) == lowScore) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    int lowTo = (int) lo;
    hi = cpuLeft;
    while (hi - lo > 1) {
      long mid = (lo + hi) >>> 1;
      if (toScore(demand, withStranded(profile, delta, freeNow, freeAfter, cpuLeft, mid)) == highScore) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    out[at + 2] = CpuSplitScore.lowRange(0, lowTo);
    out[at + 3] = CpuSplitScore.scores(hi, lowScore, highScore);
  }

  private static void cannotHost(long[] out, int at) {
    out[at] = Double.doubleToRawLongBits(Double.NaN);
    out[at + 1] = 0;
    out[at + 2] = CpuSplitScore.lowRange(Integer.MIN_VALUE, Integer.MAX_VALUE);
    out[at + 3] = CpuSplitScore.scores(0, 0, NO_HIGH);
  }

  @Override
  public long cpuKey(PodDemand demand) {
    return cpu.podCpuMilli(demand);
  }

  @Override
  public int withCpu(PodDemand demand, NodeGpuState node, long cpuKey, long first, long second) {
    long cpuLeft = second >> (2 * FREE_BITS);
    if (cpuLeft == CPU_LEFT_UNPACKED) {
      return score(demand, node);
    }
    double delta = Double.longBitsToDouble(first);
    if (Double.isNaN(delta)) {
      return 0;
    }
    return toScore(demand, withStranded(profiles.get(), delta, second & FREE_MASK, (second >>> FREE_BITS) & FREE_MASK,
        cpuLeft, cpuKey));
  }

  /** The fragment part of the increase plus the change of stranded GPU, when CPU is known on both sides. */
  private static double withStranded(WorkloadProfile profile, double delta, long freeNow, long freeAfter, long cpuLeft,
      long cpuWanted) {
    CpuPerGpuMix mix = profile.cpuPerGpu();
    if (cpuLeft >= 0 && cpuWanted >= 0 && mix.size() > 0) {
      delta += mix.unfedMilli(freeAfter, cpuLeft - cpuWanted) - mix.unfedMilli(freeNow, cpuLeft);
    }
    return delta;
  }

  /** Free milli-GPU after the placement: only the placement's GPUs change, so no loop over the node's GPUs. */
  private static long freeAfter(NodeGpuState node, long freeNow, long taken, int sharedGpu, int milli) {
    long freeAfter = freeNow;
    for (long m = taken; m != 0; m &= m - 1) {
      freeAfter -= left(node, Long.numberOfTrailingZeros(m), 0, -1, 0);
    }
    if (sharedGpu >= 0) {
      freeAfter -= left(node, sharedGpu, 0, -1, 0) - left(node, sharedGpu, 0, sharedGpu, milli);
    }
    return freeAfter;
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

  /**
   * Expected fragmented milli-GPU of the node against the profile, imagining {@code taken} GPUs held whole and
   * {@code milli} more on {@code sharedGpu} (pass 0, -1, 0 for the node as it is).
   */
  public double expected(NodeGpuState node, long taken, int sharedGpu, int milli) {
    return expected(profiles.get(), node, taken, sharedGpu, milli);
  }

  private static double expected(WorkloadProfile profile, NodeGpuState node, long taken, int sharedGpu, int milli) {
    profile = profile.onProduct(node.productLowerCase()); // the classes that may use the node's GPU model
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
