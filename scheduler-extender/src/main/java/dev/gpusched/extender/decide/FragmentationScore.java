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
 * GPU is a fragment for a whole-GPU pod), weighted by the class's probability among the pods that may use the node's
 * GPU model ({@code gpusched.dev/gpu-model}; {@link WorkloadProfile#onProduct}): a node's fragments matter only to
 * pods that can run there. <b>Stranded</b> (when the {@link CpuView} knows CPU): free milli-GPU the node's CPU left
 * cannot feed, expected over the workload's CPU per GPU ({@link CpuPerGpuMix#unfedMilli}: per class of CPU per GPU,
 * the free milli-GPU beyond what the CPU left feeds at that ratio, weighted by the class's share of the GPU requested);
 * this steers CPU-heavy pods, and pods without GPUs, to nodes with CPU to spare, and keeps CPU where CPU-hungry pods
 * would need it. The pod goes onto the GPU(s) {@link GpuChooser} would give it, so the score rates exactly the
 * placement bind makes.
 *
 * <p>score = 50 - (unusable after - unusable before) / {@code milliPerPoint}, clamped to 0..100: 50 means the placement
 * leaves the node's unusable GPU unchanged. Pure (given a pure CPU view) and allocation-free.
 *
 * <p>Only the stranded part reads the pod's CPU request, so it is a {@link CpuSplitScore}: the pipeline keeps the rest
 * per node state and GPU demand and finishes it per CPU request (see {@link #gpuPart}).
 */
public final class FragmentationScore implements CpuSplitScore {
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
    return toScore(demand, increase(demand, node));
  }

  /** The score of an {@link #increase}: 0 for NaN, else {@code 50 - increase / milliPerPoint} clamped (spread: mirrored). */
  private int toScore(PodDemand demand, double delta) {
    return toScore(demand.placement(), delta);
  }

  private int toScore(Placement placement, double delta) {
    if (Double.isNaN(delta)) {
      return 0;
    }
    long s = Math.round(50 - delta / milliPerPoint);
    int score = (int) Math.max(0, Math.min(100, s));
    return placement == Placement.SPREAD ? 100 - score : score;
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
      delta = now.expectedAfter(node, taken, sharedGpu, demand.milli()) - now.expected();
    }
    long cpuLeft = cpu.nodeCpuLeftMilli(node);
    return withStranded(profile, delta, freeAfter(node, now.freeMilli(), taken, sharedGpu, demand.milli()), cpuLeft,
        cpu.podCpuMilli(demand), strandedNow(profile, node, now.freeMilli(), cpuLeft));
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
    long taken = 0;
    int sharedGpu = -1;
    if (demand.isShared()) {
      sharedGpu = SharedGpuChoice.best(demand, node);
    } else if (demand.gpus() > 0) {
      taken = GpuChooser.choose(demand, node);
    }
    gpuPart(demand, node, taken, sharedGpu, true, out, at);
  }

  /**
   * {@link #gpuPart} for the placement the caller already chose as {@link GpuChooser} does ({@code taken} whole GPUs, or
   * the share's {@code sharedGpu}, else -1): a caller that looked the set up for its own checks (the pipeline's
   * {@link FusedStandardPlugins}) does not look it up again. Without {@code ranges} the part may leave its ranges empty
   * (where computing them costs more than a memo read): enough for a caller that finishes one CPU key with
   * {@link #withCpu} and keeps nothing.
   */
  void gpuPart(PodDemand demand, NodeGpuState node, long taken, int sharedGpu, boolean ranges, long[] out, int at) {
    if (demand.isShared() ? sharedGpu < 0 : demand.gpus() > 0 && taken == 0) {
      cannotHost(out, at);
      return;
    }
    WorkloadProfile profile = profiles.get();
    Now now = now(profile, node);
    if (sharedGpu < 0 && demand.gpus() > 0 && demand.placement() != Placement.SPREAD && now.owner == this
        && (taken & ~node.freeWholeMaskIgnoringReservations()) == 0) {
      System.arraycopy(now.wholeParts, CpuSplitScore.PART_LONGS * Long.bitCount(taken), out, at,
          CpuSplitScore.PART_LONGS);
      return;
    }
    long freeNow = now.freeMilli();
    if (sharedGpu >= 0 && now.owner == this && now.tallies != null) {
      // a share: the GPU's free milli-GPU before and after, once, for the fragments and the free total after
      int before = left(node, sharedGpu, 0, -1, 0);
      int after = left(node, sharedGpu, 0, sharedGpu, demand.milli());
      part(profile, demand.placement(), now.shared(before, after) - now.expected(), freeNow, freeNow - (before - after),
          now.cpuLeft, now.strandedNow, ranges, out, at);
      return;
    }
    double delta = 0;
    if (!demand.usesNoGpu()) {
      delta = now.expectedAfter(node, taken, sharedGpu, demand.milli()) - now.expected();
    }
    long freeAfter = freeAfter(node, freeNow, taken, sharedGpu, demand.milli());
    long cpuLeft = cpu.nodeCpuLeftMilli(node);
    part(profile, demand.placement(), delta, freeNow, freeAfter, cpuLeft,
        profile.cpuPerGpu().unfedMilli(freeNow, cpuLeft), ranges, out, at);
  }

  /**
   * The GPU part from the fragment part of the increase ({@code delta}) and the free milli-GPU before and after the
   * placement: the packed figures, the two flat ranges of CPU keys and their scores. {@code strandedNow} must be
   * {@code profile.cpuPerGpu().unfedMilli(freeNow, cpuLeft)} (the node's own figure: callers may keep it per node), read
   * only where the CPU left is known and the profile has CPU classes.
   */
  private void part(WorkloadProfile profile, Placement placement, double delta, long freeNow, long freeAfter,
      long cpuLeft, double strandedNow, boolean ranges, long[] out, int at) {
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
      out[at + 3] = CpuSplitScore.scores(0, toScore(placement, delta), NO_HIGH);
      return;
    }
    if (!ranges) { // both ranges empty: withCpu finishes the one key wanted
      out[at + 2] = CpuSplitScore.lowRange(1, 0);
      out[at + 3] = CpuSplitScore.scores(0, 0, NO_HIGH);
      return;
    }
    // Scores of a request of 0 and of all the CPU left or more (unfedMilli of no CPU is the same for all of those), as
    // withStranded computes them; the score moves monotonically between (unfedMilli grows as the CPU left falls).
    int lowScore = keyScore(mix, placement, delta, freeAfter, cpuLeft, strandedNow, 0);
    int highScore = keyScore(mix, placement, delta, freeAfter, cpuLeft, strandedNow, cpuLeft);
    if (lowScore == highScore) {
      out[at + 2] = CpuSplitScore.lowRange(0, Integer.MAX_VALUE);
      out[at + 3] = CpuSplitScore.scores(0, lowScore, NO_HIGH);
      return;
    }
    // The requests scoring as one of 0 end, and those scoring as one of all the CPU left begin, where the stranded GPU
    // crosses the score's rounding steps: 50 - increase / milliPerPoint falls below the (unmirrored) score - 0.5, resp.
    // + 0.5. Estimated there, then settled by scoring the keys either side.
    int innerLow = placement == Placement.SPREAD ? 100 - lowScore : lowScore;
    int innerHigh = placement == Placement.SPREAD ? 100 - highScore : highScore;
    long lowGuess = cpuLeft
        - (long) Math.ceil(mix.cpuLeftUnfeeding(freeAfter, (50.5 - innerLow) * milliPerPoint - delta + strandedNow));
    long highGuess = cpuLeft
        - (long) Math.floor(mix.cpuLeftUnfeeding(freeAfter, (49.5 - innerHigh) * milliPerPoint - delta + strandedNow));
    long lowTo = lastKey(mix, placement, delta, freeAfter, cpuLeft, strandedNow, lowScore, true, 0, cpuLeft, lowGuess);
    long highFrom = 1 + lastKey(mix, placement, delta, freeAfter, cpuLeft, strandedNow, highScore, false, lowTo, cpuLeft,
        highGuess - 1);
    out[at + 2] = CpuSplitScore.lowRange(0, (int) lowTo);
    out[at + 3] = CpuSplitScore.scores(highFrom, lowScore, highScore);
  }

  /** The score of a pod of {@code cpuWanted} (0 .. any) from the GPU part's figures: what {@link #withCpu} gives. */
  private int keyScore(CpuPerGpuMix mix, Placement placement, double delta, long freeAfter, long cpuLeft,
      double strandedNow, long cpuWanted) {
    return toScore(placement, delta + (mix.unfedMilli(freeAfter, cpuLeft - cpuWanted) - strandedNow));
  }

  /**
   * The largest request {@code c} in [lo, hi) whose {@link #keyScore} is {@code score} ({@code same}) or is not
   * ({@code !same}), given that {@code lo} is such a request and {@code hi} is not (the score is monotone in the
   * request): the guess and its neighbour settle it when the guess is right or one off, else bisection.
   */
  private long lastKey(CpuPerGpuMix mix, Placement placement, double delta, long freeAfter, long cpuLeft,
      double strandedNow, int score, boolean same, long lo, long hi, long guess) {
    if (guess > lo && guess < hi) {
      if ((keyScore(mix, placement, delta, freeAfter, cpuLeft, strandedNow, guess) == score) == same) {
        lo = guess;
        if ((keyScore(mix, placement, delta, freeAfter, cpuLeft, strandedNow, guess + 1) == score) != same) {
          hi = guess + 1;
        }
      } else {
        hi = guess;
        if ((keyScore(mix, placement, delta, freeAfter, cpuLeft, strandedNow, guess - 1) == score) == same) {
          lo = guess - 1;
        }
      }
    }
    while (hi - lo > 1) {
      long mid = (lo + hi) >>> 1;
      if ((keyScore(mix, placement, delta, freeAfter, cpuLeft, strandedNow, mid) == score) == same) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return lo;
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
    WorkloadProfile profile = profiles.get();
    long freeNow = second & FREE_MASK;
    return toScore(demand, withStranded(profile, delta, (second >>> FREE_BITS) & FREE_MASK, cpuLeft, cpuKey,
        strandedNow(profile, node, freeNow, cpuLeft)));
  }

  /**
   * The fragment part of the increase plus the change of stranded GPU, when CPU is known on both sides;
   * {@code strandedNow} is {@link #strandedNow}.
   */
  private static double withStranded(WorkloadProfile profile, double delta, long freeAfter, long cpuLeft,
      long cpuWanted, double strandedNow) {
    CpuPerGpuMix mix = profile.cpuPerGpu();
    if (cpuLeft >= 0 && cpuWanted >= 0 && mix.size() > 0) {
      delta += mix.unfedMilli(freeAfter, cpuLeft - cpuWanted) - strandedNow;
    }
    return delta;
  }

  /**
   * The node's stranded GPU as it is ({@link CpuPerGpuMix#unfedMilli} of its free GPU and CPU left): read from its memo
   * when the memo was made for the same profile and figures (the same doubles), else computed; 0 where the stranded term
   * does not apply.
   */
  private static double strandedNow(WorkloadProfile profile, NodeGpuState node, long freeNow, long cpuLeft) {
    if (cpuLeft < 0 || profile.cpuPerGpu().size() == 0) {
      return 0;
    }
    if (node.scoreMemo() instanceof Now now && now.profile == profile && now.cpuLeft == cpuLeft
        && now.freeMilli == freeNow) {
      return now.strandedNow;
    }
    return profile.cpuPerGpu().unfedMilli(freeNow, cpuLeft);
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

  /**
   * The node as it is, memoised on the node per profile (both are immutable); one this score made also holds its parts
   * for whole-GPU placements ({@link Now#wholeParts}). A memo another instance made for the profile serves as it is.
   */
  private Now now(WorkloadProfile profile, NodeGpuState node) {
    if (node.scoreMemo() instanceof Now memo && memo.profile == profile) {
      return memo;
    }
    Now now = new Now(profile, node, this);
    node.scoreMemo(now);
    return now;
  }

  /**
   * A node's fragmentation against one profile as it is, and what a placement changes of it: computed once per node
   * state and profile (on the node's {@link NodeGpuState#scoreMemo}), so that scoring a pod reads a number or sweeps
   * the profile's classes once, without touching the node's GPUs.
   */
  private static final class Now {
    /** Profiles with more demand classes keep no {@link #tallies} (their size per node would grow with the classes). */
    private static final int MAX_TALLIED_CLASSES = 64;

    private final WorkloadProfile profile;
    /** {@link #profile} as the node's GPU product sees it ({@link WorkloadProfile#onProduct}): what the sums read. */
    private final WorkloadProfile view;
    private final double expected;
    private final long freeMilli;
    /** {@link #expected} after {@code k} free whole GPUs are taken, by k (0 .. the node's free whole GPUs). */
    private final double[] afterWhole;
    /**
     * Per demand class: the GPUs it fits on (bits 0-7) and the free milli-GPU on GPUs too small for it (above), as
     * {@link #expected}'s sweep counts them on the node as it is; null above {@link #MAX_TALLIED_CLASSES}.
     */
    private final long[] tallies;
    /** The score whose CPU view and scale {@link #wholeParts} were computed with. */
    private final FragmentationScore owner;
    /**
     * {@link #owner}'s {@link FragmentationScore#gpuPart} for a binpacking pod of {@code k} whole GPUs taken from the
     * free ones, at {@code k * PART_LONGS} (k = 1 .. the node's free whole GPUs): all that part reads of such a pod is
     * k (which GPUs does not matter: each was 1000 free), and of the node this state, so a pod of a GPU demand never
     * seen reads it instead of computing it.
     */
    private final long[] wholeParts;
    /**
     * {@link #owner}'s CPU figures of the node, as its part computes them: the CPU left and the free milli-GPU it cannot
     * feed ({@link CpuPerGpuMix#unfedMilli}).
     */
    private final long cpuLeft;
    private final double strandedNow;

    Now(WorkloadProfile profile, NodeGpuState node, FragmentationScore owner) {
      this.profile = profile;
      this.view = profile.onProduct(node.productLowerCase());
      this.owner = owner;
      this.freeMilli = node.leftMilliSum();
      this.expected = sweep(view, node, 0, -1, 0, 0);
      int free = Long.bitCount(node.freeWholeMaskIgnoringReservations());
      // allocated in the order the per-node loop reads them, right after this object: for shares the tallies, for
      // whole GPUs the parts (one memory line on from here rather than two or three)
      this.tallies = profile.size() <= MAX_TALLIED_CLASSES ? new long[profile.size()] : null;
      this.wholeParts = new long[(free + 1) * CpuSplitScore.PART_LONGS];
      this.afterWhole = new double[free + 1];
      if (tallies != null) {
        tallies(view, node, tallies);
      }
      afterWhole[0] = expected;
      for (int k = 1; k <= free; k++) {
        afterWhole[k] = sweep(view, node, k, -1, 0, 0);
      }
      this.cpuLeft = owner.cpu.nodeCpuLeftMilli(node);
      this.strandedNow = profile.cpuPerGpu().unfedMilli(freeMilli, cpuLeft);
      for (int k = 1; k <= free; k++) {
        // as gpuPart computes it for such a pod: freeAfter subtracts 1000 per GPU taken
        owner.part(profile, Placement.BINPACK, afterWhole[k] - expected, freeMilli, freeMilli - 1000L * k, cpuLeft,
            strandedNow, true, wholeParts, k * CpuSplitScore.PART_LONGS);
      }
    }

    double expected() {
      return expected;
    }

    long freeMilli() {
      return freeMilli;
    }

    /**
     * {@link FragmentationScore#expected} after the placement ({@code taken} whole GPUs, or {@code milli} more on
     * {@code sharedGpu}; 0 and -1 for none), to the bit: whole GPUs taken were free (1000 each, enough for every class:
     * classes ask at most 1000), so every class fits on that many fewer GPUs and finds nothing more too small, which
     * {@link #afterWhole} holds; a share moves one GPU from {@code before} to {@code after} free milli-GPU, which
     * corrects each class's {@link #tallies}. The counts are the same integers, multiplied and added in the same order
     * as the general sweep. A placement on GPUs that were not free whole (no caller makes one) takes the general path.
     */
    double expectedAfter(NodeGpuState node, long taken, int sharedGpu, int milli) {
      if (sharedGpu >= 0) {
        int before = left(node, sharedGpu, 0, -1, 0);
        int after = left(node, sharedGpu, 0, sharedGpu, milli);
        return tallies != null ? shared(before, after) : sweep(view, node, 0, sharedGpu, before, after);
      }
      if ((taken & ~node.freeWholeMaskIgnoringReservations()) != 0) {
        return FragmentationScore.expected(profile, node, taken, sharedGpu, milli);
      }
      return afterWhole[Long.bitCount(taken)];
    }

    /** {@link #sweep} for a share, from the {@link #tallies}. */
    private double shared(int before, int after) {
      WorkloadProfile profile = this.view;
      long[] tallies = this.tallies;
      long total = freeMilli + after - before;
      double sum = 0;
      for (int k = 0; k < tallies.length; k++) {
        sum += shareTerm(profile, k, (int) (tallies[k] & 0xFF), tallies[k] >>> 8, total, before, after);
      }
      return sum;
    }

    /** Per class, the GPUs it fits on and the free milli-GPU too small for it, as {@link #sweep} counts them. */
    private static void tallies(WorkloadProfile profile, NodeGpuState node, long[] out) {
      int[] lefts = node.leftMilliAscending();
      int n = lefts.length;
      int p = 0;
      long tooSmall = 0;
      for (int k = 0; k < out.length; k++) {
        int want = profile.milli(k);
        while (p < n && lefts[p] < want) {
          tooSmall += lefts[p];
          p++;
        }
        out[k] = tooSmall << 8 | (n - p);
      }
    }
  }

  /**
   * The node's stranded milli-GPU as {@link #increase} counts it before a placement: free milli-GPU its CPU left cannot
   * feed at the current profile's classes of CPU per GPU; 0 where CPU is unknown or the profile has no CPU figure.
   */
  public double strandedNow(NodeGpuState node) {
    return strandedNow(profiles.get(), node, node.leftMilliSum(), cpu.nodeCpuLeftMilli(node));
  }

  /**
   * Expected fragmented milli-GPU of the node against the profile, imagining {@code taken} GPUs held whole and
   * {@code milli} more on {@code sharedGpu} (pass 0, -1, 0 for the node as it is).
   */
  public double expected(NodeGpuState node, long taken, int sharedGpu, int milli) {
    return expected(profiles.get(), node, taken, sharedGpu, milli);
  }

  private static double expected(WorkloadProfile profile, NodeGpuState node, long taken, int sharedGpu, int milli) {
    WorkloadProfile view = profile.onProduct(node.productLowerCase());
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
    return sweep(view, lefts, n, total, 0, -1, 0, 0);
  }

  /**
   * {@link #expected} without sorting, from the node's GPUs' free milli-GPU sorted once per node state
   * ({@link NodeGpuState#leftMilliAscending}): for the node as it is, after {@code wholeTaken} of its free whole GPUs
   * are taken (each 1000 free before, 0 after), or after a share moves {@code sharedGpu} from {@code before} to
   * {@code after} free milli-GPU. One sweep counts per class what the sorted amounts give and corrects the counts for
   * the placement, giving the same integers as a sweep over the placement's own sorted amounts, multiplied and added in
   * the same order: the same double to the bit.
   */
  private static double sweep(WorkloadProfile profile, NodeGpuState node, int wholeTaken, int sharedGpu, int before,
      int after) {
    int[] lefts = node.leftMilliAscending();
    long total = node.leftMilliSum() - 1000L * wholeTaken + (sharedGpu >= 0 ? after - before : 0);
    return sweep(profile, lefts, lefts.length, total, wholeTaken, sharedGpu, before, after);
  }

  /**
   * The sweep itself, over the first {@code n} free amounts in ascending order: classes ascend by milli-GPU, so one pass
   * finds, per class, the GPUs too small for it; {@code wholeTaken} and the share's move correct the counts. The
   * profile is the node's product view ({@link WorkloadProfile#onProduct}).
   */
  private static double sweep(WorkloadProfile profile, int[] lefts, int n, long total, int wholeTaken, int sharedGpu,
      int before, int after) {
    double sum = 0;
    int p = 0;
    long tooSmall = 0;
    for (int k = 0; k < profile.size(); k++) {
      int want = profile.milli(k);
      while (p < n && lefts[p] < want) {
        tooSmall += lefts[p];
        p++;
      }
      int fit = n - p - wholeTaken;
      sum += sharedGpu >= 0 ? shareTerm(profile, k, fit, tooSmall, total, before, after)
          : profile.probability(k) * (fit >= profile.gpus(k) ? tooSmall : total);
    }
    return sum;
  }

  /**
   * Class {@code k}'s term of the expected fragmentation when a share moves one GPU from {@code before} to
   * {@code after} free milli-GPU, from the class's counts without that move: GPUs that fit it ({@code fit}) and free
   * milli-GPU too small for it ({@code small}).
   */
  private static double shareTerm(WorkloadProfile profile, int k, int fit, long small, long total, int before,
      int after) {
    int want = profile.milli(k);
    if (before >= want) {
      fit--;
    } else {
      small -= before;
    }
    if (after >= want) {
      fit++;
    } else {
      small += after;
    }
    return profile.probability(k) * (fit >= profile.gpus(k) ? small : total);
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

  @Override
  public boolean readsPodMemoryBeyondFit() {
    return false;
  }
}
