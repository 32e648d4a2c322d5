package dev.gpusched.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The FGD reference: the rules of the authors' simulator, each on a hand-computed example. */
class FgdScoreTest {
  private static TracePod pod(long cpu, int gpus, int milli, String... models) {
    return new TracePod("p", cpu, 10, gpus, milli, List.of(models));
  }

  private static List<TracePod> times(int n, TracePod p) {
    List<TracePod> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(p);
    }
    return out;
  }

  @Test
  void typicalPodsAreTheMostFrequentDemandsThatHold95PercentRenormalized() {
    // 20 pods: 10 x A, 6 x B, 3 x C, 1 x D. 95 % of 20 = 19: A, B, C hold exactly 19, so D is left out.
    List<TracePod> pods = new ArrayList<>();
    pods.addAll(times(10, pod(4000, 1, 1000)));
    pods.addAll(times(6, pod(2000, 1, 500)));
    pods.addAll(times(3, pod(8000, 0, 0)));
    pods.add(pod(32000, 8, 1000));
    List<FgdScore.TypicalPod> typical = FgdScore.typicalPods(pods);
    assertThat(typical).extracting(FgdScore.TypicalPod::gpus).containsExactly(1, 1, 0);
    assertThat(typical).extracting(FgdScore.TypicalPod::frequency)
        .containsExactly(10 / 19.0, 6 / 19.0, 3 / 19.0);
  }

  @Test
  void demandsDifferingOnlyInCpuOrModelsAreSeparateTypicalPods() {
    List<TracePod> pods = List.of(pod(4000, 1, 1000), pod(4001, 1, 1000), pod(4000, 1, 1000, "t4"));
    assertThat(FgdScore.typicalPods(pods)).hasSize(3);
  }

  @Test
  void aPodWithoutCpuRequestCountsAsKubeSchedulersNonZeroDefault() {
    assertThat(FgdScore.typicalPods(List.of(pod(0, 1, 1000))).get(0).cpuMilli()).isEqualTo(100);
  }

  /** Typical pods: whole GPU (p 1/2), share of 500 (1/4), CPU-only (1/4); all 1000 milli-CPU. */
  private static final FgdScore MIX = new FgdScore(List.of(pod(1000, 1, 1000), pod(1000, 1, 1000),
      pod(1000, 1, 500), pod(1000, 0, 0)));

  @Test
  void fragmentCountsPerTypicalPodTheFreeGpuItCannotUse() {
    // GPUs with 1000 and 300 free, 64 cores left. Whole GPU: fits GPU 0, the 300 is too small -> 300 x 1/2.
    // Share of 500: fits GPU 0, the 300 is too small -> 300 x 1/4. CPU-only: every free milli-GPU -> 1300 x 1/4.
    boolean[] all = {true, true, true};
    assertThat(MIX.fragment(new int[] {1000, 300}, 2, 64_000, all)).isCloseTo(150 + 75 + 325, within(1e-9));
  }

  @Test
  void aTypicalPodLackingCpuOrGpusOrTheModelCannotUseAnyOfTheNodesGpus() {
    boolean[] all = {true, true, true};
    // 500 milli-CPU left: no GPU pod fits; every free milli-GPU counts for all three
    assertThat(MIX.fragment(new int[] {1000, 300}, 2, 500, all)).isCloseTo(1300, within(1e-9));
    // two shared GPUs with 300 and 200 left: the whole-GPU and the 500 share find no GPU -> 500 x (1/2 + 1/4 + 1/4)
    assertThat(MIX.fragment(new int[] {300, 200}, 2, 64_000, all)).isCloseTo(500, within(1e-9));
    FgdScore a100Only = new FgdScore(List.of(pod(1000, 1, 1000, "a100")));
    // the typical pod may not use this node's model: all 2000 free milli-GPU is its fragment
    assertThat(a100Only.fragment(new int[] {1000, 1000}, 2, 64_000, new boolean[] {false})).isCloseTo(2000,
        within(1e-9));
    assertThat(a100Only.fragment(new int[] {1000, 1000}, 2, 64_000, new boolean[] {true})).isZero();
  }

  @Test
  void theScoreIsTheSigmoidOfTheFragmentDropInGpusTruncatedToAnInteger() {
    assertThat(FgdScore.quantized(1000, 1000)).isEqualTo(50);
    assertThat(FgdScore.quantized(2000, 1000)).isEqualTo(73); // 100 / (1 + e^-1) = 73.1
    assertThat(FgdScore.quantized(1000, 2000)).isEqualTo(26); // 26.9
    assertThat(FgdScore.quantized(1000, 1039)).isEqualTo(49); // 49.03: 39 milli-GPU more fragment costs a point
  }

  @Test
  void aNodeOfTheWrongModelScoresAsLosingAllItsGpusForThatClass() {
    // typical pods: a whole T4 GPU only. A V100 pod (no model) on a T4 node vs on a V100 node: both take one of two free
    // GPUs. On the T4 node the fragment for the T4 class falls from 0 to 0; on the V100 node it is all free GPU before
    // (2000) and after (1000): a drop of 1000, 73 against 50. FGD puts the V100-neutral pod on the V100 node.
    Trace t = TinyTraces.parse("t4,64000,100000,2,T4\nv100,64000,100000,2,V100\n",
        "a,1000,10,1,1000,T4,,,,,\nb,1000,10,1,1000,,,,,,\n");
    FgdScore fgd = new FgdScore(List.of(t.pods().get(0)));
    SimCluster cluster = new SimCluster(t.nodes());
    SimPod anyModel = SimPod.of(t.pods().get(1), 1);
    assertThat(fgd.score(anyModel, cluster, 0)).isEqualTo(50);
    assertThat(fgd.score(anyModel, cluster, 1)).isEqualTo(73);
  }

  @Test
  void aShareGoesToTheFirstGpuOfTheBestScore() {
    // one node, GPUs free 1000 and 600 (400 used); typical pods: shares of 600 only. A share of 400 on GPU 0 leaves
    // 600 and 600: no fragment (before: 0, both fit 600). On GPU 1 it leaves 1000 and 200: 200 fragment. GPU 0 wins,
    // although gpusched's GpuChooser would fill the shared GPU 1 first.
    Trace t = TinyTraces.parse("n,64000,100000,2,T4\n", "used,1000,10,1,400,,,,,,\nnew,1000,10,1,400,,,,,,\n");
    FgdScore fgd = new FgdScore(List.of(pod(1000, 1, 600)));
    SimCluster cluster = new SimCluster(t.nodes());
    cluster.place(0, SimPod.of(t.pods().get(0), 0), 1L << 1, 0);
    SimPod share = SimPod.of(t.pods().get(1), 1);
    assertThat(fgd.gpus(share, cluster, 0)).isEqualTo(1L);
    assertThat(fgd.score(share, cluster, 0)).isEqualTo(50);
    NodeScorer anyOther = (p, c, n) -> 0;
    assertThat(anyOther.gpus(share, cluster, 0)).isEqualTo(1L << 1);
  }

  @Test
  void wholeGpusAreTheLowestNumberedFreeOnes() {
    Trace t = TinyTraces.parse("n,64000,100000,4,T4\n", "s,1000,10,1,300,,,,,,\nw,1000,10,2,1000,,,,,,\n");
    FgdScore fgd = new FgdScore(t.pods());
    SimCluster cluster = new SimCluster(t.nodes());
    cluster.place(0, SimPod.of(t.pods().get(0), 0), 1L, 0);
    assertThat(fgd.gpus(SimPod.of(t.pods().get(1), 1), cluster, 0)).isEqualTo(0b0110L);
  }
}
