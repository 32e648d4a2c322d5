package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.NodeGpuState;
import java.util.List;
import java.util.Map;

/**
 * The filters and weighted scores in their order, and how they make one node's verdict, as kube-scheduler's framework
 * composes its own: every filter must pass (the first that fails is the verdict); scores combine as a weighted mean
 * {@code s} (0..100) mapped onto the extender protocol's 0..10 as {@code round(10 s / 100)}. A score may split a pod's
 * nodes into two tiers ({@link ScorePlugin#tiers}: a multi-GPU pod under {@code prefer-nvlink}); then nodes in the top
 * tier score {@code 6 + round(4 s / 100)} (6..10), all others {@code round(5 s / 100)} (0..5).
 *
 * <p>As a {@link VerdictSource} it runs the plugins for every verdict asked: the plain pipeline, which a memo wraps.
 */
public final class Plugins implements VerdictSource {
  /** kube-scheduler's {@code MaxExtenderPriority}. */
  public static final int MAX_PRIORITY = 10;
  /**
   * Added to a {@link #rank} in the top tier. Above every weighted sum (plugins score 0..100, so a sum is at most 100 x
   * the weights' sum, far below 2^48 for int weights).
   */
  static final long TOP_TIER_RANK = 1L << 48;

  private final FilterPlugin[] filters;
  private final ScorePlugin[] scorers;
  private final int[] weights;
  private final long weightSum;
  /** Per scorer: whether it reads the pod's CPU request (then {@link #verdictByCpu} asks its ranges). */
  private final boolean[] scoreReadsCpu;

  /**
   * @param filters in order, at most {@link Verdict#MAX_FILTERS}
   * @param scorers with their weights (not negative), in order, at most 32
   */
  public Plugins(List<FilterPlugin> filters, Map<ScorePlugin, Integer> scorers) {
    if (filters.size() > Verdict.MAX_FILTERS) {
      throw new IllegalArgumentException("a pipeline holds at most " + Verdict.MAX_FILTERS + " filters, got "
          + filters.size());
    }
    if (scorers.size() > 32) {
      throw new IllegalArgumentException("a pipeline holds at most 32 scores, got " + scorers.size());
    }
    this.filters = filters.toArray(new FilterPlugin[0]);
    this.scorers = scorers.keySet().toArray(new ScorePlugin[0]);
    this.weights = new int[this.scorers.length];
    this.scoreReadsCpu = new boolean[this.scorers.length];
    long sum = 0;
    for (int s = 0; s < this.scorers.length; s++) {
      weights[s] = scorers.get(this.scorers[s]);
      if (weights[s] < 0) {
        throw new IllegalArgumentException("score " + this.scorers[s].name() + " has weight " + weights[s]
            + "; weights are 0 or more");
      }
      scoreReadsCpu[s] = this.scorers[s].reads().contains(PodInput.CPU_REQUEST);
      sum += weights[s];
    }
    this.weightSum = Math.max(1, sum);
  }

  public List<String> filterNames() {
    String[] out = new String[filters.length];
    for (int f = 0; f < filters.length; f++) {
      out[f] = filters[f].name();
    }
    return List.of(out);
  }

  /** True when some filter reads {@code input} of the pod. */
  public boolean filtersRead(PodInput input) {
    for (FilterPlugin f : filters) {
      if (f.reads().contains(input)) {
        return true;
      }
    }
    return false;
  }

  /** True when some filter or score reads {@code input} of the pod. */
  public boolean anyReads(PodInput input) {
    for (ScorePlugin s : scorers) {
      if (s.reads().contains(input)) {
        return true;
      }
    }
    return filtersRead(input);
  }

  /** Each scorer's {@link ScorePlugin#inputsVersion}, in order: a verdict kept under other versions is stale. */
  public int[] inputsVersions() {
    int[] versions = new int[scorers.length];
    for (int s = 0; s < scorers.length; s++) {
      versions[s] = scorers[s].inputsVersion();
    }
    return versions;
  }

  /** The scorers that split the pod's nodes into tiers, as bits by scorer index; 0 when none does. */
  public int tiering(PodDemand demand) {
    int tiering = 0;
    for (int s = 0; s < scorers.length; s++) {
      if (scorers[s].tiers(demand)) {
        tiering |= 1 << s;
      }
    }
    return tiering;
  }

  /** Index of the first filter that rejects the node, or -1 when all pass. */
  public int firstFailing(CycleState cycle) {
    // The first filters each have a call of their own: a pipeline's plugins are fixed, so each such call meets one
    // plugin class and the JIT inlines it (one call for all would meet every class and dispatch each time).
    FilterPlugin[] fs = filters;
    int n = fs.length;
    if (n > 0 && !fs[0].passes(cycle)) {
      return 0;
    }
    if (n > 1 && !fs[1].passes(cycle)) {
      return 1;
    }
    if (n > 2 && !fs[2].passes(cycle)) {
      return 2;
    }
    for (int f = 3; f < n; f++) {
      if (!fs[f].passes(cycle)) {
        return f;
      }
    }
    return -1;
  }

  /** Why filter {@code filter}, which rejects the node, rejects it. */
  public String reason(CycleState cycle, int filter) {
    return filters[filter].reason(cycle);
  }

  /** Whether {@link #reason} quotes the pod's GPU memory request ({@link FilterPlugin#reasonQuotesMemory}). */
  public boolean reasonQuotesMemory(CycleState cycle, int filter) {
    return filters[filter].reasonQuotesMemory(cycle);
  }

  /** The node's {@link Verdict}: the first filter that fails, or the priority. */
  public int verdict(CycleState cycle, int tiering) {
    int f = firstFailing(cycle);
    return f >= 0 ? Verdict.failed(f) : passedVerdict(cycle, tiering);
  }

  /** The {@link Verdict} of a node that every filter passes: its priority. */
  public int passedVerdict(CycleState cycle, int tiering) {
    return Verdict.passed(priority(tiering, rank(cycle, tiering)));
  }

  /**
   * How the pipeline ranks a node that passed every filter, at full resolution: the weighted sum of the scores, plus
   * {@link #TOP_TIER_RANK} when a scorer that tiers the pod ({@code tiering}) puts the node in its top tier. Higher is
   * better; the priority is this rank rounded onto 0..10, so it never orders two nodes the other way.
   */
  public long rank(CycleState cycle, int tiering) {
    ScorePlugin[] ss = scorers;
    int n = ss.length;
    // the first scores each with a call of their own, as in firstFailing
    long sum = (n > 0 ? (long) weights[0] * ss[0].score(cycle) : 0)
        + (n > 1 ? (long) weights[1] * ss[1].score(cycle) : 0)
        + (n > 2 ? (long) weights[2] * ss[2].score(cycle) : 0)
        + (n > 3 ? (long) weights[3] * ss[3].score(cycle) : 0);
    for (int s = 4; s < n; s++) {
      sum += (long) weights[s] * ss[s].score(cycle);
    }
    boolean topTier = false;
    for (int s = 0; tiering >>> s != 0; s++) {
      if ((tiering >>> s & 1) != 0 && ss[s].topTier(cycle)) {
        topTier = true;
      }
    }
    return topTier ? TOP_TIER_RANK + sum : sum;
  }

  /** A {@link #rank} on the protocol's 0..10 (the class comment says how). */
  public int priority(int tiering, long rank) {
    boolean topTier = rank >= TOP_TIER_RANK;
    long hundred = (topTier ? rank - TOP_TIER_RANK : rank) / weightSum;
    if (tiering == 0) {
      return (int) Math.max(0, Math.min(MAX_PRIORITY, (hundred * MAX_PRIORITY + 50) / 100));
    }
    int tier = topTier ? 6 + (int) ((hundred * 4 + 50) / 100) : (int) ((hundred * 5 + 50) / 100);
    return Math.max(0, Math.min(MAX_PRIORITY, tier));
  }

  /**
   * The node's {@link Verdict} as a function of the pod's CPU request, computed without it: flat for every request when
   * a filter rejects the node or no score reads CPU; else the verdicts over the stretches where every CPU-reading score
   * is flat ({@link ScorePlugin#cpuRanges}). For pods whose filters read no CPU; {@link #verdict} gives the rest.
   */
  public CpuRanges verdictByCpu(CycleState cycle, int tiering) {
    int f = firstFailing(cycle);
    if (f >= 0) {
      return CpuRanges.flat(Verdict.failed(f));
    }
    long others = 0;
    long low = 0;
    long high = 0;
    long lowTo = Long.MAX_VALUE;
    long highFrom = 0;
    boolean topTier = false;
    for (int s = 0; s < scorers.length; s++) {
      if (scoreReadsCpu[s]) {
        CpuRanges r = scorers[s].cpuRanges(cycle);
        lowTo = Math.min(lowTo, r.lowTo());
        highFrom = Math.max(highFrom, r.highFrom());
        low += (long) weights[s] * r.low();
        high += (long) weights[s] * r.high();
      } else {
        others += (long) weights[s] * scorers[s].score(cycle);
      }
      if ((tiering >>> s & 1) != 0 && scorers[s].topTier(cycle)) {
        topTier = true;
      }
    }
    long base = topTier ? TOP_TIER_RANK + others : others;
    return new CpuRanges(lowTo, priority(tiering, base + low), highFrom, priority(tiering, base + high));
  }

  @Override
  public Call open(PodDemand demand, ClusterSnapshot snapshot) {
    return new Call(this, demand, snapshot, tiering(demand));
  }

  /** One call of the plain pipeline: every verdict from the plugins, through one cycle moved from node to node. */
  public static final class Call implements VerdictSource.Call {
    private final Plugins plugins;
    private final PodDemand demand;
    private final ClusterSnapshot snapshot;
    private final int tiering;
    /** Made at the first need: a call the memo answers whole needs none. */
    private CycleState cycle;
    private int computed;

    private Call(Plugins plugins, PodDemand demand, ClusterSnapshot snapshot, int tiering) {
      this.plugins = plugins;
      this.demand = demand;
      this.snapshot = snapshot;
      this.tiering = tiering;
    }

    /** The cycle at the node of {@code position}, kept as it is when it is there already. */
    public CycleState cycle(int position) {
      CycleState c = cycle;
      if (c == null) {
        c = new CycleState(demand);
        cycle = c;
      }
      if (c.position() != position || c.layout() != snapshot.index()) {
        c.at(snapshot.nodes()[position], snapshot.index(), position, snapshot.stamps()[position]);
      }
      return c;
    }

    public NodeGpuState node(int position) {
      return snapshot.nodes()[position];
    }

    /** {@link Plugins#reasonQuotesMemory} at the node. */
    public boolean reasonQuotesMemory(int position, int filter) {
      return plugins.reasonQuotesMemory(cycle(position), filter);
    }

    /** {@link Plugins#verdictByCpu} of the node (the plugins run). */
    public CpuRanges verdictByCpu(int position) {
      return plugins.verdictByCpu(cycle(position), tiering);
    }

    @Override
    public int known(int position) {
      return Verdict.UNKNOWN;
    }

    @Override
    public int compute(int position) {
      computed++;
      return plugins.verdict(cycle(position), tiering);
    }

    /**
     * The verdict of a node known to pass every filter (a memo row of the pod's GPU demand says so, and filters do not
     * read what the row leaves out): the scores run, the filters not again.
     */
    public int computePassed(int position) {
      computed++;
      return plugins.passedVerdict(cycle(position), tiering);
    }

    @Override
    public String reason(int position, int filter) {
      return plugins.reason(cycle(position), filter);
    }

    @Override
    public boolean nothingKnown() {
      return true;
    }

    @Override
    public Call fork() {
      return new Call(plugins, demand, snapshot, tiering);
    }

    @Override
    public int computed() {
      return computed;
    }

    @Override
    public int fromRows() {
      return 0;
    }
  }
}
