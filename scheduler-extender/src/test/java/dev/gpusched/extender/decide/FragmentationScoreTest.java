package dev.gpusched.extender.decide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link FragmentationScore}: 50 - (unusable GPU after the placement - before) / 20, clamped to 0..100, where unusable
 * is the expected fragmentation ({@link Fragmentation}) plus the free GPU the node's CPU cannot feed; and its flat
 * stretches over the pod's CPU request ({@link FragmentationScore#cpuRanges}).
 */
class FragmentationScoreTest {
  /** Half the pods take a 500m share, half a whole 2-GPU set. */
  private static final WorkloadProfile HALF_SHARE_HALF_PAIR =
      WorkloadProfile.builder().add(1, 500, 1000, 1).add(2, 1000, 2000, 1).build();
  /** One whole GPU per pod and 1 CPU per GPU (1,000 milli-CPU per 1,000 milli-GPU). */
  private static final WorkloadProfile ONE_CPU_PER_GPU = WorkloadProfile.builder().add(1, 1000, 1000, 1).build();

  private static CpuView cpuLeft(long milli) {
    return node -> milli;
  }

  @Test
  void aShareGoesWhereItFillsAFragmentNotOntoAFreshPair() {
    FragmentationScore f = new FragmentationScore(HALF_SHARE_HALF_PAIR);
    NodeGpuState fresh = Nodes.node("fresh", 2).build();
    NodeGpuState halfUsed = Nodes.node("half", 2).share(0, 500).build();
    PodDemand share = Demands.share(500).build();
    // fresh: before 0; after, GPU 0 has 500 left and the pair is gone: 0.5 x 0 + 0.5 x 1500 = 750
    assertThat(f.increase(share, fresh)).isCloseTo(750, offset(1e-9));
    assertThat(f.score(share, fresh)).isEqualTo(13); // 50 - 37.5, rounded
    // half used: before 0.5 x 0 + 0.5 x 1500 = 750; after 0.5 x 0 + 0.5 x 1000 = 500: 250 less unusable
    assertThat(f.increase(share, halfUsed)).isCloseTo(-250, offset(1e-9));
    assertThat(f.score(share, halfUsed)).isEqualTo(63); // 50 + 12.5, rounded
  }

  @Test
  void aWholeGpuPodPrefersTheNodeItCompletesOverBreakingAPair() {
    FragmentationScore f = new FragmentationScore(WorkloadProfile.builder().add(1, 1000, 1).add(2, 1000, 1).build());
    NodeGpuState oneLeft = Nodes.node("one-left", 2).whole(0).build(); // 1,000 a fragment for the pair class
    NodeGpuState pair = Nodes.node("pair", 2).build();
    assertThat(f.increase(Demands.whole(1).build(), oneLeft)).isCloseTo(-500, offset(1e-9));
    assertThat(f.increase(Demands.whole(1).build(), pair)).isCloseTo(500, offset(1e-9));
    assertThat(f.score(Demands.whole(1).build(), oneLeft)).isEqualTo(75);
    assertThat(f.score(Demands.whole(1).build(), pair)).isEqualTo(25);
    assertThat(f.score(Demands.whole(1).spread().build(), pair)).as("spread mirrors").isEqualTo(75);
  }

  @Test
  void aNodeThatCannotHostThePodScoresZero() {
    FragmentationScore f = new FragmentationScore(HALF_SHARE_HALF_PAIR);
    NodeGpuState full = Nodes.node("full", 1).whole(0).build();
    assertThat(f.increase(Demands.whole(1).build(), full)).isNaN();
    assertThat(f.score(Demands.whole(1).build(), full)).isZero();
    assertThat(f.score(Demands.whole(1).spread().build(), full)).isZero();
    assertThat(f.increase(Demands.share(600).build(), Nodes.node("tight", 1).share(0, 500).build())).isNaN();
  }

  @Test
  void cpuGoesWhereItStrandsNoGpu() {
    NodeGpuState gpuRich = Nodes.node("gpu-rich", 4).build(); // 4 free GPUs
    NodeGpuState cpuRich = Nodes.node("cpu-rich", 4).whole(0, 1, 2).build(); // 1 free GPU
    FragmentationScore f = new FragmentationScore(ONE_CPU_PER_GPU, cpuLeft(4_000));
    PodDemand twoCpus = Demands.noGpu().cpu(2_000).build();
    // on gpu-rich it leaves 2 CPUs for 4 free GPUs (2,000 milli-GPU stranded), on cpu-rich none stranded
    assertThat(f.increase(twoCpus, gpuRich)).isCloseTo(2_000, offset(1e-9));
    assertThat(f.increase(twoCpus, cpuRich)).isZero();
    assertThat(f.score(twoCpus, cpuRich)).isEqualTo(50);
    assertThat(f.score(twoCpus, gpuRich)).isZero();
    FragmentationScore blind = new FragmentationScore(ONE_CPU_PER_GPU);
    assertThat(blind.score(twoCpus, gpuRich)).as("no CPU figures: a pod without GPUs is neutral").isEqualTo(50);
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
    NodeGpuState t4 = Nodes.node("t4", 2).product("Tesla-T4", 0).build();
    NodeGpuState v100 = Nodes.node("v100", 2).product("Tesla-V100-SXM2-16GB", 0).build();
    PodDemand one = Demands.whole(1).build();
    assertThat(f.increase(one, v100)).isCloseTo(500, offset(1e-9));
    assertThat(f.increase(one, t4)).isZero();
    assertThat(f.score(one, t4)).isGreaterThan(f.score(one, v100));
    // the T4 node's fragments: the shares only (nothing too small); the V100 node's: both classes
    assertThat(f.expected(Nodes.node("t4-one-left", 2).product("Tesla-T4", 0).whole(0).build(), 0, -1, 0)).isZero();
    assertThat(f.expected(Nodes.node("v100-one-left", 2).product("Tesla-V100-SXM2-16GB", 0).whole(0).build(), 0, -1,
        0)).isCloseTo(0.5 * 1000, offset(1e-9));
    // the same pods without a model list: the pair counts on both nodes, which tie
    FragmentationScore anyModel = new FragmentationScore(HALF_SHARE_HALF_PAIR);
    assertThat(anyModel.score(one, Nodes.node("t4-b", 2).product("Tesla-T4", 0).build()))
        .isEqualTo(anyModel.score(one, Nodes.node("v100-b", 2).product("Tesla-V100-SXM2-16GB", 0).build()));
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
    NodeGpuState tight = Nodes.node("tight", 2).whole(0).build();
    NodeGpuState roomy = Nodes.node("roomy", 2).whole(0).build();
    FragmentationScore f = new FragmentationScore(profile, node -> node == tight ? 16_000 : 30_000);
    PodDemand fourCpus = Demands.noGpu().cpu(4_000).build();
    assertThat(f.increase(fourCpus, tight)).isCloseTo(0.5 * 250, offset(1e-9));
    assertThat(f.increase(fourCpus, roomy)).isZero();
    assertThat(f.score(fourCpus, roomy)).isGreaterThan(f.score(fourCpus, tight));
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

  /**
   * The increase with CPU figures is the fragment part plus the change of stranded GPU, written out per class of CPU
   * per GPU: share_j x max(0, free - CPU left / CPU per milli-GPU_j), before and after the pod.
   */
  @Test
  void strandedGpuOfEveryPlacementMatchesTheDefinition() {
    Random random = new Random(11);
    // CPU classes: 4 CPU per GPU (the 1-GPU and 2-GPU pods: 9,000 milli-GPU of 9,900 requested) and 3.33 per GPU (the
    // 300m shares with 1 CPU: 900 of 9,900)
    WorkloadProfile profile = WorkloadProfile.builder().add(1, 1000, 4000, 5).add(1, 300, 1000, 3).add(2, 1000, 8000, 2)
        .build();
    double[] cpuPerGpuMilli = {4.0, 1000 / 300.0};
    double[] share = {9000 / 9900.0, 900 / 9900.0};
    int compared = 0;
    for (int trial = 0; trial < 300; trial++) {
      int gpus = random.nextBoolean() ? 8 : 4;
      Nodes n = Nodes.node("n" + trial, gpus);
      for (int g = 0; g < gpus; g++) {
        int kind = random.nextInt(4);
        if (kind == 0) {
          n.whole(g);
        } else if (kind == 1) {
          n.share(g, 100 + random.nextInt(800));
        }
      }
      NodeGpuState node = n.build();
      long cpuLeft = random.nextInt(40_000);
      long podCpu = random.nextInt(10_000);
      FragmentationScore withCpu = new FragmentationScore(profile, cpuLeft(cpuLeft));
      FragmentationScore gpuOnly = new FragmentationScore(profile);
      for (Demands demand : List.of(Demands.whole(1), Demands.whole(2), Demands.share(250), Demands.share(700))) {
        PodDemand d = demand.cpu(podCpu).build();
        double got = withCpu.increase(d, node);
        double fragments = gpuOnly.increase(d, node);
        if (Double.isNaN(fragments)) {
          assertThat(got).isNaN();
          continue;
        }
        CycleState cycle = CycleState.of(d, node);
        long taken = d.isShared() ? 0 : cycle.chosenGpus();
        int shared = d.isShared() ? cycle.sharedGpu() : -1;
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

  /**
   * A 1-GPU pod on 4 free GPUs with 4 CPUs left, 1 CPU per GPU: 3 GPUs stay free, which need 3 CPUs, so requests up to
   * 1,000 milli-CPU strand nothing; beyond, a request of c strands c - 1,000 milli-GPU: 50 - (c - 1,000) / 20, rounded
   * (half up), is still 50 up to 1,010 and 0 from 1,991 (clamped, as for all the CPU left, 4,000, and more); between,
   * the score falls with the request.
   */
  @Test
  void cpuRangesByHand() {
    FragmentationScore f = new FragmentationScore(ONE_CPU_PER_GPU, cpuLeft(4_000));
    NodeGpuState node = Nodes.node("n", 4).build();
    PodDemand one = Demands.whole(1).build();
    assertThat(f.cpuRanges(CycleState.of(one, node))).isEqualTo(new CpuRanges(1_010, 50, 1_991, 0));
    assertThat(f.score(Demands.withCpu(one, 1_500), node)).as("500 milli-GPU stranded").isEqualTo(25);
    assertThat(f.score(Demands.withCpu(one, 1_011), node)).isEqualTo(49);
    assertThat(f.score(Demands.withCpu(one, 1_990), node)).isEqualTo(1);
    assertThat(f.score(Demands.withCpu(one, 2_000), node)).isZero();
    assertThat(new FragmentationScore(ONE_CPU_PER_GPU).cpuRanges(CycleState.of(one, node)))
        .as("no CPU figures: flat").isEqualTo(CpuRanges.flat(50));
    assertThat(f.cpuRanges(CycleState.of(one, Nodes.node("full", 1).whole(0).build())))
        .as("cannot host: 0 for every request").isEqualTo(CpuRanges.flat(0));
  }

  /**
   * On generated nodes (CPU plenty, short, overbooked, unknown), profiles and CPU views, the score of every request in
   * a flat stretch is the stretch's value, at its edges and across them.
   */
  @Test
  void everyRequestInAFlatStretchScoresItsValue() {
    RandomNodes random = new RandomNodes(7_2026);
    Random r = random.random();
    CpuView[] views = {new LedgerCpuView(), CpuView.NONE};
    int low = 0;
    int high = 0;
    int between = 0;
    for (int i = 0; i < 300; i++) {
      NodeGpuState node = random.node(i);
      FragmentationScore f = new FragmentationScore(random.profile(), views[r.nextInt(views.length)]);
      for (int d = 0; d < 6; d++) {
        PodDemand shape = random.demand();
        CpuRanges ranges = f.cpuRanges(CycleState.of(shape, node));
        assertThat(f.cpuRanges(CycleState.of(Demands.withCpu(shape, r.nextInt(100_000)), node)))
            .as("the ranges read no CPU request").isEqualTo(ranges);
        long left = new LedgerCpuView().nodeCpuLeftMilli(node);
        List<Long> requests = new ArrayList<>(List.of(0L, 1L, 1000L, (long) Integer.MAX_VALUE, Long.MAX_VALUE / 4));
        for (long around : new long[] {ranges.lowTo(), ranges.highFrom(), left}) {
          for (long c = around - 3; c <= around + 3; c++) {
            requests.add(c);
          }
        }
        for (int k = 0; k < 10; k++) {
          requests.add((long) r.nextInt((int) Math.min(Integer.MAX_VALUE, Math.max(2, 2 * Math.max(left, 1)))));
        }
        for (long c : requests) {
          if (c < 0 || c > Long.MAX_VALUE / 4) {
            continue;
          }
          int flat = ranges.valueFor(c);
          if (flat == CpuRanges.BETWEEN) {
            between++;
            continue;
          }
          assertThat(f.score(Demands.withCpu(shape, c), node)).as("%s cpu %d on %s", shape, c, node.name())
              .isEqualTo(flat);
          if (c <= ranges.lowTo()) {
            low++;
          } else {
            high++;
          }
        }
      }
    }
    assertThat(low).as("requests in a low stretch").isGreaterThan(1000);
    assertThat(high).as("requests in a high stretch").isGreaterThan(300);
    assertThat(between).as("requests between").isGreaterThan(300);
  }

  @Test
  void theScaleMustBePositive() {
    assertThatThrownBy(() -> new FragmentationScore(HALF_SHARE_HALF_PAIR, CpuView.NONE, 0))
        .hasMessageContaining("milliPerPoint");
  }
}
