package dev.gpusched.extender.decide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.NodeGpuState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link FusedStandardPlugins} gives exactly the verdict of the standard plugins run one by one (first failing filter,
 * rank with its top tier, the fragmentation score's GPU part), on many generated nodes and demands ({@link RandomNodes});
 * and a pipeline that uses it answers filter and prioritize exactly as one that cannot (a filter wrapped in another
 * class).
 */
class FusedStandardPluginsTest {
  private final RandomNodes random = new RandomNodes(2026_11_28);

  /** The standard plugins with a random profile and CPU view, and what the pipeline would hand the fused pass. */
  private record Standard(FilterPlugin[] filters, ScorePlugin[] scorers, int[] weights, int split,
      FusedStandardPlugins fused) {}

  private Standard standard(WorkloadProfile profile, CpuView cpu) {
    FilterPlugin[] filters = DecisionPipeline.standardFilters().toArray(new FilterPlugin[0]);
    Map<ScorePlugin, Integer> scores = DecisionPipeline.standardScores(() -> profile, cpu);
    ScorePlugin[] scorers = scores.keySet().toArray(new ScorePlugin[0]);
    int[] weights = new int[scorers.length];
    int split = -1;
    for (int s = 0; s < scorers.length; s++) {
      weights[s] = scores.get(scorers[s]);
      if (scorers[s] instanceof FragmentationScore) {
        split = s;
      }
    }
    return new Standard(filters, scorers, weights, split, FusedStandardPlugins.of(filters, scorers, weights, split));
  }

  @Test
  void sameVerdictAsThePluginsOneByOne() {
    int[] failedByFilter = new int[3];
    int passed = 0;
    int topTier = 0;
    for (int round = 0; round < 40; round++) {
      Standard std = standard(random.profile(), random.cpuView());
      assertThat(std.fused().applies()).isTrue();
      List<NodeGpuState> nodes = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        nodes.add(random.node(i));
      }
      for (int d = 0; d < 60; d++) {
        PodDemand demand = random.demand();
        if (!FusedStandardPlugins.serves(demand)) {
          assertThat(demand.usesNoGpu()).isTrue();
          continue;
        }
        boolean tiered = TopologyScore.tiered(demand);
        ProductVerdicts products = std.fused().productVerdicts(demand); // one per pod: it remembers by product
        for (NodeGpuState node : nodes) {
          String what = demand + " on " + node.name() + " " + node.info();
          long[] part = new long[CpuSplitScore.PART_LONGS];
          long fused = std.fused().row(demand, node, tiered, true, part, products);
          int f = firstFailing(std, demand, node);
          if (f >= 0) {
            assertThat(fused).as("rejected by filter %d: %s", f, what).isEqualTo(-1 - f);
            failedByFilter[f]++;
            continue;
          }
          assertThat(fused).as("rank: %s", what).isEqualTo(rank(std, demand, node, tiered));
          long[] want = new long[CpuSplitScore.PART_LONGS];
          ((CpuSplitScore) std.scorers()[std.split()]).gpuPart(demand, node, want, 0);
          assertThat(part).as("fragmentation part: %s", what).isEqualTo(want);
          // without ranges: the same rank and figures, and the key finished from them scores as the plugin does
          long[] lean = new long[CpuSplitScore.PART_LONGS];
          assertThat(std.fused().row(demand, node, tiered, false, lean, products)).as("rank: %s", what).isEqualTo(fused);
          assertThat(new long[] {lean[0], lean[1]}).as("figures: %s", what).isEqualTo(new long[] {want[0], want[1]});
          CpuSplitScore split = (CpuSplitScore) std.scorers()[std.split()];
          assertThat(split.withCpu(demand, node, split.cpuKey(demand), lean[0], lean[1])).as("score: %s", what)
              .isEqualTo(std.scorers()[std.split()].score(demand, node));
          passed++;
          if (fused >= DecisionPipeline.TOP_TIER_RANK) {
            topTier++;
          }
        }
      }
    }
    for (int f = 0; f < failedByFilter.length; f++) {
      assertThat(failedByFilter[f]).as("nodes filter %d rejected first", f).isGreaterThan(300);
    }
    assertThat(passed).isGreaterThan(10_000);
    assertThat(topTier).isGreaterThan(300);
  }

  private static int firstFailing(Standard std, PodDemand demand, NodeGpuState node) {
    for (int f = 0; f < std.filters().length; f++) {
      boolean passes = std.filters()[f].passes(demand, node);
      assertThat(std.filters()[f].filter(demand, node) == null).isEqualTo(passes);
      if (!passes) {
        return f;
      }
    }
    return -1;
  }

  /** What {@code DecisionPipeline.Call.gpuRank} sums: every scorer but the split one, and the top tier. */
  private static long rank(Standard std, PodDemand demand, NodeGpuState node, boolean tiered) {
    long sum = 0;
    boolean top = false;
    for (int s = 0; s < std.scorers().length; s++) {
      if (s == std.split()) {
        continue;
      }
      int score = std.scorers()[s].score(demand, node);
      if (tiered && std.scorers()[s] instanceof TopologyScore) {
        top = TopologyScore.topTier(score);
      }
      sum += (long) std.weights()[s] * score;
    }
    return top ? DecisionPipeline.TOP_TIER_RANK + sum : sum;
  }

  @Test
  void appliesOnlyToTheStandardSet() {
    Standard std = standard(WorkloadProfileLearner.DEFAULT, CpuView.NONE);
    assertThat(FusedStandardPlugins.of(new FilterPlugin[] {std.filters()[1], std.filters()[0], std.filters()[2]},
        std.scorers(), std.weights(), std.split()).applies()).as("filters out of order").isFalse();
    assertThat(FusedStandardPlugins.of(new FilterPlugin[] {std.filters()[0], std.filters()[1]}, std.scorers(),
        std.weights(), std.split()).applies()).as("a filter missing").isFalse();
    assertThat(FusedStandardPlugins.of(std.filters(), std.scorers(), std.weights(), -1).applies())
        .as("no split score").isFalse();
    int[] negative = std.weights().clone();
    negative[0] = -1;
    assertThat(FusedStandardPlugins.of(std.filters(), std.scorers(), negative, std.split()).applies())
        .as("a negative weight").isFalse();
    ScorePlugin[] twice = std.scorers().clone();
    twice[1] = twice[0];
    assertThat(FusedStandardPlugins.of(std.filters(), twice, std.weights(), std.split()).applies())
        .as("a scorer twice").isFalse();
    ScorePlugin[] other = std.scorers().clone();
    other[0] = new ScorePlugin() {
      @Override
      public String name() {
        return "other";
      }

      @Override
      public int score(PodDemand demand, NodeGpuState node) {
        return 7;
      }
    };
    assertThat(FusedStandardPlugins.of(std.filters(), other, std.weights(), std.split()).applies())
        .as("another scorer").isFalse();
  }

  /** A filter under another class: the pipeline cannot tell it is standard, so it runs the plugins one by one. */
  private record Wrapped(FilterPlugin inner) implements FilterPlugin {
    @Override
    public String name() {
      return inner.name();
    }

    @Override
    public String filter(PodDemand demand, NodeGpuState node) {
      return inner.filter(demand, node);
    }

    @Override
    public boolean passes(PodDemand demand, NodeGpuState node) {
      return inner.passes(demand, node);
    }

    @Override
    public boolean readsPodCpu() {
      return inner.readsPodCpu();
    }

    @Override
    public boolean readsPodMemoryBeyondFit() {
      return inner.readsPodMemoryBeyondFit();
    }

    @Override
    public boolean reasonQuotesMemory(PodDemand demand, NodeGpuState node) {
      return inner.reasonQuotesMemory(demand, node);
    }
  }

  @Test
  void pipelineAnswersAsThePluginsOneByOne() {
    for (int round = 0; round < 6; round++) {
      WorkloadProfile profile = random.profile();
      CpuView cpu = random.cpuView();
      DecisionPipeline fused = DecisionPipeline.standard(() -> profile, cpu);
      List<FilterPlugin> wrapped = new ArrayList<>();
      for (FilterPlugin f : DecisionPipeline.standardFilters()) {
        wrapped.add(f instanceof GpuCountFit ? new Wrapped(f) : f);
      }
      Map<ScorePlugin, Integer> scores = new LinkedHashMap<>(DecisionPipeline.standardScores(() -> profile, cpu));
      DecisionPipeline oneByOne = new DecisionPipeline(wrapped, scores);
      NodeGpuState[] nodes = random.nodes(120);
      List<String> names = RandomNodes.names(nodes);
      ClusterSnapshot snapshot = ClusterSnapshot.of(round + 1, nodes);
      for (int d = 0; d < 40; d++) {
        PodDemand demand = random.demand();
        DecisionPipeline.FilterOutcome a = fused.filter(demand, snapshot, names);
        RandomNodes.assertSameOutcome(a, oneByOne.filter(demand, snapshot, names), demand);
        List<String> survivors = RandomNodes.survivors(names, a);
        assertThat(fused.prioritize(demand, snapshot, survivors)).as("scores, %s", demand)
            .isEqualTo(oneByOne.prioritize(demand, snapshot, survivors));
        for (NodeGpuState node : nodes) {
          if (fused.reject(demand, node) == null) {
            assertThat(fused.rank(demand, node)).isEqualTo(oneByOne.rank(demand, node));
          }
        }
      }
    }
  }
}
