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

  /**
   * A 1-GPU pod on 4 free GPUs with 4 CPUs left, 1 CPU per GPU: 3 GPUs stay free, which need 3 CPUs, so requests up to
   * 1,000 milli-CPU strand nothing (50); from 4,000 all 3 GPUs are stranded (50 - 3,000 / 20, clamped: 0); between, the
   * stranded part grows with the request.
   */
  @Test
  void cpuRangesByHand() {
    FragmentationScore f = new FragmentationScore(ONE_CPU_PER_GPU, cpuLeft(4_000));
    NodeGpuState node = Nodes.node("n", 4).build();
    PodDemand one = Demands.whole(1).build();
    assertThat(f.cpuRanges(CycleState.of(one, node))).isEqualTo(new CpuRanges(1_000, 50, 4_000, 0));
    assertThat(f.score(Demands.withCpu(one, 1_500), node)).as("500 milli-GPU stranded").isEqualTo(25);
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
