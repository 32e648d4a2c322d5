package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.Placement;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Fragmentation gradient (after FGD, Weng et al., USENIX ATC '23): prefers the node where placing the pod increases the
 * node's expected unusable GPU least, against the expected mix of demands ({@link WorkloadProfile}).
 *
 * <p>Unusable GPU has two parts: <b>fragments</b> ({@link Fragmentation}), weighted among the pods that may use the
 * node's GPU model ({@code gpusched.dev/gpu-model}; {@link WorkloadProfile#onProduct}), and, when the {@link CpuView}
 * knows CPU, <b>stranded</b> GPU ({@link StrandedGpu}): free milli-GPU the node's CPU left cannot feed, expected over
 * the workload's classes of CPU per GPU ({@link CpuPerGpuMix#unfedMilli}). The stranded part steers CPU-heavy pods,
 * and pods without GPUs, to nodes with CPU to spare, and keeps CPU where CPU-hungry pods would need it. The pod goes
 * onto the GPUs bind would give it ({@link CycleState#chosenGpus}), so the score rates exactly that placement.
 *
 * <p>score = 50 - (unusable after - unusable before) / {@code milliPerPoint}, rounded, clamped to 0..100 (spread:
 * mirrored, 100 - score); 50 means the placement leaves the node's unusable GPU unchanged; 0 when the node cannot host
 * the pod's GPUs. Only the stranded part reads the pod's CPU request, and the score is flat for the small requests
 * that score as no CPU does, and for the large ones that score as taking all the CPU left ({@link #cpuRanges}).
 */
public final class FragmentationScore implements ScorePlugin {
  /** Change of unusable GPU, in milli-GPU, worth one score point (the 0..100 range spans +-50 x this). */
  public static final double DEFAULT_MILLI_PER_POINT = 20;

  private final Supplier<WorkloadProfile> profiles;
  private final CpuView cpu;
  private final double milliPerPoint;
  private final NodeLocal<NodeFragmentation> nodes = new NodeLocal<>();

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
  public FragmentationScore(Supplier<WorkloadProfile> profiles, CpuView cpu, double milliPerPoint) {
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

  @Override
  public Set<PodInput> reads() {
    return Set.of(PodInput.GPU_REQUEST, PodInput.GPU_MEMORY_FIT, PodInput.CPU_REQUEST);
  }

  /** The current profile's serial: a new profile changes every node's score. */
  @Override
  public int inputsVersion() {
    return profiles.get().serial();
  }

  /** A binpacking pod of free whole GPUs whose CPU request lies in a flat stretch reads its score from the node's ranges. */
  @Override
  public int score(CycleState cycle) {
    CpuRanges whole = wholeRanges(cycle);
    int flat = whole != null ? whole.valueFor(cycle.demand().cpuMilli()) : CpuRanges.BETWEEN;
    return flat != CpuRanges.BETWEEN ? flat : toScore(cycle.demand().placement(), increase(cycle));
  }

  /**
   * Unusable GPU after the placement minus before, in milli-GPU (negative when the pod fills a fragment); NaN when the
   * node cannot host the pod's GPUs. For a pod without GPUs only the stranded part can change (0 when CPU is unknown).
   */
  public double increase(PodDemand demand, NodeGpuState node) {
    return increase(CycleState.of(demand, node));
  }

  private double increase(CycleState cycle) {
    Placed p = placed(cycle);
    if (p == null) {
      return Double.NaN;
    }
    return StrandedGpu.withStranded(p.node.profile, p.delta, p.freeAfter, p.node.cpuLeft, cycle.demand().cpuMilli(),
        p.node.strandedNow);
  }

  /**
   * Flat for every request when the stranded part does not apply (CPU unknown, the node's CPU overbooked, no CPU
   * classes) or the node cannot host the pod; else flat for the requests scoring as one of 0 does, and for those scoring
   * as one of all the node's CPU left (or more) does: the score moves monotonically between, as the stranded GPU grows
   * while the CPU left falls.
   */
  @Override
  public CpuRanges cpuRanges(CycleState cycle) {
    CpuRanges whole = wholeRanges(cycle);
    return whole != null ? whole : ranges(placed(cycle), cycle.demand().placement());
  }

  /** The ranges of a binpacking pod of whole GPUs, all free, as the node's figures keep them; else null. */
  private CpuRanges wholeRanges(CycleState cycle) {
    PodDemand demand = cycle.demand();
    if (demand.isShared() || demand.gpus() == 0 || demand.placement() != Placement.BINPACK) {
      return null;
    }
    long taken = cycle.chosenGpus();
    NodeGpuState node = cycle.node();
    if (taken == 0 || (taken & ~node.freeWholeMaskIgnoringReservations()) != 0) {
      return null;
    }
    NodeFragmentation f = node(cycle);
    int k = Long.bitCount(taken);
    CpuRanges ranges = f.wholeRanges[k];
    if (ranges == null) { // as placed(cycle) gives it: each free GPU taken had 1000 milli-GPU left
      ranges = ranges(new Placed(f, f.afterWhole[k] - f.expected, f.freeMilli - 1000L * k), Placement.BINPACK);
      f.wholeRanges[k] = ranges;
    }
    return ranges;
  }

  /** The ranges of a placement ({@link #placed}; null: the node cannot host the pod). */
  private CpuRanges ranges(Placed p, Placement placement) {
    if (p == null) {
      return CpuRanges.flat(0);
    }
    NodeFragmentation f = p.node;
    long cpuLeft = f.cpuLeft;
    if (!StrandedGpu.applies(f.profile, cpuLeft)) {
      return CpuRanges.flat(toScore(placement, p.delta));
    }
    int low = keyScore(p, placement, 0);
    int high = keyScore(p, placement, cpuLeft);
    if (low == high) {
      return CpuRanges.flat(low);
    }
    // The requests scoring as one of 0 end, and those scoring as one of all the CPU left begin, where the stranded GPU
    // crosses the score's rounding steps: 50 - increase / milliPerPoint falls below the (unmirrored) score - 0.5, resp.
    // + 0.5. Estimated there, then settled by scoring the requests either side.
    CpuPerGpuMix mix = f.profile.cpuPerGpu();
    int innerLow = placement == Placement.SPREAD ? 100 - low : low;
    int innerHigh = placement == Placement.SPREAD ? 100 - high : high;
    long lowGuess = cpuLeft - (long) Math.ceil(
        mix.cpuLeftUnfeeding(p.freeAfter, (50.5 - innerLow) * milliPerPoint - p.delta + f.strandedNow));
    long highGuess = cpuLeft - (long) Math.floor(
        mix.cpuLeftUnfeeding(p.freeAfter, (49.5 - innerHigh) * milliPerPoint - p.delta + f.strandedNow));
    long lowTo = lastRequest(p, placement, low, true, 0, cpuLeft, lowGuess);
    long highFrom = 1 + lastRequest(p, placement, high, false, lowTo, cpuLeft, highGuess - 1);
    return new CpuRanges(lowTo, low, highFrom, high);
  }

  /** The score of the placement for a pod requesting {@code cpuWanted} (0 .. any): what {@link #increase} gives. */
  private int keyScore(Placed p, Placement placement, long cpuWanted) {
    NodeFragmentation f = p.node;
    return toScore(placement, p.delta + (StrandedGpu.stranded(f.profile, p.freeAfter, f.cpuLeft - cpuWanted)
        - f.strandedNow));
  }

  /**
   * The largest request {@code c} in [lo, hi) whose {@link #keyScore} is {@code score} ({@code same}) or is not
   * ({@code !same}), given that {@code lo} is such a request and {@code hi} is not (the score is monotone in the
   * request): the guess and its neighbour settle it when the guess is right or one off, else bisection.
   */
  private long lastRequest(Placed p, Placement placement, int score, boolean same, long lo, long hi, long guess) {
    if (guess > lo && guess < hi) {
      if ((keyScore(p, placement, guess) == score) == same) {
        lo = guess;
        if ((keyScore(p, placement, guess + 1) == score) != same) {
          hi = guess + 1;
        }
      } else {
        hi = guess;
        if ((keyScore(p, placement, guess - 1) == score) == same) {
          lo = guess - 1;
        }
      }
    }
    while (hi - lo > 1) {
      long mid = (lo + hi) >>> 1;
      if ((keyScore(p, placement, mid) == score) == same) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** The pod's placement on the node: the node's figures, the fragment part of the increase, the free milli-GPU after. */
  private record Placed(NodeFragmentation node, double delta, long freeAfter) {}

  /** The placement bind would make, or null when the node cannot host the pod's GPUs. */
  private Placed placed(CycleState cycle) {
    PodDemand demand = cycle.demand();
    long taken = 0;
    int sharedGpu = -1;
    if (demand.isShared()) {
      sharedGpu = cycle.sharedGpu();
      if (sharedGpu < 0) {
        return null;
      }
    } else if (demand.gpus() > 0) {
      taken = cycle.chosenGpus();
      if (taken == 0) {
        return null;
      }
    }
    NodeGpuState node = cycle.node();
    NodeFragmentation f = node(cycle);
    double delta = demand.usesNoGpu() ? 0 : f.expectedAfter(node, taken, sharedGpu, demand.milli()) - f.expected;
    return new Placed(f, delta, Fragmentation.freeAfter(node, f.freeMilli, taken, sharedGpu, demand.milli()));
  }

  /** The node's figures against the current profile: kept per node state, or computed. */
  private NodeFragmentation node(CycleState cycle) {
    WorkloadProfile profile = profiles.get();
    NodeFragmentation f = nodes.get(cycle);
    if (f == null || f.profile != profile) {
      f = new NodeFragmentation(profile, cycle.node(), cpu);
      nodes.put(cycle, f);
    }
    return f;
  }

  /** The score of an increase: 0 for NaN, else {@code 50 - increase / milliPerPoint} rounded and clamped (spread: mirrored). */
  private int toScore(Placement placement, double increase) {
    if (Double.isNaN(increase)) {
      return 0;
    }
    long s = Math.round(50 - increase / milliPerPoint);
    int score = (int) Math.max(0, Math.min(100, s));
    return placement == Placement.SPREAD ? 100 - score : score;
  }

  /**
   * The node's stranded milli-GPU as {@link #increase} counts it before a placement: free milli-GPU its CPU left cannot
   * feed at the current profile's classes of CPU per GPU; 0 where CPU is unknown or the profile has no CPU classes.
   */
  public double strandedNow(NodeGpuState node) {
    WorkloadProfile profile = profiles.get();
    long cpuLeft = cpu.nodeCpuLeftMilli(node);
    return StrandedGpu.applies(profile, cpuLeft) ? StrandedGpu.stranded(profile, node.leftMilliSum(), cpuLeft) : 0;
  }

  /** {@link Fragmentation#expected} against the current profile. */
  public double expected(NodeGpuState node, long taken, int sharedGpu, int milli) {
    return Fragmentation.expected(profiles.get(), node, taken, sharedGpu, milli);
  }
}
