package dev.gpusched.extender.decide.memo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.decide.CpuView;
import dev.gpusched.extender.decide.CycleState;
import dev.gpusched.extender.decide.DecisionPipeline;
import dev.gpusched.extender.decide.Demands;
import dev.gpusched.extender.decide.FilterPlugin;
import dev.gpusched.extender.decide.LedgerCpuView;
import dev.gpusched.extender.decide.PodInput;
import dev.gpusched.extender.decide.ScorePlugin;
import dev.gpusched.extender.decide.WorkloadProfile;
import dev.gpusched.extender.decide.WorkloadProfileLearner;
import dev.gpusched.extender.model.Placement;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.ClusterState;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.extender.state.NodeInfo;
import dev.gpusched.extender.state.PodRecord;
import dev.gpusched.topology.IntraNodePolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link MemoizedVerdicts} keeps verdicts per node state and demand shape, and per GPU demand for pods that differ only
 * in CPU or in a GPU memory request that fits the node's GPUs alike: it must answer exactly what the plain pipeline
 * answers, reasons included, through binds, releases, nodes coming and going, and profile changes, and it must really
 * skip the work for nodes that did not change.
 */
class MemoizedVerdictsTest {
  private static final String[][] PRODUCTS = {
      {"NVIDIA-H100-80GB-HBM3", "8", "81559"}, {"NVIDIA-L40S", "4", "46068"}, {"NVIDIA-A100-SXM4-40GB", "8", "40960"},
      {"Tesla-T4", "2", "15360"}};

  private final ClusterState state = new ClusterState();
  private final Random random = new Random(20261128);
  private final Map<String, PodRecord> bound = new LinkedHashMap<>();
  private int podSeq;

  @AfterEach
  void close() {
    state.close();
  }

  private static PodDemand demand(int gpus, int milli, long memoryMiB, IntraNodePolicy intra, Placement placement,
      List<String> models) {
    return new PodDemand("ns", "p", "uid-p", gpus, milli, memoryMiB, intra, placement, models, 2000);
  }

  private static final List<PodDemand> DEMANDS = List.of(
      demand(1, 0, 0, IntraNodePolicy.PREFER_NVLINK, Placement.BINPACK, List.of()),
      demand(2, 0, 0, IntraNodePolicy.PREFER_NVLINK, Placement.BINPACK, List.of()),
      demand(4, 0, 0, IntraNodePolicy.NVLINK, Placement.BINPACK, List.of()),
      demand(0, 250, 10_240, IntraNodePolicy.PREFER_NVLINK, Placement.BINPACK, List.of()),
      demand(1, 0, 40_000, IntraNodePolicy.PREFER_NVLINK, Placement.SPREAD, List.of()),
      demand(2, 0, 0, IntraNodePolicy.PREFER_NVLINK, Placement.BINPACK, List.of("h100")),
      // each differs from one above in one thing only: memory, interconnect, memory of a share
      demand(1, 0, 40_000, IntraNodePolicy.PREFER_NVLINK, Placement.BINPACK, List.of()),
      demand(2, 0, 0, IntraNodePolicy.NVLINK, Placement.BINPACK, List.of()),
      demand(0, 250, 0, IntraNodePolicy.PREFER_NVLINK, Placement.BINPACK, List.of()));

  private static PodDemand withMemory(PodDemand d, long memoryMiB) {
    return Demands.withMemory(d, memoryMiB);
  }

  /**
   * A GPU memory request for the walk: none, or at the edges where a random node's GPUs stop or start fitting it (a GPU's
   * free MiB, one either side), or random.
   */
  private long memoryRequest(ClusterSnapshot snapshot) {
    NodeGpuState some = snapshot.nodes()[random.nextInt(snapshot.nodes().length)];
    long free = some.freeMemoryMiB(random.nextInt(some.gpuCount()));
    long[] edges = {0, 1, free - 1, free, free + 1, random.nextInt(90_000)};
    return Math.max(0, edges[random.nextInt(edges.length)]);
  }

  private static PodDemand withCpu(PodDemand d, long cpuMilli) {
    return Demands.withCpu(d, cpuMilli);
  }

  /**
   * A CPU request for the walk: none, one, random, or at the edges where a random node's CPU left after the pod
   * stops feeding its free GPUs (the fragmentation score's flat ranges end there).
   */
  private long cpuRequest(ClusterSnapshot snapshot) {
    NodeGpuState some = snapshot.nodes()[random.nextInt(snapshot.nodes().length)];
    long left = some.info().cpuAllocatableMilli() - some.cpuRequestedMilli();
    double perGpuMilli = WorkloadProfileLearner.DEFAULT.cpuMilliPerGpuMilli();
    long feedsFree = left - (long) Math.ceil(Long.bitCount(some.freeWholeMask()) * 1000 * perGpuMilli);
    long[] edges = {0, 1, 2_000, random.nextInt(100_000), left - 1, left, left + 1, feedsFree - 1000 + 1, feedsFree - 1,
        feedsFree, feedsFree + 1, feedsFree + 999};
    return Math.max(0, edges[random.nextInt(edges.length)]);
  }

  private static NodeInfo node(String name) {
    String[] p = PRODUCTS[Math.abs(name.hashCode()) % PRODUCTS.length];
    return NodeInfo.withTopology(name, Integer.parseInt(p[1]), p[0], Long.parseLong(p[2]), Map.of(), Map.of(), false, null)
        .withCpuAllocatable(64_000);
  }

  private ClusterSnapshot change(java.util.function.Consumer<dev.gpusched.extender.state.Ledger> c) throws Exception {
    state.apply(ledger -> {
      c.accept(ledger);
      return null;
    }).get(30, TimeUnit.SECONDS);
    return state.snapshot();
  }

  private ClusterSnapshot cluster(int nodes) throws Exception {
    state.submit(ledger -> {
      for (int i = 0; i < nodes; i++) {
        ledger.upsertNode(node("node-" + i));
      }
    });
    state.markSynced();
    return change(ledger -> {});
  }

  /** Binds a random pod (whole GPUs or a share) onto free GPUs of a random node, through the ledger. */
  private ClusterSnapshot bindRandom(ClusterSnapshot snapshot) throws Exception {
    NodeGpuState node = snapshot.nodes()[random.nextInt(snapshot.nodes().length)];
    long free = node.freeWholeMask();
    if (free == 0) {
      return snapshot;
    }
    String name = "pod-" + podSeq++;
    boolean shared = random.nextInt(3) == 0;
    List<Integer> ids = new ArrayList<>();
    int gpus = shared ? 0 : 1 + random.nextInt(Math.min(2, Long.bitCount(free)));
    for (long m = free; m != 0 && ids.size() < Math.max(1, gpus); m &= m - 1) {
      ids.add(Long.numberOfTrailingZeros(m));
    }
    PodRecord pod = new PodRecord("uid-" + name, "ns", name, node.name(), gpus, shared ? 300 : 0, shared ? 8_000 : 0,
        ids, false, "2026-11-28T00:00:00Z", null, 4_000);
    bound.put(pod.uid(), pod);
    return change(ledger -> ledger.upsertPod(pod));
  }

  private ClusterSnapshot releaseRandom(ClusterSnapshot snapshot) throws Exception {
    if (bound.isEmpty()) {
      return snapshot;
    }
    String uid = new ArrayList<>(bound.keySet()).get(random.nextInt(bound.size()));
    bound.remove(uid);
    return change(ledger -> ledger.removePod(uid));
  }

  /** The memo's answers against the plain pipeline's (every verdict from the plugins). */
  private static void assertSameAnswers(DecisionPipeline memoised, DecisionPipeline plain, PodDemand d,
      ClusterSnapshot snapshot, List<String> candidates) {
    DecisionPipeline.FilterOutcome got = memoised.filter(d, snapshot, candidates);
    DecisionPipeline.FilterOutcome want = plain.filter(d, snapshot, candidates);
    assertThat(got.passed()).as("passed, %s", d).isEqualTo(want.passed());
    assertThat(got.reasons()).as("reasons, %s", d).isEqualTo(want.reasons());
    assertThat(got.rejectionsByFilter()).isEqualTo(want.rejectionsByFilter());
    assertThat(got.unknownNodes()).isEqualTo(want.unknownNodes());
    assertThat(memoised.prioritize(d, snapshot, candidates)).as("scores, %s", d)
        .isEqualTo(plain.prioritize(d, snapshot, candidates));
  }

  /** Each answer against the plugins called node by node, by name: no memo, no name tricks. */
  private static void assertAnswersNodeByNode(DecisionPipeline pipeline, PodDemand d, ClusterSnapshot snapshot,
      List<String> candidates, Random random) {
    DecisionPipeline.FilterOutcome got = pipeline.filter(d, snapshot, candidates);
    List<String> survivors = new ArrayList<>();
    for (int i = 0; i < candidates.size(); i++) {
      NodeGpuState node = snapshot.node(candidates.get(i));
      boolean passes = node != null && pipeline.reject(d, node) == null;
      assertThat(got.passed()[i]).as("%s on %s", d, candidates.get(i)).isEqualTo(passes);
      if (passes && random.nextInt(10) > 0) {
        survivors.add(candidates.get(i)); // kube-scheduler may drop some (another extender), never reorder
      }
    }
    int[] scores = pipeline.prioritize(d, snapshot, survivors);
    for (int i = 0; i < survivors.size(); i++) {
      assertThat(scores[i]).as("score of %s on %s", d, survivors.get(i))
          .isEqualTo(pipeline.score(d, snapshot.node(survivors.get(i))));
    }
  }

  /** Every candidate's verdict, reason and score against {@code reject} and {@code score}, node by node. */
  private static DecisionPipeline.FilterOutcome assertEveryAnswerAsThePluginsGiveIt(DecisionPipeline pipeline,
      PodDemand d, ClusterSnapshot snapshot, List<String> candidates) {
    DecisionPipeline.FilterOutcome got = pipeline.filter(d, snapshot, candidates);
    int[] scores = pipeline.prioritize(d, snapshot, candidates);
    for (int i = 0; i < candidates.size(); i++) {
      NodeGpuState node = snapshot.node(candidates.get(i));
      String reason = node == null ? null : pipeline.reject(d, node);
      boolean passes = node != null && reason == null;
      assertThat(got.passed()[i]).as("%s on %s", d, candidates.get(i)).isEqualTo(passes);
      if (node != null) {
        assertThat(got.reasons()[i]).as("reason, %s on %s", d, candidates.get(i)).isEqualTo(reason);
      }
      assertThat(scores[i]).as("score of %s on %s", d, candidates.get(i))
          .isEqualTo(passes ? pipeline.score(d, node) : 0);
    }
    return got;
  }

  @Test
  void answersExactlyAsThePlainPipelineThroughChangesOfEveryKind() throws Exception {
    ClusterSnapshot snapshot = cluster(60);
    AtomicReference<WorkloadProfile> profile = new AtomicReference<>(WorkloadProfileLearner.DEFAULT);
    DecisionPipeline memoised = DecisionPipeline.standard(profile::get, new LedgerCpuView());
    DecisionPipeline plain = DecisionPipeline.withoutMemo(DecisionPipeline.standardFilters(),
        DecisionPipeline.standardScores(profile::get, new LedgerCpuView()), 1);
    int extraNodes = 0;
    int fromRows = 0;
    for (int step = 0; step < 400; step++) {
      int action = random.nextInt(10);
      if (action < 5) {
        snapshot = bindRandom(snapshot);
      } else if (action < 8) {
        snapshot = releaseRandom(snapshot);
      } else if (action == 8) {
        String added = "extra-" + extraNodes++;
        snapshot = change(ledger -> ledger.upsertNode(node(added)));
      } else {
        profile.set(WorkloadProfile.builder().add(1, 1000, 2000, 1 + random.nextInt(5))
            .add(1, 250 + 50 * random.nextInt(10), 1000, 1 + random.nextInt(5)).add(4, 1000, 8000, 1).build());
      }
      List<String> candidates = new ArrayList<>();
      for (NodeGpuState n : snapshot.nodes()) {
        candidates.add(n.name());
      }
      candidates.add("not-a-node");
      // Each demand twice in a row: the second answer comes from the memo where nothing changed.
      for (int k = 0; k < 2; k++) {
        PodDemand d = DEMANDS.get(random.nextInt(DEMANDS.size()));
        assertSameAnswers(memoised, plain, d, snapshot, candidates);
        assertSameAnswers(memoised, plain, d, snapshot, candidates);
      }
      // Names as new strings, sometimes in a new order, sometimes a part of the list; survivors subsequences of them.
      List<String> sent = new ArrayList<>();
      for (String c : candidates) {
        sent.add(new String(c.toCharArray()));
      }
      if (random.nextBoolean()) {
        java.util.Collections.shuffle(sent, random);
      }
      if (random.nextInt(3) == 0) {
        sent = new ArrayList<>(sent.subList(random.nextInt(sent.size() / 2), sent.size()));
      }
      assertAnswersNodeByNode(memoised, DEMANDS.get(random.nextInt(DEMANDS.size())), snapshot, sent, random);
      // Pods that differ only in CPU: verdicts from the GPU rows' flat stretches or computed between them.
      for (int k = 0; k < 3; k++) {
        PodDemand d = withCpu(DEMANDS.get(random.nextInt(DEMANDS.size())), cpuRequest(snapshot));
        fromRows += assertEveryAnswerAsThePluginsGiveIt(memoised, d, snapshot, candidates).sources().gpuRows();
        assertSameAnswers(memoised, plain, d, snapshot, candidates);
      }
      // The first pod of a GPU demand (no row kept), against the plugins.
      assertEveryAnswerAsThePluginsGiveIt(DecisionPipeline.standard(profile::get, new LedgerCpuView()),
          withCpu(DEMANDS.get(random.nextInt(DEMANDS.size())), cpuRequest(snapshot)), snapshot, candidates);
      // Pods that differ only in GPU memory (and CPU): verdicts kept per range of requests that fit alike.
      for (int k = 0; k < 3; k++) {
        PodDemand d = withMemory(DEMANDS.get(random.nextInt(DEMANDS.size())), memoryRequest(snapshot));
        d = random.nextBoolean() ? d : withCpu(d, cpuRequest(snapshot));
        fromRows += assertEveryAnswerAsThePluginsGiveIt(memoised, d, snapshot, candidates).sources().gpuRows();
        assertSameAnswers(memoised, plain, d, snapshot, candidates);
      }
    }
    assertThat(bound).as("the walk bound pods").isNotEmpty();
    assertThat(fromRows).as("verdicts the GPU rows gave pods of a new CPU or memory request").isGreaterThan(10_000);
  }

  /** A score plugin that counts how often it is asked. */
  private static final class CountingScore implements ScorePlugin {
    final AtomicInteger calls = new AtomicInteger();
    volatile int version;

    @Override
    public String name() {
      return "counting";
    }

    @Override
    public Set<PodInput> reads() {
      return Set.of(PodInput.GPU_REQUEST);
    }

    @Override
    public int score(CycleState cycle) {
      calls.incrementAndGet();
      return 50;
    }

    @Override
    public int inputsVersion() {
      return version;
    }
  }

  @Test
  void recomputesOnlyNodesThatChangedShapesNotSeenAndNewInputs() throws Exception {
    ClusterSnapshot snapshot = cluster(20);
    CountingScore counting = new CountingScore();
    DecisionPipeline pipeline = new DecisionPipeline(DecisionPipeline.standardFilters(), Map.of(counting, 1));
    List<String> all = new ArrayList<>();
    for (NodeGpuState n : snapshot.nodes()) {
      all.add(n.name());
    }
    PodDemand one = DEMANDS.get(0);
    boolean[] passed = pipeline.filter(one, snapshot, all).passed();
    int feasible = 0;
    for (boolean p : passed) {
      feasible += p ? 1 : 0;
    }
    assertThat(counting.calls.get()).as("filter scores each feasible node once").isEqualTo(feasible).isEqualTo(20);
    pipeline.prioritize(one, snapshot, all);
    pipeline.filter(one, snapshot, all);
    assertThat(counting.calls.get()).as("nothing changed: all from the memo").isEqualTo(20);

    // A replica: another pod of the same shape.
    PodDemand replica = new PodDemand("ns", "q", "uid-q", 1, 0, 0, IntraNodePolicy.PREFER_NVLINK, Placement.BINPACK,
        List.of(), 2000);
    pipeline.prioritize(replica, snapshot, all);
    assertThat(counting.calls.get()).isEqualTo(20);

    snapshot = bindRandom(snapshot);
    pipeline.prioritize(one, snapshot, all);
    assertThat(counting.calls.get()).as("one node changed").isEqualTo(21);

    pipeline.prioritize(DEMANDS.get(1), snapshot, all);
    assertThat(counting.calls.get()).as("a new shape: every feasible node").isGreaterThan(21 + 10);

    int before = counting.calls.get();
    counting.version++;
    pipeline.prioritize(one, snapshot, all);
    assertThat(counting.calls.get() - before).as("new scorer inputs: every node again").isEqualTo(20);
  }

  /** The standard filters, each counting how often it is asked; {@code readsCpu} says what they declare. */
  private static List<FilterPlugin> countingFilters(AtomicInteger calls, boolean readsCpu) {
    return countingFilters(calls, readsCpu, true);
  }

  /** ... and {@code readsMemory} whether they read the GPU memory request beyond fit. */
  private static List<FilterPlugin> countingFilters(AtomicInteger calls, boolean readsCpu, boolean readsMemory) {
    List<FilterPlugin> out = new ArrayList<>();
    for (FilterPlugin f : DecisionPipeline.standardFilters()) {
      out.add(new FilterPlugin() {
        @Override
        public String name() {
          return f.name();
        }

        @Override
        public Set<PodInput> reads() {
          Set<PodInput> reads = new java.util.HashSet<>(f.reads());
          if (readsCpu) {
            reads.add(PodInput.CPU_REQUEST);
          }
          if (readsMemory) {
            reads.add(PodInput.GPU_MEMORY);
          }
          return reads;
        }

        @Override
        public boolean passes(CycleState cycle) {
          calls.incrementAndGet();
          return f.passes(cycle);
        }

        @Override
        public String reason(CycleState cycle) {
          return f.reason(cycle);
        }
      });
    }
    return out;
  }

  @Test
  void podsThatDifferOnlyInCpuShareTheGpuSideOfEveryVerdict() throws Exception {
    ClusterSnapshot snapshot = cluster(20);
    List<String> all = new ArrayList<>();
    for (NodeGpuState n : snapshot.nodes()) {
      all.add(n.name());
    }
    AtomicInteger calls = new AtomicInteger();
    DecisionPipeline pipeline = new DecisionPipeline(countingFilters(calls, false),
        DecisionPipeline.standardScores(() -> WorkloadProfileLearner.DEFAULT, new LedgerCpuView()));
    PodDemand one = DEMANDS.get(0);
    pipeline.filter(one, snapshot, all);
    int first = calls.get();
    assertThat(first).as("a new GPU demand asks the filters").isGreaterThanOrEqualTo(20);
    pipeline.filter(withCpu(one, 3), snapshot, all);
    assertThat(calls.get() - first).as("its second pod, of a new CPU request: the GPU side is computed now")
        .isGreaterThanOrEqualTo(20);
    int second = calls.get();
    pipeline.filter(withCpu(one, 4), snapshot, all);
    assertThat(calls.get()).as("the third: the GPU side is remembered").isEqualTo(second);
    for (long cpu : new long[] {0, 1, 63_999, 64_000, 500_000}) {
      PodDemand d = withCpu(one, cpu);
      pipeline.filter(d, snapshot, all);
      pipeline.prioritize(d, snapshot, all);
      assertEveryAnswerAsThePluginsGiveIt(pipeline, d, snapshot, all);
    }
    int afterCpuOnly = calls.get();
    // reject and score (the oracle above) ask the filters directly: 20 nodes x at most 3 filters per check
    PodDemand moreMemory = DEMANDS.get(6);
    assertThat(moreMemory.gpus()).isEqualTo(one.gpus());
    int before = calls.get();
    pipeline.filter(moreMemory, snapshot, all);
    assertThat(calls.get() - before).as("other GPU memory: a new GPU demand").isGreaterThanOrEqualTo(20);

    before = calls.get();
    pipeline.filter(withCpu(one, 12_345), snapshot, all);
    assertThat(calls.get() - before).as("only the CPU request is new: nothing asked").isZero();
    snapshot = bindRandom(snapshot);
    before = calls.get();
    pipeline.filter(withCpu(one, 23_456), snapshot, all);
    assertThat(calls.get() - before).as("one node changed: only it is asked").isBetween(1, 3);

    AtomicInteger cpuCalls = new AtomicInteger();
    DecisionPipeline readsCpu = new DecisionPipeline(countingFilters(cpuCalls, true),
        DecisionPipeline.standardScores(() -> WorkloadProfileLearner.DEFAULT, new LedgerCpuView()));
    readsCpu.filter(withCpu(one, 1), snapshot, all);
    before = cpuCalls.get();
    readsCpu.filter(withCpu(one, 2), snapshot, all);
    assertThat(cpuCalls.get() - before).as("a filter that may read CPU: asked again for a new CPU request")
        .isGreaterThanOrEqualTo(20);
    assertThat(afterCpuOnly).isGreaterThan(first);
  }

  @Test
  void podsWhoseMemoryRequestFitsTheSameGpusShareEveryVerdict() throws Exception {
    ClusterSnapshot snapshot = cluster(20);
    List<String> all = new ArrayList<>();
    for (NodeGpuState n : snapshot.nodes()) {
      all.add(n.name());
    }
    AtomicInteger calls = new AtomicInteger();
    DecisionPipeline pipeline = new DecisionPipeline(countingFilters(calls, false, false),
        DecisionPipeline.standardScores(() -> WorkloadProfileLearner.DEFAULT, new LedgerCpuView()));
    PodDemand forty = DEMANDS.get(6); // 1 GPU with 40,000 MiB
    pipeline.filter(forty, snapshot, all);
    assertThat(calls.get()).as("a new GPU demand asks the filters").isGreaterThanOrEqualTo(20);
    pipeline.filter(withCpu(forty, 1), snapshot, all); // the second pod of the GPU demand writes its GPU side
    // No GPU here has between 39,999 and 40,001 MiB free (sizes 81,559, 46,068, 40,960 and 15,360, nothing used yet).
    for (long memory : new long[] {40_001, 39_999, 40_960}) {
      int before = calls.get();
      PodDemand d = withMemory(forty, memory);
      pipeline.filter(d, snapshot, all);
      assertThat(calls.get() - before).as("%d MiB fits the same GPUs as 40,000: nothing asked", memory).isZero();
      assertEveryAnswerAsThePluginsGiveIt(pipeline, d, snapshot, all);
    }
    int a100s = 0;
    for (NodeGpuState n : snapshot.nodes()) {
      a100s += n.info().gpuMemoryMiB() == 40_960 ? 1 : 0;
    }
    assertThat(a100s).as("the cluster has A100-40GB nodes").isPositive();
    int before = calls.get();
    PodDemand past = withMemory(forty, 40_961);
    pipeline.filter(past, snapshot, all);
    assertThat(calls.get() - before).as("40,961 MiB no longer fits the A100-40GB: only those nodes are asked")
        .isBetween(1, 3 * a100s);
    assertEveryAnswerAsThePluginsGiveIt(pipeline, past, snapshot, all);

    AtomicInteger readsCalls = new AtomicInteger();
    DecisionPipeline readsMemory = new DecisionPipeline(countingFilters(readsCalls, false, true),
        DecisionPipeline.standardScores(() -> WorkloadProfileLearner.DEFAULT, new LedgerCpuView()));
    readsMemory.filter(forty, snapshot, all);
    readsMemory.filter(withCpu(forty, 1), snapshot, all);
    before = readsCalls.get();
    readsMemory.filter(withMemory(forty, 40_001), snapshot, all);
    assertThat(readsCalls.get() - before).as("a filter that may read memory otherwise: asked again")
        .isGreaterThanOrEqualTo(20);
  }

  /** The shape's number, seen before or not (the id without its first-sighting flag). */
  private static long number(DemandShapes shapes, PodDemand d) {
    long id = shapes.idOf(d);
    return (long) DemandShapes.epoch(id) << 32 | DemandShapes.number(id);
  }

  @Test
  void gpuShapesIgnoreOnlyTheCpuRequest() {
    DemandShapes gpu = new DemandShapes(DemandShapes.MAX_ID, false, true);
    DemandShapes full = new DemandShapes(DemandShapes.MAX_ID, true, true);
    DemandShapes gpuByFit = new DemandShapes(DemandShapes.MAX_ID, false, false);
    assertThat(number(gpuByFit, withMemory(DEMANDS.get(0), 40_000))).as("memory left out")
        .isEqualTo(number(gpuByFit, DEMANDS.get(0)));
    assertThat(number(gpuByFit, withCpu(DEMANDS.get(1), 9))).isNotEqualTo(number(gpuByFit, DEMANDS.get(0)));
    for (int i = 0; i < DEMANDS.size(); i++) {
      PodDemand d = DEMANDS.get(i);
      assertThat(number(gpu, withCpu(d, 7))).isEqualTo(number(gpu, d));
      assertThat(number(full, withCpu(d, 7))).isNotEqualTo(number(full, d));
      for (int j = 0; j < i; j++) {
        assertThat(number(gpu, DEMANDS.get(j))).as("%s vs %s", d, DEMANDS.get(j)).isNotEqualTo(number(gpu, d));
      }
    }
  }

  @Test
  void shapeNumbersAreStableDistinctAndNeverReusedWithinAnEpoch() {
    DemandShapes shapes = new DemandShapes(3, true, true);
    long first = shapes.idOf(DEMANDS.get(0));
    assertThat(DemandShapes.firstSighting(first)).isTrue();
    long a = number(shapes, DEMANDS.get(0));
    assertThat(DemandShapes.firstSighting(shapes.idOf(DEMANDS.get(0)))).as("seen before").isFalse();
    long b = number(shapes, DEMANDS.get(1));
    long c = number(shapes, DEMANDS.get(2));
    assertThat(number(shapes, new PodDemand("other", "x", "uid-x", 1, 0, 0, IntraNodePolicy.PREFER_NVLINK,
        Placement.BINPACK, List.of(), 2000))).as("same shape, other pod").isEqualTo(a);
    assertThat(List.of(a, b, c)).doesNotHaveDuplicates();
    assertThat(a >>> 32).isEqualTo(b >>> 32).isEqualTo(c >>> 32).isZero();
    long d = shapes.idOf(DEMANDS.get(3));
    assertThat(DemandShapes.epoch(d)).as("a fourth shape outgrows 3 numbers: new epoch").isEqualTo(1);
    assertThat(DemandShapes.number(d)).isEqualTo(1);
    assertThat(DemandShapes.epoch(shapes.idOf(DEMANDS.get(0)))).isEqualTo(1);
  }
}
