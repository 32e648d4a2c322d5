package dev.gpusched.extender.decide;

import dev.gpusched.topology.IntraNodePolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import dev.gpusched.extender.model.Placement;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.extender.state.NodeInfo;
import dev.gpusched.extender.state.NodeStateBuilder;
import dev.gpusched.extender.state.PodRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FragmentationScoreTest {
  /** Half the pods take a 500m share, half a whole 2-GPU set. */
  private static final WorkloadProfile HALF_SHARE_HALF_PAIR =
      WorkloadProfile.builder().add(1, 500, 1000, 1).add(2, 1000, 2000, 1).build();

  private static NodeGpuState node(String name, int gpus, int... sharedMilliPerGpu) {
    return node(name, "T4", gpus, sharedMilliPerGpu);
  }

  private static NodeGpuState node(String name, String product, int gpus, int... sharedMilliPerGpu) {
    NodeInfo info = NodeInfo.withTopology(name, gpus, product, 0, Map.of(), Map.of(), false, null);
    List<PodRecord> pods = new ArrayList<>();
    for (int g = 0; g < sharedMilliPerGpu.length; g++) {
      int m = sharedMilliPerGpu[g];
      if (m == 1000) {
        pods.add(new PodRecord("w" + g, "ns", "w" + g, name, 1, 0, 0, List.of(g), false, "1", null));
      } else if (m > 0) {
        pods.add(new PodRecord("s" + g, "ns", "s" + g, name, 0, m, 0, List.of(g), false, "1", null));
      }
    }
    return NodeStateBuilder.build(info, pods, List.of());
  }

  private static PodDemand share(int milli) {
    return new PodDemand("ns", "p", "uid-p", 0, milli, 0, IntraNodePolicy.PREFER_NVLINK, Placement.BINPACK, List.of());
  }

  private static PodDemand whole(int gpus) {
    return new PodDemand("ns", "p", "uid-p", gpus, 0, 0, IntraNodePolicy.PREFER_NVLINK, Placement.BINPACK, List.of());
  }

  @Test
  void expectedFragmentationMatchesAHandCount() {
    FragmentationScore f = new FragmentationScore(HALF_SHARE_HALF_PAIR);
    // GPU 0 has 700m used (300 left), GPU 1 free: the 500m class can use GPU 1 and finds GPU 0's 300 too small;
    // the 2-GPU class cannot be hosted, so all 1300 free milli are fragments for it.
    NodeGpuState n = node("n", 2, 700);
    assertThat(f.expected(n, 0, -1, 0)).isCloseTo(0.5 * 300 + 0.5 * 1300, offset(1e-9));
    assertThat(f.expected(node("empty", 2), 0, -1, 0)).isZero();
  }

  @Test
  void aShareGoesWhereItFillsAFragmentNotOntoAFreshPair() {
    FragmentationScore f = new FragmentationScore(HALF_SHARE_HALF_PAIR);
    NodeGpuState fresh = node("fresh", 2);
    NodeGpuState halfUsed = node("half", 2, 500);
    assertThat(f.increase(share(500), fresh)).isPositive(); // breaks the only 2-GPU set
    assertThat(f.increase(share(500), halfUsed)).isNegative(); // closes a half-used GPU
    assertThat(f.score(share(500), halfUsed)).isGreaterThan(f.score(share(500), fresh));
  }

  @Test
  void aWholeGpuPodPrefersTheNodeItCompletesOverBreakingAPair() {
    WorkloadProfile profile = WorkloadProfile.builder().add(1, 1000, 1).add(2, 1000, 1).build();
    FragmentationScore f = new FragmentationScore(profile);
    NodeGpuState oneLeft = node("one-left", 2, 1000); // GPU 0 held whole, GPU 1 free
    NodeGpuState pair = node("pair", 2);
    assertThat(f.score(whole(1), oneLeft)).isGreaterThan(f.score(whole(1), pair));
  }

  @Test
  void aNodeThatCannotHostThePodScoresZeroAndIncreaseIsNaN() {
    FragmentationScore f = new FragmentationScore(HALF_SHARE_HALF_PAIR);
    NodeGpuState full = node("full", 1, 1000);
    assertThat(f.increase(whole(1), full)).isNaN();
    assertThat(f.score(whole(1), full)).isZero();
    assertThat(f.increase(share(600), node("tight", 1, 500))).isNaN();
  }

  @Test
  void spreadMirrorsTheScore() {
    FragmentationScore f = new FragmentationScore(HALF_SHARE_HALF_PAIR);
    PodDemand spread = new PodDemand("ns", "p", "u", 0, 500, 0, IntraNodePolicy.PREFER_NVLINK, Placement.SPREAD, List.of());
    NodeGpuState n = node("fresh", 2);
    assertThat(f.score(spread, n)).isEqualTo(100 - f.score(share(500), n));
  }

  @Test
  void withoutCpuFiguresAPodWithoutGpusIsNeutral() {
    FragmentationScore f = new FragmentationScore(HALF_SHARE_HALF_PAIR);
    assertThat(f.score(PodDemand.NONE, node("n", 2))).isEqualTo(50);
  }

  @Test
  void withCpuFiguresCpuGoesWhereItStrandsNoGpu() {
    // profile: 1000 milli-CPU per 1000 milli-GPU (1 CPU per GPU)
    WorkloadProfile profile = WorkloadProfile.builder().add(1, 1000, 1000, 1).build();
    assertThat(profile.cpuMilliPerGpuMilli()).isCloseTo(1.0, offset(1e-9));
    NodeGpuState gpuRich = node("gpu-rich", 4); // 4 free GPUs, 4 CPUs left
    NodeGpuState cpuRich = node("cpu-rich", 4, 1000, 1000, 1000); // 1 free GPU, 4 CPUs left
    CpuView cpu = new CpuView() {
      @Override
      public long nodeCpuLeftMilli(NodeGpuState node) {
        return 4000;
      }

      @Override
      public long podCpuMilli(PodDemand demand) {
        return 2000;
      }
    };
    FragmentationScore f = new FragmentationScore(profile, cpu);
    // a 2-CPU pod without GPUs: on gpu-rich it leaves 2 CPUs for 4 free GPUs (2 stranded), on cpu-rich none stranded
    assertThat(f.increase(PodDemand.NONE, gpuRich)).isCloseTo(2000, offset(1e-9));
    assertThat(f.increase(PodDemand.NONE, cpuRich)).isZero();
    assertThat(f.score(PodDemand.NONE, cpuRich)).isGreaterThan(f.score(PodDemand.NONE, gpuRich));
    // GPU-only view: no difference for a pod without GPUs
    FragmentationScore blind = new FragmentationScore(profile);
    assertThat(blind.score(PodDemand.NONE, cpuRich)).isEqualTo(blind.score(PodDemand.NONE, gpuRich));
  }

  @Test
  void aNodesFragmentsCountOnlyThePodsThatMayUseItsGpuModel() {
    // Two-model cluster: a T4 node and a V100 node, 2 free GPUs each. Half the pods take 2 GPUs and may run only on a
    // V100 (gpusched.dev/gpu-model: v100); half take a share of 500 on any model. A 1-GPU pod of any model:
    // - on the V100 node it breaks the only V100 pair: the 2-GPU V100 pods (p 1/2) lose all 1000 free milli-GPU left,
    //   the shares (1/2) still fit the other GPU: increase 1/2 x 1000 = 500;
    // - on the T4 node the 2-GPU pods are no concern (they may not run there); the shares still fit: increase 0.
    // Without models both nodes would lose the pair alike (500 each) and tie. The T4 node is the right one.
    WorkloadProfile profile = WorkloadProfile.builder().add(2, 1000, 0, List.of("v100"), 1).add(1, 500, 0, List.of(), 1)
        .build();
    FragmentationScore f = new FragmentationScore(profile);
    NodeGpuState t4 = node("t4", "Tesla-T4", 2);
    NodeGpuState v100 = node("v100", "Tesla-V100-SXM2-16GB", 2);
    assertThat(f.increase(whole(1), v100)).isCloseTo(500, offset(1e-9));
    assertThat(f.increase(whole(1), t4)).isZero();
    assertThat(f.score(whole(1), t4)).isGreaterThan(f.score(whole(1), v100));
    // the T4 node's fragments: the shares only (nothing too small); the V100 node's: both classes
    assertThat(f.expected(node("t4-one-left", "Tesla-T4", 2, 1000), 0, -1, 0)).isZero();
    assertThat(f.expected(node("v100-one-left", "Tesla-V100-SXM2-16GB", 2, 1000), 0, -1, 0))
        .isCloseTo(0.5 * 1000, offset(1e-9));
    // the same pods without a model list: the pair counts on both nodes, which tie
    FragmentationScore anyModel = new FragmentationScore(HALF_SHARE_HALF_PAIR);
    assertThat(anyModel.score(whole(1), node("t4-b", "Tesla-T4", 2)))
        .isEqualTo(anyModel.score(whole(1), node("v100-b", "Tesla-V100-SXM2-16GB", 2)));
  }

  @Test
  void cpuLeftIsKeptWhereCpuHungryPodsCouldStillUseTheFreeGpu() {
    // Half the GPU requested goes to pods with 4 CPUs per GPU, half to pods with 16 (the mean: 10 per GPU). Two nodes,
    // one free GPU each; "tight" has 16 CPUs left, "roomy" 30. A pod without GPUs asks for 4 CPUs:
    // - on tight it leaves 12: a 16-CPU-per-GPU pod can use only 12/16 of the free GPU, 250 milli-GPU are stranded for
    //   that half: increase 1/2 x 250 = 125;
    // - on roomy it leaves 26, which feeds the free GPU at either ratio: increase 0.
    // At the mean ratio (10 per GPU) both nodes would still feed their GPU (12 and 26 CPUs >= 10) and tie.
    WorkloadProfile profile = WorkloadProfile.builder().add(1, 1000, 4_000, 2).add(2, 1000, 32_000, 1).build();
    assertThat(profile.cpuPerGpu().size()).isEqualTo(2);
    NodeGpuState tight = node("tight", 2, 1000);
    NodeGpuState roomy = node("roomy", 2, 1000);
    CpuView cpu = new CpuView() {
      @Override
      public long nodeCpuLeftMilli(NodeGpuState node) {
        return node == tight ? 16_000 : 30_000;
      }

      @Override
      public long podCpuMilli(PodDemand demand) {
        return 4_000;
      }
    };
    FragmentationScore f = new FragmentationScore(profile, cpu);
    assertThat(f.increase(PodDemand.NONE, tight)).isCloseTo(0.5 * 250, offset(1e-9));
    assertThat(f.increase(PodDemand.NONE, roomy)).isZero();
    assertThat(f.score(PodDemand.NONE, roomy)).isGreaterThan(f.score(PodDemand.NONE, tight));
  }

  /** Free milli-GPU of the node with {@code taken} held whole and {@code milli} more on {@code shared}: the oracle. */
  private static long freeMilli(NodeGpuState node, long taken, int shared, int milli) {
    long free = 0;
    for (int g = 0; g < node.gpuCount(); g++) {
      if (((node.wholeMask() | taken) & (1L << g)) != 0) {
        continue;
      }
      int used = ((node.sharedMask() >> g) & 1) != 0 ? node.milliUsed(g) : 0;
      free += Math.max(0, 1000 - used - (g == shared ? milli : 0));
    }
    return free;
  }

  @Test
  void strandedGpuOfEveryPlacementMatchesTheDefinition() {
    java.util.Random random = new java.util.Random(11);
    // CPU classes: 4 CPU per GPU (the 1-GPU and 2-GPU pods: 9,000 milli-GPU of 9,900 requested) and 3.33 per GPU (the
    // 300m shares with 1 CPU: 900 of 9,900)
    WorkloadProfile profile = WorkloadProfile.builder().add(1, 1000, 4000, 5).add(1, 300, 1000, 3).add(2, 1000, 8000, 2)
        .build();
    double[] cpuPerGpuMilli = {4.0, 1000 / 300.0};
    double[] share = {9000 / 9900.0, 900 / 9900.0};
    int compared = 0;
    for (int trial = 0; trial < 300; trial++) {
      int gpus = random.nextBoolean() ? 8 : 4;
      int[] milli = new int[gpus];
      for (int g = 0; g < gpus; g++) {
        int kind = random.nextInt(4);
        milli[g] = kind == 0 ? 1000 : kind == 1 ? 100 + random.nextInt(800) : 0;
      }
      NodeGpuState node = node("n" + trial, gpus, milli);
      long cpuLeft = random.nextInt(40_000);
      long podCpu = random.nextInt(10_000);
      CpuView cpu = new CpuView() {
        @Override
        public long nodeCpuLeftMilli(NodeGpuState n) {
          return cpuLeft;
        }

        @Override
        public long podCpuMilli(PodDemand demand) {
          return podCpu;
        }
      };
      FragmentationScore withCpu = new FragmentationScore(profile, cpu);
      FragmentationScore gpuOnly = new FragmentationScore(profile);
      List<PodDemand> demands = List.of(whole(1), whole(2), share(250), share(700));
      for (PodDemand d : demands) {
        double got = withCpu.increase(d, node);
        double fragments = gpuOnly.increase(d, node);
        if (Double.isNaN(fragments)) {
          assertThat(got).isNaN();
          continue;
        }
        long taken = d.isShared() ? 0 : GpuChooser.choose(d, node);
        int shared = d.isShared() ? SharedGpuChoice.best(d, node) : -1;
        double before = 0;
        double after = 0;
        for (int j = 0; j < 2; j++) {
          before += share[j] * Math.max(0, freeMilli(node, 0, -1, 0) - cpuLeft / cpuPerGpuMilli[j]);
          after += share[j] * Math.max(0, freeMilli(node, taken, shared, d.milli())
              - Math.max(0, cpuLeft - podCpu) / cpuPerGpuMilli[j]);
        }
        assertThat(got).as("trial %d, %s", trial, d).isCloseTo(fragments + after - before, offset(1e-6));
        compared++;
      }
    }
    assertThat(compared).isGreaterThan(800);
  }

  @Test
  void profileNormalizesOrdersAndValidates() {
    WorkloadProfile p = WorkloadProfile.builder().add(2, 1000, 1).add(1, 300, 2).add(1, 300, 1).add(1, 1000, 0).build();
    assertThat(p.size()).isEqualTo(2);
    assertThat(p.milli(0)).isEqualTo(300);
    assertThat(p.probability(0)).isCloseTo(0.75, offset(1e-12));
    assertThat(p.gpus(1)).isEqualTo(2);
    assertThat(p.cpuMilliPerGpuMilli()).isZero();
    assertThatThrownBy(() -> WorkloadProfile.builder().add(2, 500, 1))
        .hasMessageContaining("gpus=2 milli=500");
    assertThatThrownBy(() -> WorkloadProfile.builder().build())
        .hasMessageContaining("at least one GPU demand");
    assertThatThrownBy(() -> new FragmentationScore(p, CpuView.NONE, 0)).hasMessageContaining("milliPerPoint");
  }
}
