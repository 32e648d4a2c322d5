package dev.gpusched.extender.decide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.NodeGpuState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * A call's new verdicts computed by several threads ({@link ParallelChunks}) are the verdicts the caller computes alone:
 * the same passes, reasons, rejection counts and scores, node by node.
 */
class ParallelVerdictsTest {
  private final RandomNodes random = new RandomNodes(7);

  @Test
  void chunksCoverEveryIndexOnce() {
    for (int threads : new int[] {1, 2, 3, 16}) {
      for (int n : new int[] {0, 1, 5, 64, 1_000}) {
        for (int chunk : new int[] {1, 7, 64, 5_000}) {
          AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(1, n));
          Set<Integer> workers = ConcurrentHashMap.newKeySet();
          ParallelChunks.run(threads, n, chunk, (worker, from, to) -> {
            workers.add(worker);
            // one chunk at a time, or the whole range when the caller runs alone
            assertThat(to - from <= chunk || threads == 1 && from == 0 && to == n).as("[%d, %d)", from, to).isTrue();
            assertThat(to).isGreaterThan(from);
            for (int i = from; i < to; i++) {
              runs.incrementAndGet(i);
            }
          });
          for (int i = 0; i < n; i++) {
            assertThat(runs.get(i)).as("index %d of %d, chunk %d, %d threads", i, n, chunk, threads).isEqualTo(1);
          }
          assertThat(workers).allMatch(w -> w >= 0 && w < threads);
        }
      }
    }
  }

  @Test
  void aChunkThatThrowsFailsTheRunAfterTheOthersStop() {
    assertThatThrownBy(() -> ParallelChunks.run(2, 100, 1, (worker, from, to) -> {
      if (from == 37) {
        throw new IllegalStateException("chunk 37 fails");
      }
    })).isInstanceOf(IllegalStateException.class).hasMessage("chunk 37 fails");
  }

  /** The standard pipeline sharing every call with new verdicts among {@code threads}, in chunks of {@code chunk}. */
  private static DecisionPipeline sharing(WorkloadProfile profile, CpuView cpu, int threads, int chunk) {
    return new DecisionPipeline(DecisionPipeline.standardFilters(), DecisionPipeline.standardScores(() -> profile, cpu),
        threads, true, 1, chunk);
  }

  @Test
  void parallelCallsAnswerAsTheCallerAlone() {
    for (int round = 0; round < 4; round++) {
      WorkloadProfile profile = random.profile();
      CpuView cpu = random.cpuView();
      DecisionPipeline alone = DecisionPipeline.standard(() -> profile, cpu, 1);
      DecisionPipeline shared = sharing(profile, cpu, 3, 5);
      DecisionPipeline prioritizeFirst = sharing(profile, cpu, 3, 5); // prioritize computes before any filter did
      NodeGpuState[] nodes = random.nodes(400);
      List<String> names = RandomNodes.names(nodes);
      names.add("no-such-node");
      names.add(names.get(3)); // a name twice: two candidates, one node
      Collections.shuffle(names, random.random());
      ClusterSnapshot snapshot = ClusterSnapshot.of(round + 1, nodes);
      List<PodDemand> demands = new ArrayList<>();
      for (int d = 0; d < 30; d++) {
        demands.add(random.demand());
      }
      demands.addAll(demands.subList(0, 10)); // repeats: memo hits beside new verdicts
      int call = 0;
      for (PodDemand demand : demands) {
        // every third call another order, then a part of it: chunks that cannot follow the last list from their index
        List<String> candidates = names;
        if (call % 3 == 1) {
          candidates = new ArrayList<>(names);
          Collections.shuffle(candidates, random.random());
        } else if (call % 3 == 2) {
          candidates = new ArrayList<>(names.subList(37, names.size()));
        }
        call++;
        assertThat(prioritizeFirst.prioritize(demand, snapshot, candidates)).as("prioritize first, %s", demand)
            .isEqualTo(alone.prioritize(demand, snapshot, candidates));
        DecisionPipeline.FilterOutcome a = shared.filter(demand, snapshot, candidates);
        RandomNodes.assertSameOutcome(a, alone.filter(demand, snapshot, candidates), demand);
        assertThat(a.unknownNodes()).isEqualTo(candidates.contains("no-such-node") ? 1 : 0);
        List<String> survivors = RandomNodes.survivors(candidates, a);
        assertThat(shared.prioritize(demand, snapshot, survivors)).as("scores, %s", demand)
            .isEqualTo(alone.prioritize(demand, snapshot, survivors));
      }
    }
  }

  @Test
  void concurrentCallsSharingHelpersAnswerAsOneThread() throws Exception {
    WorkloadProfile profile = random.profile();
    CpuView cpu = random.cpuView();
    DecisionPipeline alone = DecisionPipeline.standard(() -> profile, cpu, 1);
    DecisionPipeline shared = sharing(profile, cpu, 4, 3);
    NodeGpuState[] nodes = random.nodes(300);
    List<String> names = RandomNodes.names(nodes);
    ClusterSnapshot snapshot = ClusterSnapshot.of(1, nodes);
    List<PodDemand> demands = new ArrayList<>();
    Map<PodDemand, DecisionPipeline.FilterOutcome> expected = new LinkedHashMap<>();
    for (int d = 0; d < 24; d++) {
      PodDemand demand = random.demand();
      demands.add(demand);
      expected.put(demand, alone.filter(demand, snapshot, names));
    }
    // six request threads at once, each sharing its calls with helpers: helpers are often all busy, and the memos are
    // written by several calls at a time
    java.util.concurrent.ExecutorService requests = java.util.concurrent.Executors.newFixedThreadPool(6);
    try {
      List<java.util.concurrent.Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        int first = t;
        done.add(requests.submit(() -> {
          for (int k = 0; k < 3 * demands.size(); k++) {
            PodDemand demand = demands.get((first + k) % demands.size());
            RandomNodes.assertSameOutcome(shared.filter(demand, snapshot, names), expected.get(demand), demand);
            assertThat(shared.prioritize(demand, snapshot, names)).as("scores, %s", demand)
                .isEqualTo(alone.prioritize(demand, snapshot, names));
          }
        }));
      }
      for (java.util.concurrent.Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      requests.shutdownNow();
    }
  }

  @Test
  void verdictSourcesCountEachKnownCandidateOnce() {
    NodeGpuState[] nodes = random.nodes(80);
    List<String> names = RandomNodes.names(nodes);
    names.add("no-such-node");
    ClusterSnapshot snapshot = ClusterSnapshot.of(1, nodes);
    PodDemand first = new PodDemand("ns", "p", "uid-1", 1, 0, 0, dev.gpusched.topology.IntraNodePolicy.ANY,
        dev.gpusched.extender.model.Placement.BINPACK, List.of(), 4_000);
    // no CPU figures: the fragmentation score is flat over every CPU request, so rows answer every new one
    for (DecisionPipeline pipeline : List.of(DecisionPipeline.standard(() -> WorkloadProfileLearner.DEFAULT,
        CpuView.NONE, 1), sharing(WorkloadProfileLearner.DEFAULT, CpuView.NONE, 3, 7))) {
      assertThat(pipeline.filter(first, snapshot, names).sources())
          .as("a GPU demand never seen").isEqualTo(new DecisionPipeline.VerdictSources(0, 0, 80));
      assertThat(pipeline.filter(first, snapshot, names).sources())
          .as("the same shape again").isEqualTo(new DecisionPipeline.VerdictSources(80, 0, 0));
      assertThat(pipeline.filter(Demands.withCpu(first, 6_000), snapshot, names).sources())
          .as("the demand's second pod: its GPU-side rows are computed and kept")
          .isEqualTo(new DecisionPipeline.VerdictSources(0, 0, 80));
      assertThat(pipeline.filter(Demands.withCpu(first, 9_000), snapshot, names).sources())
          .as("a third CPU request reads the rows").isEqualTo(new DecisionPipeline.VerdictSources(0, 80, 0));
    }
  }

  /** A filter that lets no thread through until two have come, so a call passes only when a helper took a chunk. */
  private static final class TwoThreadsGate implements FilterPlugin {
    private final CountDownLatch arrived = new CountDownLatch(2);
    private final Set<Thread> seen = ConcurrentHashMap.newKeySet();

    @Override
    public String name() {
      return "two_threads";
    }

    @Override
    public Set<PodInput> reads() {
      return Set.of();
    }

    @Override
    public boolean passes(CycleState cycle) {
      if (seen.add(Thread.currentThread())) {
        arrived.countDown();
      }
      try {
        return arrived.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    @Override
    public String reason(CycleState cycle) {
      return "no second thread came";
    }
  }

  @Test
  void helpersComputeChunksOfOneCall() {
    TwoThreadsGate gate = new TwoThreadsGate();
    List<FilterPlugin> filters = new ArrayList<>();
    filters.add(gate);
    filters.addAll(DecisionPipeline.standardFilters());
    Map<ScorePlugin, Integer> scores = new LinkedHashMap<>(
        DecisionPipeline.standardScores(() -> WorkloadProfileLearner.DEFAULT, CpuView.NONE));
    DecisionPipeline pipeline = new DecisionPipeline(filters, scores, 2, true, 1, 1);
    NodeGpuState[] nodes = random.nodes(40);
    List<String> names = RandomNodes.names(nodes);
    PodDemand demand = new PodDemand("ns", "p", "uid-p", 0, 0, 0, dev.gpusched.topology.IntraNodePolicy.ANY,
        dev.gpusched.extender.model.Placement.BINPACK, List.of(), 0);
    DecisionPipeline.FilterOutcome outcome = pipeline.filter(demand, ClusterSnapshot.of(1, nodes), names);

    assertThat(outcome.reasons()).doesNotContain("no second thread came");
    assertThat(gate.seen).contains(Thread.currentThread())
        .anyMatch(t -> t.getName().startsWith("gpusched-decide-"));
  }
}
