package dev.gpusched.extender.decide;

import dev.gpusched.extender.decide.CandidatePositions.LastFilter;
import dev.gpusched.extender.decide.memo.MemoizedVerdicts;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.NodeGpuState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Filter and prioritize over a call's candidate nodes: each candidate's name resolved to its node, its {@link Verdict}
 * taken from a {@link VerdictSource} (the {@link Plugins}, behind a memo in the server), and the answers in the
 * extender protocol's terms. A filter computes every verdict, scores included, so prioritize of the same pod right
 * after reads what filter kept.
 *
 * <p>Verdicts a memo holds are read on the request's thread; when a call has {@value #PARALLEL_MIN_NODES} or more
 * verdicts to compute they are shared among {@code threads} threads ({@link ParallelChunks}), as kube-scheduler
 * filters nodes in parallel, and a call of which nothing can be known (a shape never seen) shares its whole loop,
 * names included.
 */
public final class DecisionPipeline {
  /** kube-scheduler's {@code MaxExtenderPriority}. */
  public static final int MAX_EXTENDER_PRIORITY = Plugins.MAX_PRIORITY;
  public static final String UNKNOWN_NODE = "unknown_node";
  /** Verdicts to compute in one call before helpers join: about 30 µs of work, well above a helper's wake-up. */
  public static final int PARALLEL_MIN_NODES = 1_024;
  static final int CHUNK_NODES = 256;
  /** Weight of {@link FragmentationScore}: it decides among nodes of one tier; the others break its ties. */
  public static final int FRAGMENTATION_WEIGHT = 30;

  private final Plugins plugins;
  private final int filterCount;
  private final VerdictSource source;
  /** Threads that compute one call's verdicts, the caller's included. */
  private final int threads;
  private final int parallelMinNodes;
  private final int chunkNodes;
  private volatile LastFilter lastFilter;

  /** The plugins behind the verdict memo, on the machine's cores. */
  public DecisionPipeline(List<FilterPlugin> filters, Map<ScorePlugin, Integer> scorers) {
    this(filters, scorers, ParallelChunks.DEFAULT_THREADS);
  }

  /** @param threads threads that compute one call's new verdicts, the caller's included (1: the caller alone) */
  public DecisionPipeline(List<FilterPlugin> filters, Map<ScorePlugin, Integer> scorers, int threads) {
    this(filters, scorers, threads, true, PARALLEL_MIN_NODES, CHUNK_NODES);
  }

  DecisionPipeline(List<FilterPlugin> filters, Map<ScorePlugin, Integer> scorers, int threads, boolean memo,
      int parallelMinNodes, int chunkNodes) {
    ParallelChunks.checkThreads(threads);
    this.plugins = new Plugins(filters, scorers);
    this.filterCount = filters.size();
    this.source = memo ? new MemoizedVerdicts(plugins) : plugins;
    this.threads = threads;
    this.parallelMinNodes = Math.max(1, parallelMinNodes);
    this.chunkNodes = Math.max(1, chunkNodes);
  }

  /** The plugins alone, every verdict computed: what the memo must answer like (tests, tools). */
  public static DecisionPipeline withoutMemo(List<FilterPlugin> filters, Map<ScorePlugin, Integer> scorers,
      int threads) {
    return new DecisionPipeline(filters, scorers, threads, false, PARALLEL_MIN_NODES, CHUNK_NODES);
  }

  /** The default composition over a fixed profile and no CPU figures (tests, tools). */
  public static DecisionPipeline standard() {
    return standard(() -> WorkloadProfileLearner.DEFAULT, CpuView.NONE);
  }

  /** The default composition: {@link #standardFilters()} and {@link #standardScores}, on the machine's cores. */
  public static DecisionPipeline standard(Supplier<WorkloadProfile> profile, CpuView cpu) {
    return standard(profile, cpu, ParallelChunks.DEFAULT_THREADS);
  }

  /** The default composition, computing one call's new verdicts on {@code threads} threads. */
  public static DecisionPipeline standard(Supplier<WorkloadProfile> profile, CpuView cpu, int threads) {
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
  public static Map<ScorePlugin, Integer> standardScores(Supplier<WorkloadProfile> profile, CpuView cpu) {
    Map<ScorePlugin, Integer> scores = new LinkedHashMap<>();
    scores.put(new TopologyScore(), 2);
    scores.put(new PackingScore(), 1);
    scores.put(new MemoryPressureScore(), 1);
    scores.put(new FragmentationScore(profile, cpu, FragmentationScore.DEFAULT_MILLI_PER_POINT), FRAGMENTATION_WEIGHT);
    return scores;
  }

  public List<String> filterNames() {
    return plugins.filterNames();
  }

  /**
   * Where a filter call's verdicts on known nodes came from: the memo (a pod of this shape before), a memo's GPU-side
   * row (this GPU demand before), or the plugins. Operators watch it: a call that computes is the slow one.
   */
  public record VerdictSources(int memo, int gpuRows, int computed) {}

  /**
   * Result of filtering a candidate list, by candidate position: which passed, and why each other one failed (null where
   * it passed); and where the verdicts came from.
   */
  public record FilterOutcome(boolean[] passed, String[] reasons, int[] positions, int[] verdicts,
      int[] rejectionsByFilter, int unknownNodes, VerdictSources sources) {
    /** The 0..10 priority of candidate {@code i} as prioritize would answer it; 0 where it did not pass. */
    public int priority(int i) {
      return passed[i] ? Verdict.priority(verdicts[i]) : 0;
    }

    /** Candidate {@code i}'s position in the snapshot's nodes; -1 for a node gpusched does not know. */
    public int position(int i) {
      return positions[i];
    }

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

  /** Filters every candidate (and scores those that pass, for prioritize to read). */
  public FilterOutcome filter(PodDemand demand, ClusterSnapshot snapshot, List<String> candidates) {
    VerdictSource.Call call = source.open(demand, snapshot);
    int n = candidates.size();
    Answers answers = new Answers(n, filterCount);
    LastFilter last = lastFilter;
    int memoHits = 0;
    if (call.nothingKnown() && mayShare(n)) { // no verdict to read: names and verdicts shared from the start
      Forks forks = new Forks(call, parallelFor(n));
      ParallelChunks.run(forks.size(), n, chunkNodes, (worker, from, to) -> {
        VerdictSource.Call c = forks.of(worker);
        CandidatePositions names = new CandidatePositions(snapshot, last, false, from);
        for (int i = from; i < to; i++) {
          answers.compute(c, i, names.next(candidates.get(i)), true);
        }
      });
      forks.addHelperCounts(answers);
      answers.judgeAll(candidates);
    } else {
      CandidatePositions names = new CandidatePositions(snapshot, last, false, 0);
      memoHits = answers.readKnown(call, names, candidates, true, !mayShare(n));
      computeMissing(call, answers, true);
      answers.judgeMissing(call, candidates);
    }
    answers.addCounts(call);
    lastFilter = LastFilter.of(demand.uid(), snapshot, candidates, answers.positions, answers.passed);
    return new FilterOutcome(answers.passed, answers.reasons, answers.positions, answers.verdicts, answers.rejections,
        answers.unknown,
        new VerdictSources(memoHits, answers.fromRows, answers.computed));
  }

  /** Scores 0..10 per candidate; 0 for unknown nodes and nodes that fail a filter. */
  public int[] prioritize(PodDemand demand, ClusterSnapshot snapshot, List<String> candidates) {
    VerdictSource.Call call = source.open(demand, snapshot);
    int n = candidates.size();
    Answers answers = new Answers(n, -1);
    LastFilter last = lastFilter;
    boolean samePod = last != null && !demand.uid().isEmpty() && last.podUid().equals(demand.uid());
    answers.readKnown(call, new CandidatePositions(snapshot, last, samePod, 0), candidates, false, !mayShare(n));
    computeMissing(call, answers, false);
    int[] scores = answers.verdicts; // priorities, as readKnown left them, but for the missing candidates' verdicts
    for (int j = 0; j < answers.missingCount; j++) {
      int i = answers.missing[j];
      scores[i] = Verdict.priority(scores[i]);
    }
    return scores;
  }

  /**
   * Computes the verdicts of the {@link Answers#missing} candidates: on the caller alone when they are few, else shared
   * among threads, each with its own {@link VerdictSource.Call#fork}; with the reasons of the nodes that fail when
   * {@code reasons} (computed while the node is at hand).
   */
  private void computeMissing(VerdictSource.Call call, Answers answers, boolean reasons) {
    int count = answers.missingCount;
    if (count == 0) {
      return;
    }
    Forks forks = new Forks(call, count >= parallelMinNodes ? parallelFor(count) : 1);
    ParallelChunks.run(forks.size(), count, chunkNodes, (worker, from, to) -> {
      VerdictSource.Call c = forks.of(worker);
      for (int j = from; j < to; j++) {
        int i = answers.missing[j];
        answers.compute(c, i, answers.positions[i], reasons);
      }
    });
    forks.addHelperCounts(answers);
  }

  private boolean mayShare(int candidates) {
    return threads > 1 && candidates >= parallelMinNodes;
  }

  private int parallelFor(int work) {
    return Math.min(threads, (work + chunkNodes - 1) / chunkNodes);
  }

  /** Why the node cannot host the pod, or null when it can: the first filter that fails, through the plugins. */
  public String reject(PodDemand demand, NodeGpuState node) {
    CycleState cycle = CycleState.of(demand, node);
    int f = plugins.firstFailing(cycle);
    return f < 0 ? null : plugins.reason(cycle, f);
  }

  /**
   * How the pipeline ranks a feasible node for the pod, at full resolution ({@link Plugins#rank}); {@link #score} is
   * this rank rounded onto the protocol's 0..10 (simulators rank with it, kube-scheduler sees only the rounded score).
   */
  public long rank(PodDemand demand, NodeGpuState node) {
    return rank(CycleState.of(demand, node));
  }

  /** {@link #rank} of the cycle's pod on its node (a caller that moves one cycle over its nodes). */
  public long rank(CycleState cycle) {
    return plugins.rank(cycle, plugins.tiering(cycle.demand()));
  }

  /** Weighted score of one feasible node on the protocol's 0..10 scale: its {@link #rank}, rounded. */
  public int score(PodDemand demand, NodeGpuState node) {
    return score(CycleState.of(demand, node));
  }

  /** {@link #score} of the cycle's pod on its node. */
  public int score(CycleState cycle) {
    int tiering = plugins.tiering(cycle.demand());
    return plugins.priority(tiering, plugins.rank(cycle, tiering));
  }

  /** One call's answers by candidate, as they are computed and judged. */
  private static final class Answers {
    final int[] positions;
    /** The verdicts (filter: every judged one; prioritize: the priorities, but for the missing candidates'). */
    final int[] verdicts;
    /** Filter's answers; null for prioritize. */
    final boolean[] passed;
    final String[] reasons;
    final int[] rejections;
    int unknown;
    /** Candidates whose verdicts are computed after the memo pass, by index; made at the first. */
    int[] missing;
    int missingCount;
    int computed;
    int fromRows;

    /** @param filters the pipeline's filters for a filter call, -1 for prioritize */
    Answers(int n, int filters) {
      positions = new int[n];
      verdicts = new int[n];
      passed = filters < 0 ? null : new boolean[n];
      reasons = filters < 0 ? null : new String[n];
      rejections = filters < 0 ? null : new int[filters];
    }

    /**
     * Resolves every candidate and takes the verdicts that cost a read, judging them when {@code judge} (filter), else
     * keeping their priorities (0 for an unknown node) in {@link #verdicts}; the others are computed here when
     * {@code inline} (few: the node is at hand), else left {@link #missing}. Returns how many verdicts were read.
     */
    int readKnown(VerdictSource.Call call, CandidatePositions names, List<String> candidates, boolean judge,
        boolean inline) {
      int known = 0;
      for (int i = 0; i < positions.length; i++) {
        int position = names.next(candidates.get(i));
        int verdict = position < 0 ? Verdict.UNKNOWN : call.known(position);
        if (position >= 0 && verdict == Verdict.UNKNOWN) {
          if (!inline) {
            positions[i] = position;
            if (missing == null) {
              missing = new int[positions.length - i];
            }
            missing[missingCount++] = i;
            continue;
          }
          verdict = call.compute(position);
        } else {
          known += position >= 0 ? 1 : 0;
        }
        if (judge) {
          judge(call, i, position, verdict, candidates);
        } else {
          verdicts[i] = position < 0 ? 0 : Verdict.priority(verdict);
        }
      }
      return known;
    }

    /** Candidate {@code i}'s verdict computed on a thread's call, and why it fails when it does and {@code reasons}. */
    void compute(VerdictSource.Call c, int i, int position, boolean reasons) {
      positions[i] = position;
      if (position < 0) {
        verdicts[i] = Verdict.UNKNOWN;
        return;
      }
      int verdict = c.compute(position);
      verdicts[i] = verdict;
      int f = Verdict.failedFilter(verdict);
      if (reasons && f >= 0) {
        this.reasons[i] = c.reason(position, f);
      }
    }

    /** Records candidate {@code i}'s verdict: passed, unknown, or counted against its filter with its reason. */
    void judge(VerdictSource.Call call, int i, int position, int verdict, List<String> candidates) {
      positions[i] = position;
      verdicts[i] = verdict;
      if (position < 0) {
        reasons[i] = "gpusched does not know node " + candidates.get(i) + " (not in its node cache yet)";
        unknown++;
        return;
      }
      int f = Verdict.failedFilter(verdict);
      if (f < 0) {
        passed[i] = true;
        return;
      }
      rejections[f]++;
      if (reasons[i] == null) {
        reasons[i] = call.reason(position, f);
      }
    }

    void addCounts(VerdictSource.Call call) {
      computed += call.computed();
      fromRows += call.fromRows();
    }

    void judgeMissing(VerdictSource.Call call, List<String> candidates) {
      for (int j = 0; j < missingCount; j++) {
        int i = missing[j];
        judge(call, i, positions[i], verdicts[i], candidates);
      }
    }

    void judgeAll(List<String> candidates) {
      for (int i = 0; i < positions.length; i++) {
        judge(null, i, positions[i], verdicts[i], candidates);
      }
    }
  }

  /**
   * One call's {@link VerdictSource.Call} per thread of a run: the call on the caller, and a fork per helper made on the
   * caller before the run starts ({@link VerdictSource.Call#fork} reads the caller's call, which a helper must not do
   * while the caller computes on it).
   */
  private static final class Forks {
    private final VerdictSource.Call[] calls;

    Forks(VerdictSource.Call call, int threads) {
      calls = new VerdictSource.Call[threads];
      calls[0] = call;
      for (int w = 1; w < threads; w++) {
        calls[w] = call.fork();
      }
    }

    int size() {
      return calls.length;
    }

    VerdictSource.Call of(int worker) {
      return calls[worker];
    }

    /** Adds the helpers' counts to the answers, once the run is over (the caller's call adds its own). */
    void addHelperCounts(Answers answers) {
      for (int w = 1; w < calls.length; w++) {
        answers.addCounts(calls[w]);
      }
    }
  }
}
