package dev.gpusched.extender.decide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link FragmentationScore}, which sweeps each node's presorted free amounts and keeps per-node answers for whole-GPU
 * placements, gives bit for bit what it gave when it sorted the node's GPUs for every pod ({@link FragmentationScoreBefore}):
 * score, increase, expected fragmentation, the split score's GPU part and its CPU step, on generated nodes, demands,
 * profiles (more classes than a node keeps tallies for among them) and CPU views. Also checks the per-node figures the
 * faster code reads ({@link NodeGpuState#leftMilliAscending}, {@link NodeGpuState#usedMilli}, the eligible-GPU shortcut).
 */
class FragmentationScoreSameAsBeforeTest {
  private final RandomNodes random = new RandomNodes(4_2026);

  @Test
  void sameDoublesAndPartsAsBefore() {
    int hosted = 0;
    for (int round = 0; round < 60; round++) {
      WorkloadProfile profile = random.profile();
      CpuView cpu = random.cpuView();
      double milliPerPoint = random.random().nextBoolean() ? FragmentationScore.DEFAULT_MILLI_PER_POINT : 7.5;
      FragmentationScore now = new FragmentationScore(() -> profile, cpu, milliPerPoint);
      FragmentationScoreBefore before = new FragmentationScoreBefore(() -> profile, cpu, milliPerPoint);
      FragmentationScore other = new FragmentationScore(() -> profile, cpu, milliPerPoint);
      List<NodeGpuState> nodes = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        nodes.add(random.node(i));
      }
      for (int d = 0; d < 40; d++) {
        PodDemand demand = random.demand();
        for (NodeGpuState node : nodes) {
          String what = demand + " on " + node.name() + " " + node.info() + ", " + profile;
          double inc = now.increase(demand, node);
          assertThat(Double.doubleToRawLongBits(inc)).as("increase, %s", what)
              .isEqualTo(Double.doubleToRawLongBits(before.increase(demand, node)));
          assertThat(now.score(demand, node)).as("score, %s", what).isEqualTo(before.score(demand, node));
          long[] part = new long[CpuSplitScore.PART_LONGS];
          long[] want = new long[CpuSplitScore.PART_LONGS];
          now.gpuPart(demand, node, part, 0);
          before.gpuPart(demand, node, want, 0);
          assertThat(part).as("GPU part, %s", what).isEqualTo(want);
          // a second instance finds the first one's memo on the node and computes its own part
          long[] second = new long[CpuSplitScore.PART_LONGS];
          now.gpuPart(demand, node, part, 0);
          other.gpuPart(demand, node, second, 0);
          assertThat(second).as("GPU part of another instance, %s", what).isEqualTo(want);
          long key = now.cpuKey(demand);
          assertThat(now.withCpu(demand, node, key, part[0], part[1])).as("CPU step, %s", what)
              .isEqualTo(before.withCpu(demand, node, key, want[0], want[1]));
          long taken = GpuChooser.choose(demand, node);
          if (taken != 0) {
            hosted++;
            int shared = demand.isShared() ? Long.numberOfTrailingZeros(taken) : -1;
            assertThat(now.expected(node, demand.isShared() ? 0 : taken, shared, demand.milli()))
                .isEqualTo(before.expected(node, demand.isShared() ? 0 : taken, shared, demand.milli()));
          }
        }
      }
    }
    assertThat(hosted).isGreaterThan(20_000);
  }

  @Test
  void nodeFiguresMatchTheirDefinitions() {
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
        long bit = 1L << g;
        int left = ((node.wholeMask() | node.unusableMask()) & bit) != 0 ? 0
            : Math.max(0, 1000 - ((node.sharedMask() & bit) != 0 ? node.milliUsed(g) : 0));
        lefts[g] = left;
        sum += left;
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
      assertThat(node.topology()).isSameAs(node.info().topology());
      assertThat(node.cpuAllocatableMilli()).isEqualTo(node.info().cpuAllocatableMilli());
    }
  }
}
