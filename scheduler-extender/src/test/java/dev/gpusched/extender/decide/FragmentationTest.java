package dev.gpusched.extender.decide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Fragmentation}: a node's expected unusable milli-GPU against a workload profile, by hand on small nodes, and
 * against the definition written out plainly on generated nodes, profiles and placements; the per-node figures
 * ({@link NodeFragmentation}) give the same doubles to the bit.
 */
class FragmentationTest {
  /** Half the pods take a 500m share, half a whole 2-GPU set. */
  private static final WorkloadProfile HALF_SHARE_HALF_PAIR =
      WorkloadProfile.builder().add(1, 500, 1000, 1).add(2, 1000, 2000, 1).build();

  @Test
  void expectedFragmentationByHand() {
    // GPU 0 has 700m used (300 left), GPU 1 free: the 500m class can use GPU 1 and finds GPU 0's 300 too small; the
    // 2-GPU class cannot be hosted, so all 1300 free milli are fragments for it.
    NodeGpuState n = Nodes.node("n", 2).share(0, 700).build();
    assertThat(Fragmentation.expected(HALF_SHARE_HALF_PAIR, n, 0, -1, 0)).isCloseTo(0.5 * 300 + 0.5 * 1300, offset(1e-9));
    assertThat(Fragmentation.expected(HALF_SHARE_HALF_PAIR, Nodes.node("empty", 2).build(), 0, -1, 0)).isZero();
    // taking GPU 1 whole leaves only GPU 0's 300: a fragment for both classes
    assertThat(Fragmentation.expected(HALF_SHARE_HALF_PAIR, n, 0b10, -1, 0)).isCloseTo(300, offset(1e-9));
    // 200m more on GPU 0 leaves 100 there: 0.5 x 100 + 0.5 x 1100
    assertThat(Fragmentation.expected(HALF_SHARE_HALF_PAIR, n, 0, 0, 200)).isCloseTo(600, offset(1e-9));
  }

  /**
   * The definition, plainly: per class, the free milli-GPU it cannot use, weighted by the probability of the class's
   * pods that may use the node's GPU product (the class's probability less that of its model lists the product does not
   * match, as {@link GpuModelFit#allows} matches).
   */
  private static double definition(WorkloadProfile profile, NodeGpuState node, long taken, int sharedGpu, int milli) {
    int n = node.gpuCount();
    int[] left = new int[n];
    long total = 0;
    for (int g = 0; g < n; g++) {
      long bit = 1L << g;
      boolean held = ((node.wholeMask() | node.unusableMask() | taken) & bit) != 0;
      int used = (node.sharedMask() & bit) != 0 ? node.milliUsed(g) : 0;
      left[g] = held ? 0 : Math.max(0, 1000 - used - (g == sharedGpu ? milli : 0));
      total += left[g];
    }
    double expected = 0;
    for (int k = 0; k < profile.size(); k++) {
      int fits = 0;
      long tooSmall = 0;
      for (int g = 0; g < n; g++) {
        if (left[g] >= profile.milli(k)) {
          fits++;
        } else {
          tooSmall += left[g];
        }
      }
      double usable = profile.probability(k);
      for (WorkloadProfile.ModelGroup group : profile.restricted(k)) {
        if (!GpuModelFit.allows(group.models(), node.productLowerCase())) {
          usable -= group.probability();
        }
      }
      expected += Math.max(0, usable) * (fits >= profile.gpus(k) ? tooSmall : total);
    }
    return expected;
  }

  @Test
  void everyPlacementMatchesTheDefinitionAndTheNodesFiguresToTheBit() {
    RandomNodes random = new RandomNodes(20_261_207);
    Random r = random.random();
    int placements = 0;
    for (int i = 0; i < 600; i++) {
      NodeGpuState node = random.node(i);
      WorkloadProfile profile = random.profile();
      NodeFragmentation figures = new NodeFragmentation(profile, node, CpuView.NONE);
      assertThat(figures.expected).isEqualTo(Fragmentation.expected(profile, node, 0, -1, 0));
      assertThat(figures.expected).isCloseTo(definition(profile, node, 0, -1, 0), offset(1e-6));
      for (int p = 0; p < 8; p++) {
        PodDemand demand = random.demand();
        CycleState cycle = CycleState.of(demand, node);
        long taken = demand.isShared() ? 0 : cycle.chosenGpus();
        int shared = cycle.sharedGpu();
        if (demand.isShared() ? shared < 0 : demand.gpus() == 0 || taken == 0) {
          continue;
        }
        double general = Fragmentation.expected(profile, node, taken, shared, demand.milli());
        assertThat(general).as("%s on %s", demand, node.name())
            .isCloseTo(definition(profile, node, taken, shared, demand.milli()), offset(1e-6));
        assertThat(figures.expectedAfter(node, taken, shared, demand.milli())).as("%s on %s", demand, node.name())
            .isEqualTo(general);
        placements++;
      }
      if (r.nextInt(4) == 0 && node.gpuCount() > 0) { // a placement no caller makes: GPUs that were not free whole
        long odd = r.nextLong() & ((1L << node.gpuCount()) - 1) | 1;
        assertThat(figures.expectedAfter(node, odd, -1, 0)).isEqualTo(Fragmentation.expected(profile, node, odd, -1, 0))
            .isCloseTo(definition(profile, node, odd, -1, 0), offset(1e-6));
      }
    }
    assertThat(placements).isGreaterThan(2_000);
  }

  @Test
  void nodeFiguresMatchTheirDefinitions() {
    RandomNodes random = new RandomNodes(11);
    for (int i = 0; i < 2_000; i++) {
      NodeGpuState node = random.node(i);
      long used = (long) Long.bitCount(node.wholeMask()) * 1000;
      for (long m = node.sharedMask(); m != 0; m &= m - 1) {
        used += node.milliUsed(Long.numberOfTrailingZeros(m));
      }
      assertThat(node.usedMilli()).isEqualTo(used);
      int[] lefts = new int[node.gpuCount()];
      long sum = 0;
      for (int g = 0; g < lefts.length; g++) {
        lefts[g] = Fragmentation.left(node, g, 0, -1, 0);
        sum += lefts[g];
      }
      java.util.Arrays.sort(lefts);
      assertThat(node.leftMilliAscending()).isEqualTo(lefts);
      assertThat(node.leftMilliSum()).isEqualTo(sum);
      for (long memory : new long[] {-1, 0, 1, 4_096, 15_360, 40_000, 81_559, 90_000, Long.MAX_VALUE}) {
        long eligible = 0;
        for (long m = node.freeWholeMask(); m != 0; m &= m - 1) {
          int g = Long.numberOfTrailingZeros(m);
          if (memory <= 0 || node.freeMemoryMiB(g) >= memory) {
            eligible |= 1L << g;
          }
        }
        assertThat(node.eligibleWholeMask(memory)).as("eligible for %d MiB on %s", memory, node.name())
            .isEqualTo(eligible);
      }
    }
  }
}
