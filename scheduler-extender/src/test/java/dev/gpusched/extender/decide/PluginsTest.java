package dev.gpusched.extender.decide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

/**
 * {@link Plugins}: the first filter that fails is the verdict; scores combine as a weighted mean mapped onto 0..10, in
 * two tiers for a tiered pod; a verdict by CPU request combines the CPU-reading scores' flat stretches.
 */
class PluginsTest {
  private static final NodeGpuState NODE = Nodes.node("n", 2).build();

  /** A score that gives what {@code score} says and reads what {@code reads} says. */
  private record Fixed(String name, Set<PodInput> reads, ToIntFunction<CycleState> score, CpuRanges ranges,
      boolean tiering) implements ScorePlugin {
    static Fixed of(int score) {
      return new Fixed("fixed-" + score, Set.of(), c -> score, CpuRanges.NONE, false);
    }

    @Override
    public int score(CycleState cycle) {
      return score.applyAsInt(cycle);
    }

    @Override
    public CpuRanges cpuRanges(CycleState cycle) {
      return ranges;
    }

    @Override
    public boolean tiers(PodDemand demand) {
      return tiering;
    }

    @Override
    public boolean topTier(CycleState cycle) {
      return score(cycle) > 50;
    }
  }

  /** A filter that passes or fails every node. */
  private record Gate(String name, boolean pass) implements FilterPlugin {
    @Override
    public Set<PodInput> reads() {
      return Set.of();
    }

    @Override
    public boolean passes(CycleState cycle) {
      return pass;
    }

    @Override
    public String reason(CycleState cycle) {
      return name + " says no";
    }
  }

  private static Plugins scoring(Object... scoreAndWeight) {
    Map<ScorePlugin, Integer> scores = new LinkedHashMap<>();
    for (int i = 0; i < scoreAndWeight.length; i += 2) {
      scores.put((ScorePlugin) scoreAndWeight[i], (Integer) scoreAndWeight[i + 1]);
    }
    return new Plugins(List.of(), scores);
  }

  private static int verdict(Plugins plugins, PodDemand demand) {
    return plugins.verdict(CycleState.of(demand, NODE), plugins.tiering(demand));
  }

  @Test
  void theFirstFilterThatFailsIsTheVerdict() {
    Plugins plugins = new Plugins(List.of(new Gate("a", true), new Gate("b", false), new Gate("c", false)),
        Map.of(Fixed.of(100), 1));
    int v = verdict(plugins, Demands.whole(1).build());
    assertThat(Verdict.failedFilter(v)).isEqualTo(1);
    assertThat(Verdict.priority(v)).isZero();
    assertThat(plugins.reason(CycleState.of(Demands.whole(1).build(), NODE), 1)).isEqualTo("b says no");
  }

  @Test
  void scoresCombineAsARoundedWeightedMean() {
    // (100 x 1 + 40 x 3) / 4 = 55: round(5.5) = 6
    assertThat(verdict(scoring(Fixed.of(100), 1, Fixed.of(40), 3), Demands.whole(1).build())).isEqualTo(6);
    // (100 + 44 x 3) / 4 = 58: 6; (0 + 30) / 2 = 15: round(1.5) = 2
    assertThat(verdict(scoring(Fixed.of(100), 1, Fixed.of(44), 3), Demands.whole(1).build())).isEqualTo(6);
    assertThat(verdict(scoring(Fixed.of(0), 1, Fixed.of(30), 1), Demands.whole(1).build())).isEqualTo(2);
    assertThat(verdict(scoring(), Demands.whole(1).build())).as("no scores").isZero();
  }

  @Test
  void aTieredPodRanksTheTopTierAboveEveryOtherNode() {
    Fixed topOf = new Fixed("tier", Set.of(), c -> 60, CpuRanges.NONE, true);
    Fixed below = new Fixed("tier", Set.of(), c -> 40, CpuRanges.NONE, true);
    PodDemand pod = Demands.whole(2).build();
    // top tier: mean (60 + 100) / 2 = 80: 6 + round(3.2) = 9
    assertThat(verdict(scoring(topOf, 1, Fixed.of(100), 1), pod)).isEqualTo(9);
    // below it: mean (40 + 100) / 2 = 70: round(3.5) = 4; any top-tier node scores 6 or more
    assertThat(verdict(scoring(below, 1, Fixed.of(100), 1), pod)).isEqualTo(4);
    Plugins plugins = scoring(topOf, 1, Fixed.of(0), 100);
    CycleState cycle = CycleState.of(pod, NODE);
    assertThat(plugins.rank(cycle, plugins.tiering(pod))).isEqualTo(Plugins.TOP_TIER_RANK + 60);
    assertThat(verdict(plugins, pod)).as("mean 0.6: 6 + 0").isEqualTo(6);
  }

  @Test
  void aVerdictByCpuCombinesTheFlatStretchesOfTheScoresThatReadCpu() {
    Fixed a = new Fixed("a", Set.of(PodInput.CPU_REQUEST), c -> 0, new CpuRanges(3_000, 100, 8_000, 0), false);
    Fixed b = new Fixed("b", Set.of(PodInput.CPU_REQUEST), c -> 0, new CpuRanges(5_000, 80, 6_000, 20), false);
    Plugins plugins = scoring(a, 1, b, 1, Fixed.of(60), 2);
    CpuRanges byCpu = plugins.verdictByCpu(CycleState.of(Demands.whole(1).build(), NODE), 0);
    // requests up to 3,000: (100 + 80 + 120) / 4 = 75: 8; from 8,000: (0 + 20 + 120) / 4 = 35: 4
    assertThat(byCpu).isEqualTo(new CpuRanges(3_000, 8, 8_000, 4));
    Plugins failing = new Plugins(List.of(new Gate("no", false)), Map.of(a, 1));
    assertThat(failing.verdictByCpu(CycleState.of(Demands.whole(1).build(), NODE), 0))
        .isEqualTo(CpuRanges.flat(Verdict.failed(0)));
  }

  @Test
  void whatThePluginsReadDecidesWhatTheMemoMayShare() {
    Plugins standard = new Plugins(DecisionPipeline.standardFilters(),
        DecisionPipeline.standardScores(() -> WorkloadProfileLearner.DEFAULT, CpuView.NONE));
    assertThat(standard.filtersRead(PodInput.CPU_REQUEST)).isFalse();
    assertThat(standard.anyReads(PodInput.CPU_REQUEST)).isTrue();
    assertThat(standard.anyReads(PodInput.GPU_MEMORY)).isFalse();
    assertThat(standard.anyReads(PodInput.GPU_MEMORY_FIT)).isTrue();
  }

  @Test
  void badCompositionsAreRefused() {
    assertThatThrownBy(() -> scoring(Fixed.of(1), -1)).hasMessageContaining("weight -1");
    List<FilterPlugin> many = new java.util.ArrayList<>();
    for (int i = 0; i < 15; i++) {
      many.add(new Gate("g" + i, true));
    }
    assertThatThrownBy(() -> new Plugins(many, Map.of())).hasMessageContaining("at most 14 filters");
  }
}
