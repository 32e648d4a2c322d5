package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.NodeGpuState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The filter and score plugins in their fixed order, as kube-scheduler's framework composes its own: every filter must
 * pass; scores combine as a weighted mean {@code s} (0..100) mapped onto the extender protocol's 0..10.
 *
 * <p>For a multi-GPU pod under {@code prefer-nvlink} interconnect dominates: nodes that can give a fully
 * NVLink-connected set score {@code 6 + round(4 s / 100)} (6..10), all others {@code round(5 s / 100)} (0..5).
 * Every other pod scores {@code round(10 s / 100)}.
 */
public final class DecisionPipeline {
  /** kube-scheduler's {@code MaxExtenderPriority}. */
  public static final int MAX_EXTENDER_PRIORITY = 10;
  public static final String UNKNOWN_NODE = "unknown_node";

  private final FilterPlugin[] filters;
  private final ScorePlugin[] scorers;
  private final int[] weights;
  private final int weightSum;
  private final DemandShapes shapes = new DemandShapes();
  private volatile VerdictMemo memo = new VerdictMemo(null, 0, new int[0], 0);
  /** Whether every plugin's CPU reads go through one {@link CpuSplitScore} at most: then a {@link GpuVerdictMemo} serves. */
  private final boolean gpuSideMemo;
  /** The {@link CpuSplitScore}'s index among the scorers, or -1. */
  private final int splitScorer;
  /** Whether every plugin reads the pod's GPU memory request by fit alone: then GPU-side rows serve a {@link MemoryFitRange} range. */
  private final boolean memoryByFit;
  private final DemandShapes gpuShapes;
  private volatile GpuVerdictMemo gpuMemo;
  /** Threads that compute one call's verdicts no memo holds, the caller's included ({@link ParallelChunks}). */
  private final int threads;
  /** Fewer verdicts to compute than this are computed on the caller alone: waking a helper would cost more. */
  private final int parallelMinNodes;
  /** Nodes a thread claims at a time. */
  private final int chunkNodes;

  /** Nodes to compute in one call before helpers join: about 30 µs of work, well above a helper's wake-up. */
  public static final int PARALLEL_MIN_NODES = 1_024;
  static final int CHUNK_NODES = 256;

  /** @param scorers with their weights, in order */
  public DecisionPipeline(List<FilterPlugin> filters, Map<ScorePlugin, Integer> scorers) {
    this(filters, scorers, ParallelChunks.DEFAULT_THREADS);
  }

  /** @param threads threads that compute one call's new verdicts, the caller's included (1: the caller alone) */
  public DecisionPipeline(List<FilterPlugin> filters, Map<ScorePlugin, Integer> scorers, int threads) {
    this(filters, scorers, threads, PARALLEL_MIN_NODES, CHUNK_NODES);
  }

  DecisionPipeline(List<FilterPlugin> filters, Map<ScorePlugin, Integer> scorers, int threads, int parallelMinNodes,
      int chunkNodes) {
    ParallelChunks.checkThreads(threads);
    this.threads = threads;
    this.parallelMinNodes = Math.max(1, parallelMinNodes);
    this.chunkNodes = Math.max(1, chunkNodes);
    if (filters.size() > VerdictMemo.MAX_FILTERS) {
      throw new IllegalArgumentException("a pipeline holds at most " + VerdictMemo.MAX_FILTERS + " filters, got "
          + filters.size());
    }
    this.filters = filters.toArray(new FilterPlugin[0]);
    this.scorers = scorers.keySet().toArray(new ScorePlugin[0]);
    this.weights = new int[this.scorers.length];
    int sum = 0;
    for (int i = 0; i < this.scorers.length; i++) {
      weights[i] = scorers.get(this.scorers[i]);
      sum += weights[i];
    }
    this.weightSum = Math.max(1, sum);
    this.splitScorer = splitScorer(this.filters, this.scorers);
    this.gpuSideMemo = splitScorer != NOT_SPLIT;
    this.memoryByFit = memoryByFit(this.filters, this.scorers);
    this.gpuShapes = new DemandShapes(VerdictMemo.MAX_SHAPE_ID, false, !memoryByFit);
  }

  private static boolean memoryByFit(FilterPlugin[] filters, ScorePlugin[] scorers) {
    for (FilterPlugin f : filters) {
      if (f.readsPodMemoryBeyondFit()) {
        return false;
      }
    }
    for (ScorePlugin s : scorers) {
      if (s.readsPodMemoryBeyondFit()) {
        return false;
      }
    }
    return true;
  }

  private static final int NOT_SPLIT = -2;

  /**
   * The split score's index when every other plugin ignores the pod's CPU request (so a verdict's GPU side is a function
   * of the node state and the GPU demand), -1 when there is none and all ignore it, else {@link #NOT_SPLIT}.
   */
  private static int splitScorer(FilterPlugin[] filters, ScorePlugin[] scorers) {
    for (FilterPlugin f : filters) {
      if (f.readsPodCpu()) {
        return NOT_SPLIT;
      }
    }
    int split = -1;
    for (int s = 0; s < scorers.length; s++) {
      if (scorers[s] instanceof CpuSplitScore && split < 0) {
        split = s;
      } else if (scorers[s].readsPodCpu()) {
        return NOT_SPLIT;
      }
    }
    return split;
  }

  /** Weight of {@link FragmentationScore}: it decides among nodes of one tier; the others break its ties. */
  public static final int FRAGMENTATION_WEIGHT = 30;

  /** The default composition over a fixed profile and no CPU figures (tests, tools). */
  public static DecisionPipeline standard() {
    return standard(() -> WorkloadProfileLearner.DEFAULT, CpuView.NONE);
  }

  /** The default composition: {@link #standardFilters()} and {@link #standardScores}, on the machine's cores. */
  public static DecisionPipeline standard(java.util.function.Supplier<WorkloadProfile> profile, CpuView cpu) {
    return standard(profile, cpu, ParallelChunks.DEFAULT_THREADS);
  }

  /** The default composition, computing one call's new verdicts on {@code threads} threads. */
  public static DecisionPipeline standard(java.util.function.Supplier<WorkloadProfile> profile, CpuView cpu,
      int threads) {
    return new DecisionPipeline(standardFilters(), standardScores(profile, cpu), threads);
  }

  /** The default filters, in order: GPU product, GPU count (with memory and health), required interconnect. */
  public static List<FilterPlugin> standardFilters() {
    return List.of(new GpuModelFit(), new GpuCountFit(), new IntraNodeTopologyFit());
  }

  /**
   * The default scores and weights: topology 2, packing 1, memory pressure 1, fragmentation
   * {@value #FRAGMENTATION_WEIGHT}.
   */
  public static Map<ScorePlugin, Integer> standardScores(java.util.function.Supplier<WorkloadProfile> profile, CpuView cpu) {
    Map<ScorePlugin, Integer> scores = new LinkedHashMap<>();
    scores.put(new TopologyScore(), 2);
    scores.put(new PackingScore(), 1);
    scores.put(new MemoryPressureScore(), 1);
    scores.put(new FragmentationScore(profile, cpu, FragmentationScore.DEFAULT_MILLI_PER_POINT), FRAGMENTATION_WEIGHT);
    return scores;
  }

  public List<String> filterNames() {
    String[] out = new String[filters.length];
    for (int i = 0; i < filters.length; i++) {
      out[i] = filters[i].name();
    }
    return List.of(out);
  }

  /**
   * Where a filter call's verdicts on known nodes came from: the full-shape memo (a pod of this shape before), a
   * GPU-side row (this GPU demand before), or the plugins. Operators watch it: a call that computes is the slow one.
   */
  public record VerdictSources(int memo, int gpuRows, int computed) {}

  /**
   * Result of filtering a candidate list, by candidate position: which passed, and why each other one failed (null where
   * it passed); and where the verdicts came from.
   */
  public record FilterOutcome(boolean[] passed, String[] reasons, int[] rejectionsByFilter, int unknownNodes,
      VerdictSources sources) {
    /** Candidates that did not pass. */
    public int failedCount() {
      int failed = 0;
      for (boolean p : passed) {
        if (!p) {
          failed++;
        }
      }
      return failed;
    }
  }

  /**
   * Filters every candidate. A node that passes is scored in the same visit and its score memoised with the verdict
   * (kube-scheduler asks prioritize for exactly the nodes that passed, usually before any of them changes).
   */
  public FilterOutcome filter(PodDemand demand, ClusterSnapshot snapshot, List<String> candidates) {
    Call call = new Call(demand, snapshot);
    int n = candidates.size();
    if (call.newShape && mayShare(n)) {
      return filterNewShape(call, candidates);
    }
    VerdictMemo memo = call.memo;
    int shapeId = call.shapeId;
    NodeGpuState[] nodes = snapshot.nodes();
    int[] stamps = snapshot.stamps();
    boolean[] passed = new boolean[n];
    String[] reasons = new String[n];
    int[] rejections = new int[filters.length];
    int[] positions = new int[n];
    Positions resolved = new Positions(snapshot, lastFilter, false, 0);
    // verdicts no memo holds are computed in the loop, or after it when they may be many enough to share among threads
    Missing missing = mayShare(n) ? new Missing(n) : null;
    int unknown = 0;
    int memoHits = 0;
    for (int i = 0; i < n; i++) {
      String name = candidates.get(i);
      int position = resolved.next(name);
      positions[i] = position;
      if (position < 0) {
        reasons[i] = unknownNode(name);
        unknown++;
        continue;
      }
      int slot = VerdictMemo.slot(position, shapeId);
      long tag = VerdictMemo.tag(stamps[position], shapeId);
      int result = memo.result(slot, tag);
      if (result == VerdictMemo.MISSING) {
        if (missing != null) {
          missing.add(i);
          continue;
        }
        result = call.verdict(nodes[position], position, stamps[position], slot, tag);
      } else {
        memoHits++;
      }
      judge(call, i, position, result, passed, rejections, reasons);
    }
    if (missing != null && missing.count > 0) {
      int[] results = missing.compute(call, positions, reasons);
      for (int j = 0; j < missing.count; j++) {
        int i = missing.indices[j];
        judge(call, i, positions[i], results[j], passed, rejections, reasons);
      }
    }
    return outcome(call, candidates, positions, passed, reasons, rejections, unknown, memoHits);
  }

  /**
   * {@link #filter} of a shape no call numbered before ({@link Call#newShape}) over enough candidates to share: no memo
   * holds its verdicts, so the whole loop, names included, is shared among threads from the start ({@link ParallelChunks};
   * each chunk follows the last list from its own place), not only the verdicts after a pass that would find no memo.
   */
  private FilterOutcome filterNewShape(Call call, List<String> candidates) {
    ClusterSnapshot snapshot = call.snapshot;
    NodeGpuState[] nodes = snapshot.nodes();
    int[] stamps = snapshot.stamps();
    int shapeId = call.shapeId;
    int n = candidates.size();
    boolean[] passed = new boolean[n];
    String[] reasons = new String[n];
    int[] positions = new int[n];
    LastFilter last = lastFilter;
    int parallel = Math.min(threads, (n + chunkNodes - 1) / chunkNodes);
    Forks forks = new Forks(call, parallel);
    int[][] rejectionsBy = new int[parallel][filters.length];
    int[] unknownBy = new int[parallel];
    ParallelChunks.run(parallel, n, chunkNodes, (worker, from, to) -> {
      Call c = forks.of(worker);
      Positions resolved = new Positions(snapshot, last, false, from);
      int[] rejections = rejectionsBy[worker];
      for (int i = from; i < to; i++) {
        String name = candidates.get(i);
        int position = resolved.next(name);
        positions[i] = position;
        if (position < 0) {
          reasons[i] = unknownNode(name);
          unknownBy[worker]++;
          continue;
        }
        int stamp = stamps[position];
        int result = c.verdict(nodes[position], position, stamp, VerdictMemo.slot(position, shapeId),
            VerdictMemo.tag(stamp, shapeId));
        judge(c, i, position, result, passed, rejections, reasons);
      }
    });
    int[] rejections = new int[filters.length];
    int unknown = 0;
    for (int w = 0; w < parallel; w++) {
      for (int f = 0; f < rejections.length; f++) {
        rejections[f] += rejectionsBy[w][f];
      }
      unknown += unknownBy[w];
    }
    forks.addComputed();
    return outcome(call, candidates, positions, passed, reasons, rejections, unknown, 0);
  }

  private static String unknownNode(String name) {
    return "gpusched does not know node " + name + " (not in its node cache yet)";
  }

  /** The filter call's outcome, its candidates kept as {@link #lastFilter} (the last one of a repeated name wins). */
  private FilterOutcome outcome(Call call, List<String> candidates, int[] positions, boolean[] passed, String[] reasons,
      int[] rejections, int unknown, int memoHits) {
    int[] indexByPosition = new int[call.snapshot.nodes().length];
    java.util.Arrays.fill(indexByPosition, -1);
    for (int i = 0; i < positions.length; i++) {
      if (positions[i] >= 0) {
        indexByPosition[positions[i]] = i;
      }
    }
    lastFilter = new LastFilter(call.demand.uid(), call.snapshot.index(), candidates, positions, indexByPosition,
        passed.clone());
    int fromMemoOrRows = positions.length - unknown - call.computed;
    return new FilterOutcome(passed, reasons, rejections, unknown,
        new VerdictSources(memoHits, fromMemoOrRows - memoHits, call.computed));
  }

  /** Records candidate {@code i}'s verdict: passed, or counted against its filter with its reason (unless given). */
  private static void judge(Call call, int i, int position, int result, boolean[] passed, int[] rejections,
      String[] reasons) {
    int f = VerdictMemo.failedFilter(result);
    if (f < 0) {
      passed[i] = true;
    } else {
      rejections[f]++;
      if (reasons[i] == null) {
        reasons[i] = call.reason(f, call.snapshot.nodes()[position], position, call.snapshot.stamps()[position]);
      }
    }
  }

  /** Whether a call over {@code candidates} nodes may have enough new verdicts to share among threads. */
  private boolean mayShare(int candidates) {
    return threads > 1 && candidates >= parallelMinNodes;
  }

  /**
   * The candidates of one call whose verdicts no memo held, computed after the memo pass: on the caller alone when they
   * are few, else shared among {@link #threads} threads ({@link ParallelChunks}), each with its own {@link Call#fork}
   * (kube-scheduler, too, runs its filters over nodes in parallel). Verdicts the memo holds cost too little to share.
   */
  private final class Missing {
    final int[] indices;
    int count;

    Missing(int candidates) {
      indices = new int[candidates];
    }

    void add(int candidate) {
      indices[count++] = candidate;
    }

    /**
     * Computes and memoises the verdicts, by position in {@link #indices}; when {@code reasons} is not null, also why
     * each failing node fails (memoised too, and computed while the node's state is at hand).
     */
    int[] compute(Call call, int[] positions, String[] reasons) {
      int[] results = new int[count];
      int parallel = count >= parallelMinNodes ? Math.min(threads, (count + chunkNodes - 1) / chunkNodes) : 1;
      Forks forks = new Forks(call, parallel);
      NodeGpuState[] nodes = call.snapshot.nodes();
      int[] stamps = call.snapshot.stamps();
      int shapeId = call.shapeId;
      ParallelChunks.run(parallel, count, chunkNodes, (worker, from, to) -> {
        Call c = forks.of(worker);
        for (int j = from; j < to; j++) {
          int i = indices[j];
          int position = positions[i];
          int stamp = stamps[position];
          int result = c.verdict(nodes[position], position, stamp, VerdictMemo.slot(position, shapeId),
              VerdictMemo.tag(stamp, shapeId));
          results[j] = result;
          int f = VerdictMemo.failedFilter(result);
          if (reasons != null && f >= 0) {
            reasons[i] = c.reason(f, nodes[position], position, stamp);
          }
        }
      });
      forks.addComputed();
      return results;
    }
  }

  /**
   * One call's {@link Call} per thread of a {@link ParallelChunks} run: the call itself on the caller, a
   * {@link Call#fork} made at a helper's first chunk.
   */
  private static final class Forks {
    private final Call[] calls;

    Forks(Call call, int threads) {
      calls = new Call[threads];
      calls[0] = call;
      if (threads > 1) {
        call.gpuSide(); // set up once, before the forks copy it
      }
    }

    Call of(int worker) {
      Call c = calls[worker];
      if (c == null) {
        c = calls[0].fork();
        calls[worker] = c;
      }
      return c;
    }

    /** Adds the forks' computed verdicts to the call's count, once the run is over. */
    void addComputed() {
      for (int w = 1; w < calls.length; w++) {
        if (calls[w] != null) {
          calls[0].computed += calls[w].computed;
        }
      }
    }
  }

  /**
   * The last filter call's candidates, their positions (and the reverse: list index by position, -1 when absent) and
   * which passed. kube-scheduler sends filter the same node list pod after pod, and prioritize the pod's survivors in
   * filter's order right after, so {@link Positions} resolves most names with one {@code equals} against this list.
   */
  private record LastFilter(String podUid, Object layout, List<String> candidates, int[] positions, int[] indexByPosition,
      boolean[] passed) {}

  private volatile LastFilter lastFilter;

  /**
   * Resolves candidate names to positions in order: while the names follow the previous list, one {@code equals} each;
   * otherwise a hash lookup, after which it resumes following from that node's place in the previous list.
   */
  private static final class Positions {
    private final ClusterSnapshot snapshot;
    private final LastFilter previous;
    private final boolean survivorsOnly;
    private int cursor;

    /**
     * @param survivorsOnly follow only the nodes that passed (prioritize of the same pod)
     * @param cursor where in the previous list to start following (a chunk of a list starts at its own index)
     */
    Positions(ClusterSnapshot snapshot, LastFilter previous, boolean survivorsOnly, int cursor) {
      this.snapshot = snapshot;
      this.previous = previous != null && previous.layout() == snapshot.index() ? previous : null;
      this.survivorsOnly = survivorsOnly;
      this.cursor = cursor;
    }

    int next(String name) {
      if (previous != null) {
        List<String> names = previous.candidates();
        boolean[] passed = previous.passed();
        while (survivorsOnly && cursor < passed.length && !passed[cursor]) {
          cursor++;
        }
        if (cursor < passed.length && names.get(cursor).equals(name)) {
          return previous.positions()[cursor++];
        }
      }
      int position = snapshot.indexOf(name);
      if (previous != null && position >= 0 && previous.indexByPosition()[position] >= 0) {
        cursor = previous.indexByPosition()[position] + 1;
      }
      return position;
    }
  }

  /**
   * The standard plugins in one pass ({@link FusedStandardPlugins}), set at the first need; one that does not apply when
   * this pipeline's plugins are not the standard set. Racy and idempotent: its fields are final.
   */
  private FusedStandardPlugins fusedStandardPlugins;

  private FusedStandardPlugins fusedStandardPlugins() {
    FusedStandardPlugins fused = fusedStandardPlugins;
    if (fused == null) {
      fused = FusedStandardPlugins.of(filters, scorers, weights, splitScorer);
      fusedStandardPlugins = fused;
    }
    return fused;
  }

  /** Index of the first filter that rejects the node, or -1 when all pass; builds no reason. */
  private int firstFailing(PodDemand demand, NodeGpuState node) {
    for (int f = 0; f < filters.length; f++) {
      if (!filters[f].passes(demand, node)) {
        return f;
      }
    }
    return -1;
  }

  /** Why the node cannot host the pod, or null when it can. */
  public String reject(PodDemand demand, NodeGpuState node) {
    int f = firstFailing(demand, node);
    return f < 0 ? null : filters[f].filter(demand, node);
  }

  /** Scores 0..10 per candidate; 0 for unknown nodes and nodes that fail a filter. */
  public int[] prioritize(PodDemand demand, ClusterSnapshot snapshot, List<String> candidates) {
    Call call = new Call(demand, snapshot);
    VerdictMemo memo = call.memo;
    int shapeId = call.shapeId;
    NodeGpuState[] nodes = snapshot.nodes();
    int[] stamps = snapshot.stamps();
    int n = candidates.size();
    int[] out = new int[n];
    Missing missing = mayShare(n) ? new Missing(n) : null;
    int[] positions = missing != null ? new int[n] : null;
    LastFilter last = lastFilter;
    Positions resolved = new Positions(snapshot, last,
        last != null && !demand.uid().isEmpty() && last.podUid().equals(demand.uid()), 0);
    for (int i = 0; i < n; i++) {
      int position = resolved.next(candidates.get(i));
      if (position >= 0) {
        int slot = VerdictMemo.slot(position, shapeId);
        long tag = VerdictMemo.tag(stamps[position], shapeId);
        int result = memo.result(slot, tag);
        if (result == VerdictMemo.MISSING) {
          if (missing != null) {
            positions[i] = position;
            missing.add(i);
            continue;
          }
          result = call.verdict(nodes[position], position, stamps[position], slot, tag);
        }
        out[i] = VerdictMemo.score(result);
      }
    }
    if (missing != null && missing.count > 0) {
      int[] results = missing.compute(call, positions, null);
      for (int j = 0; j < missing.count; j++) {
        out[missing.indices[j]] = VerdictMemo.score(results[j]);
      }
    }
    return out;
  }

  /**
   * One filter or prioritize call: its demand's shape numbers and the memos that serve them. A node's verdict comes from
   * {@link VerdictMemo} (this full shape seen on this node state), else from {@link GpuVerdictMemo} (this GPU demand
   * seen on this node state, up to a memory request that fits the node's GPUs alike: at most the CPU step of the split
   * score is computed), else from the plugins; each level missed is filled.
   */
  private final class Call {
    private final PodDemand demand;
    private final boolean tiered;
    private final int shapeId;
    /** No call numbered this shape before: the memo holds none of its verdicts (but those of concurrent first calls). */
    final boolean newShape;
    private final VerdictMemo memo;
    private final ClusterSnapshot snapshot;
    private final int[] versions;
    /** The GPU side, set up at the first need (a call that {@link #memo} answers whole needs none): see {@link #gpuSide}. */
    private int gpuShapeId;
    /** Null when the pipeline has no GPU-side memo, or before {@link #gpuSide}. */
    private GpuVerdictMemo gpuMemo;
    /**
     * False for the first pod of a GPU demand: its verdicts are computed whole and only {@link #memo} keeps them. The
     * GPU-side rows, which cost more to compute and write, are made from the second pod of the demand on (when a pod of
     * another CPU request or memory range shows that the demand recurs), so a demand seen once does not pay for them.
     */
    private boolean gpuRows;
    /** The split score, or null. */
    private CpuSplitScore split;
    private long splitWeight;
    private long cpuKey;
    /** Verdicts this call (this thread's part of it) computed from the plugins, full or GPU side. */
    int computed;
    /** A {@link GpuVerdictMemo} row as read or to write: see {@link #fromGpuSide}. */
    private long[] row;
    private long[] part;
    /** The model filter's verdicts by product, for the fused pass: this thread's own, made at the first need. */
    private ProductVerdicts products;

    Call(PodDemand demand, ClusterSnapshot snapshot) {
      this.demand = demand;
      this.snapshot = snapshot;
      this.tiered = TopologyScore.tiered(demand);
      this.versions = inputsVersions();
      long shape = shapes.idOf(demand);
      this.shapeId = DemandShapes.number(shape);
      this.newShape = DemandShapes.firstSighting(shape);
      this.memo = memoFor(snapshot, versions, DemandShapes.epoch(shape));
    }

    private Call(Call parent) {
      this.demand = parent.demand;
      this.snapshot = parent.snapshot;
      this.tiered = parent.tiered;
      this.versions = parent.versions;
      this.shapeId = parent.shapeId;
      this.newShape = parent.newShape;
      this.memo = parent.memo;
      this.gpuShapeId = parent.gpuShapeId;
      this.gpuMemo = parent.gpuMemo;
      this.gpuRows = parent.gpuRows;
      this.split = parent.split;
      this.splitWeight = parent.splitWeight;
      this.cpuKey = parent.cpuKey;
      if (parent.gpuMemo != null) {
        this.row = new long[GpuVerdictMemo.DATA];
        this.part = new long[CpuSplitScore.PART_LONGS];
      }
    }

    /**
     * The same call for another thread: the same shapes and memos, its own scratch. The parent's {@link #gpuSide} must
     * be set up first (its shape was numbered once, for the whole call).
     */
    Call fork() {
      return new Call(this);
    }

    /**
     * Sets up the GPU side of the call; false when the pipeline has none, or the pod's GPU memory request is beyond what a
     * row's {@link MemoryFitRange} range can hold (no real GPU has 2^31 MiB).
     */
    private boolean gpuSide() {
      if (gpuMemo != null) {
        return true;
      }
      if (!gpuSideMemo || !MemoryFitRange.packable(demand.memoryMiB())) {
        return false;
      }
      split = splitScorer >= 0 ? (CpuSplitScore) scorers[splitScorer] : null;
      splitWeight = splitScorer >= 0 ? weights[splitScorer] : 0;
      cpuKey = split != null ? split.cpuKey(demand) : 0;
      long gpuShape = gpuShapes.idOf(demand);
      gpuShapeId = DemandShapes.number(gpuShape);
      gpuRows = !DemandShapes.firstSighting(gpuShape);
      row = new long[GpuVerdictMemo.DATA];
      part = new long[CpuSplitScore.PART_LONGS];
      gpuMemo = gpuMemoFor(snapshot, versions, DemandShapes.epoch(gpuShape));
      return true;
    }

    /**
     * The node's verdict ({@link VerdictMemo} result byte) when {@link #memo} does not hold it at {@code slot} and
     * {@code tag} (the callers look there first, in their own loops): from the GPU-side memo or the plugins, and
     * memoised.
     */
    int verdict(NodeGpuState node, int position, int stamp, int slot, long tag) {
      int result;
      if (!gpuSide()) {
        computed++;
        int f = firstFailing(demand, node);
        result = f < 0 ? VerdictMemo.passed(score(demand, node)) : VerdictMemo.failed(f);
      } else if (!gpuRows) {
        result = firstSighting(node);
      } else {
        result = fromGpuSide(node, position, stamp);
      }
      memo.put(slot, tag, result);
      return result;
    }

    /** The verdict from the node's GPU-side row ({@link GpuVerdictMemo}), read or computed and stored. */
    private int fromGpuSide(NodeGpuState node, int position, int stamp) {
      int r = gpuMemo.row(position, gpuShapeId);
      long gpuTag = VerdictMemo.tag(stamp, gpuShapeId);
      long memoryMiB = demand.memoryMiB();
      int result = gpuMemo.verdict(r, gpuTag, memoryMiB, cpuKey);
      if (result >= 0) {
        return result;
      }
      long[] row = this.row;
      if (result == GpuVerdictMemo.MISSING || !gpuMemo.read(r, gpuTag, memoryMiB, row)) {
        computeRow(node, gpuTag);
        gpuMemo.write(r, row);
      }
      return finish(node, row);
    }

    /**
     * The verdict for the first pod of a GPU demand, whose rows are not kept: what {@link #computeRow} then
     * {@link #finish} give, from the fused pass straight, without filling a row or ranking the range this pod is not in.
     */
    private int firstSighting(NodeGpuState node) {
      FusedStandardPlugins fused = fusedStandardPlugins();
      if (split == null || !fused.applies() || !FusedStandardPlugins.serves(demand)) {
        computeRow(node, 0);
        return finish(node, row);
      }
      computed++;
      ProductVerdicts products = productVerdicts(fused);
      long[] part = this.part;
      long rank = fused.row(demand, node, tiered, false, part, products);
      if (rank < 0) {
        return VerdictMemo.failed((int) (-1 - rank));
      }
      int score = split.scoreFromPart(demand, node, cpuKey, part, 0);
      return VerdictMemo.passed(priority(tiered, rank + splitWeight * score));
    }

    private ProductVerdicts productVerdicts(FusedStandardPlugins fused) {
      ProductVerdicts products = this.products;
      if (products == null) {
        products = fused.productVerdicts(demand);
        this.products = products;
      }
      return products;
    }

    /** The verdict from a row's data, finishing the split score for a CPU key between its ranges. */
    private int finish(NodeGpuState node, long[] row) {
      int result = (int) (row[0] & 0xFF);
      long k = cpuKey;
      long low = row[2];
      if (VerdictMemo.failedFilter(result) >= 0 || k >= CpuSplitScore.lowFrom(low) && k <= CpuSplitScore.lowTo(low)) {
        return result;
      }
      long high = row[3];
      if (high != GpuVerdictMemo.NO_HIGH && k >= high >> 8) {
        return (int) high & 0xFF;
      }
      return VerdictMemo.passed(
          priority(tiered, row[4] + splitWeight * split.withCpu(demand, node, k, row[5], row[6])));
    }

    /**
     * Fills {@link #row} from the plugins: the data of a {@link GpuVerdictMemo} row. The standard plugins run in one
     * pass ({@link FusedStandardPlugins}: the same verdict, without asking the node the same questions once per plugin);
     * any other composition, or a pod of no GPU, one by one.
     */
    private void computeRow(NodeGpuState node, long gpuTag) {
      computed++;
      long[] row = this.row;
      java.util.Arrays.fill(row, 0);
      row[1] = gpuRows && memoryByFit ? MemoryFitRange.around(node, demand.memoryMiB()) : MemoryFitRange.ALL;
      row[2] = CpuSplitScore.lowRange(Integer.MIN_VALUE, Integer.MAX_VALUE);
      row[3] = GpuVerdictMemo.NO_HIGH;
      long[] part = this.part;
      long rank;
      FusedStandardPlugins fused = fusedStandardPlugins();
      if (split != null && fused.applies() && FusedStandardPlugins.serves(demand)) {
        rank = fused.row(demand, node, tiered, true, part, productVerdicts(fused));
        if (rank < 0) {
          row[0] = gpuTag | VerdictMemo.failed((int) (-1 - rank));
          return;
        }
      } else {
        int f = firstFailing(demand, node);
        if (f >= 0) {
          row[0] = gpuTag | VerdictMemo.failed(f);
          return;
        }
        rank = gpuRank(node);
        if (split == null) {
          row[0] = gpuTag | VerdictMemo.passed(priority(tiered, rank));
          return;
        }
        split.gpuPart(demand, node, part, 0);
      }
      long scores = part[3];
      row[0] = gpuTag | VerdictMemo.passed(priority(tiered, rank + splitWeight * CpuSplitScore.lowScore(scores)));
      row[2] = part[2];
      if (CpuSplitScore.hasHigh(scores)) {
        row[3] = CpuSplitScore.highFrom(scores) << 8
            | VerdictMemo.passed(priority(tiered, rank + splitWeight * CpuSplitScore.highScore(scores)));
      }
      row[4] = rank;
      row[5] = part[0];
      row[6] = part[1];
    }

    /** {@link #rank} without the split score: the others' weighted sum, plus the top tier's bonus. */
    private long gpuRank(NodeGpuState node) {
      long sum = 0;
      boolean topTier = false;
      for (int s = 0; s < scorers.length; s++) {
        if (s == splitScorer) {
          continue;
        }
        int score = scorers[s].score(demand, node);
        if (tiered && scorers[s] instanceof TopologyScore) {
          topTier = TopologyScore.topTier(score);
        }
        sum += (long) weights[s] * score;
      }
      return topTier ? TOP_TIER_RANK + sum : sum;
    }

    /** The pod's memory range on the node: the GPU-side row's when it holds it (it usually does), else computed. */
    private long memoryRange(NodeGpuState node, int row, long gpuTag) {
      long range = gpuMemo.memoryRange(row, gpuTag, demand.memoryMiB());
      return range != MemoryFitRange.NONE ? range : MemoryFitRange.around(node, demand.memoryMiB());
    }

    /**
     * Why filter {@code f} rejects the node: memoised beside the verdict for this full shape, and beside the GPU-side
     * row (for the pods that share it) when the call has rows.
     */
    String reason(int f, NodeGpuState node, int position, int stamp) {
      FailureReasons full = memo.reasons();
      int slot = VerdictMemo.slot(position, shapeId);
      long tag = VerdictMemo.tag(stamp, shapeId);
      String reason = full.get(slot, tag, 0, 0); // the full shape holds the memory request
      if (reason != null) {
        return reason;
      }
      if (!gpuSide() || !gpuRows) {
        reason = filters[f].filter(demand, node);
        full.put(slot, tag, 0, FailureReasons.ANY, reason);
        return reason;
      }
      // a GPU shape may leave out the memory request: then a reason serves its memory range, or only the request it quotes
      FailureReasons store = gpuMemo.reasons();
      int row = gpuMemo.row(position, gpuShapeId);
      long gpuTag = VerdictMemo.tag(stamp, gpuShapeId);
      long memory = demand.memoryMiB();
      long range = memoryByFit ? memoryRange(node, row, gpuTag) : 0;
      reason = store.get(row, gpuTag, range, memory);
      if (reason == null) {
        reason = filters[f].filter(demand, node);
        boolean quotes = memoryByFit && filters[f].reasonQuotesMemory(demand, node);
        store.put(row, gpuTag, range, quotes ? memory : FailureReasons.ANY, reason);
        full.put(slot, tag, 0, FailureReasons.ANY, reason);
      }
      return reason;
    }
  }

  private int[] inputsVersions() {
    int[] versions = new int[scorers.length];
    for (int s = 0; s < scorers.length; s++) {
      versions[s] = scorers[s].inputsVersion();
    }
    return versions;
  }

  /** The memo for this snapshot's layout, the scorers' current inputs and the shapes' epoch: the last one, or a new one. */
  private VerdictMemo memoFor(ClusterSnapshot snapshot, int[] versions, int shapeEpoch) {
    VerdictMemo m = memo;
    if (!m.serves(snapshot.index(), versions, shapeEpoch)) {
      m = new VerdictMemo(snapshot.index(), snapshot.nodes().length, versions, shapeEpoch);
      memo = m;
    }
    return m;
  }

  /** The GPU-side memo for this layout, inputs and GPU shapes' epoch: the last one, or a new one. */
  private GpuVerdictMemo gpuMemoFor(ClusterSnapshot snapshot, int[] versions, int shapeEpoch) {
    GpuVerdictMemo m = gpuMemo;
    if (m == null || !m.serves(snapshot.index(), versions, shapeEpoch)) {
      m = new GpuVerdictMemo(snapshot.index(), snapshot.nodes().length, versions, shapeEpoch);
      gpuMemo = m;
    }
    return m;
  }

  /**
   * Added to {@link #rank} for a node in the top tier of a {@link TopologyScore#tiered} pod. Above every weighted sum
   * (plugins score 0..100, so a sum is at most 100 x the weights' sum, far below 2^48 for int weights).
   */
  static final long TOP_TIER_RANK = 1L << 48;

  /**
   * How the server ranks a feasible node for the pod, at full resolution: the plugins' weighted sum, plus
   * {@link #TOP_TIER_RANK} when the pod is {@link TopologyScore#tiered} and the node can give it a fully
   * NVLink-connected set. Higher is better; {@link #score} is this rank rounded onto the protocol's 0..10, so it never
   * orders two nodes the other way (simulators rank with this, kube-scheduler sees only the rounded score).
   */
  public long rank(PodDemand demand, NodeGpuState node) {
    long sum = 0;
    boolean tiered = TopologyScore.tiered(demand);
    boolean topTier = false;
    for (int s = 0; s < scorers.length; s++) {
      int score = scorers[s].score(demand, node);
      if (tiered && scorers[s] instanceof TopologyScore) {
        topTier = TopologyScore.topTier(score);
      }
      sum += (long) weights[s] * score;
    }
    return topTier ? TOP_TIER_RANK + sum : sum;
  }

  /** Weighted score of one feasible node on the protocol's 0..10 scale: its {@link #rank}, rounded. */
  public int score(PodDemand demand, NodeGpuState node) {
    return priority(TopologyScore.tiered(demand), rank(demand, node));
  }

  /**
   * A {@link #rank} on the protocol's 0..10: the weighted mean {@code s} (0..100) as {@code round(10 s / 100)}; for a
   * tiered pod {@code 6 + round(4 s / 100)} in the top tier, {@code round(5 s / 100)} below it.
   */
  private int priority(boolean tiered, long rank) {
    boolean topTier = rank >= TOP_TIER_RANK;
    long hundred = (topTier ? rank - TOP_TIER_RANK : rank) / weightSum;
    if (!tiered) {
      return (int) Math.max(0, Math.min(MAX_EXTENDER_PRIORITY, (hundred * MAX_EXTENDER_PRIORITY + 50) / 100));
    }
    int tier = topTier ? 6 + (int) ((hundred * 4 + 50) / 100) : (int) ((hundred * 5 + 50) / 100);
    return Math.max(0, Math.min(MAX_EXTENDER_PRIORITY, tier));
  }
}
