package dev.gpusched.extender.decide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.model.Placement;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.extender.state.NodeInfo;
import dev.gpusched.extender.state.NodeStateBuilder;
import dev.gpusched.extender.state.PodRecord;
import dev.gpusched.topology.IntraNodePolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link FragmentationScore} as a {@link CpuSplitScore}: its GPU part, finished with any CPU request, and its two flat
 * ranges give exactly {@code score}, on random nodes (CPU plenty, short, overbooked, unknown, beyond the packed range),
 * profiles and CPU views, at the ranges' edges and across them.
 */
class CpuSplitScoreTest {
  private static final String[][] PRODUCTS = {
      {"NVIDIA-H100-80GB-HBM3", "8", "81559"}, {"NVIDIA-L40S", "4", "46068"}, {"NVIDIA-A100-SXM4-40GB", "8", "40960"},
      {"Tesla-T4", "2", "15360"}, {"Tesla-T4", "1", "15360"}};

  private final Random random = new Random(7_2026);

  private NodeGpuState randomNode(int i) {
    String[] p = PRODUCTS[random.nextInt(PRODUCTS.length)];
    int gpus = Integer.parseInt(p[1]);
    long[] allocatable = {0, 16_000L * gpus, 64_000, 3_000, 1L << 31};
    NodeInfo info = NodeInfo.withTopology("n" + i, gpus, p[0], Long.parseLong(p[2]), Map.of(), Map.of(), false, null)
        .withCpuAllocatable(allocatable[random.nextInt(allocatable.length)]);
    List<PodRecord> pods = new ArrayList<>();
    for (int g = 0; g < gpus; g++) {
      int kind = random.nextInt(4);
      if (kind == 1) {
        pods.add(new PodRecord("w" + g, "ns", "w" + g, info.name(), 1, 0, 0, List.of(g), false, "1", null, 0));
      } else if (kind == 2) {
        for (int s = random.nextInt(3); s >= 0; s--) {
          pods.add(new PodRecord("s" + g + "-" + s, "ns", "s" + g + "-" + s, info.name(), 0, 100 + random.nextInt(200),
              1024, List.of(g), false, "1", null, 0));
        }
      }
    }
    NodeGpuState node = NodeStateBuilder.build(info, pods, List.of());
    long requested = random.nextInt(4) == 0 ? info.cpuAllocatableMilli() + random.nextInt(3) - 1
        : (long) (random.nextDouble() * 1.1 * info.cpuAllocatableMilli());
    return node.withCpuRequested(requested);
  }

  private static PodDemand demand(int gpus, int milli, long memoryMiB, Placement placement, long cpuMilli) {
    return new PodDemand("ns", "p", "uid-p", gpus, milli, memoryMiB, IntraNodePolicy.PREFER_NVLINK, placement, List.of(),
        cpuMilli);
  }

  private static PodDemand withCpu(PodDemand d, long cpuMilli) {
    return new PodDemand(d.namespace(), d.name(), d.uid(), d.gpus(), d.milli(), d.memoryMiB(), d.intraNode(),
        d.placement(), d.allowedModels(), cpuMilli);
  }

  private static final List<PodDemand> SHAPES = List.of(
      demand(1, 0, 0, Placement.BINPACK, 0), demand(2, 0, 0, Placement.BINPACK, 0),
      demand(4, 0, 0, Placement.SPREAD, 0), demand(0, 250, 10_240, Placement.BINPACK, 0),
      demand(0, 700, 0, Placement.SPREAD, 0), demand(1, 0, 40_000, Placement.BINPACK, 0),
      demand(0, 0, 0, Placement.BINPACK, 0));

  /** A CPU view that reads the pod's request as given, negative ones included (a view may answer unknown). */
  private static final CpuView SIGNED = new CpuView() {
    @Override
    public long nodeCpuLeftMilli(NodeGpuState node) {
      return new LedgerCpuView().nodeCpuLeftMilli(node);
    }

    @Override
    public long podCpuMilli(PodDemand demand) {
      return demand.cpuMilli() == 7 ? UNKNOWN : demand.cpuMilli();
    }
  };

  /** Checks the contract for one demand shape on one node at CPU request {@code c}. */
  private static void check(FragmentationScore f, PodDemand shape, NodeGpuState node, long[] part, long c) {
    PodDemand d = withCpu(shape, c);
    int want = f.score(d, node);
    String what = shape + " cpu " + c + " on " + node.name() + " (cpu left " + new LedgerCpuView().nodeCpuLeftMilli(node)
        + ")";
    long key = f.cpuKey(d);
    assertThat(f.withCpu(d, node, key, part[0], part[1])).as("withCpu, %s", what).isEqualTo(want);
    if (key >= CpuSplitScore.lowFrom(part[2]) && key <= CpuSplitScore.lowTo(part[2])) {
      assertThat(CpuSplitScore.lowScore(part[3])).as("low range score, %s", what).isEqualTo(want);
    }
    if (CpuSplitScore.hasHigh(part[3]) && key >= CpuSplitScore.highFrom(part[3])) {
      assertThat(CpuSplitScore.highScore(part[3])).as("high range score, %s", what).isEqualTo(want);
    }
  }

  @Test
  void gpuPartFinishedWithAnyCpuRequestIsTheScore() {
    WorkloadProfile[] profiles = {WorkloadProfileLearner.DEFAULT,
        WorkloadProfile.builder().add(1, 1000, 0, 1).add(1, 500, 0, 1).build(),
        WorkloadProfile.builder().add(1, 300, 1_500, 3).add(2, 1000, 12_000, 1).build()};
    CpuView[] views = {new LedgerCpuView(), CpuView.NONE, SIGNED};
    int lowHits = 0;
    int highHits = 0;
    int middle = 0;
    for (int i = 0; i < 300; i++) {
      NodeGpuState node = randomNode(i);
      FragmentationScore f = new FragmentationScore(profiles[random.nextInt(profiles.length)],
          views[random.nextInt(views.length)]);
      for (PodDemand shape : SHAPES) {
        long[] part = new long[CpuSplitScore.PART_LONGS];
        f.gpuPart(shape, node, part, 0);
        long[] other = new long[CpuSplitScore.PART_LONGS];
        f.gpuPart(withCpu(shape, 1 + random.nextInt(100_000)), node, other, 0);
        assertThat(other).as("the GPU part reads no CPU request").isEqualTo(part);
        long left = new LedgerCpuView().nodeCpuLeftMilli(node);
        int lowTo = CpuSplitScore.lowTo(part[2]);
        long highFrom = CpuSplitScore.highFrom(part[3]);
        List<Long> keys = new ArrayList<>(List.of(0L, 1L, 7L, 1000L, (long) Integer.MAX_VALUE,
            (long) Integer.MAX_VALUE + 1, Long.MAX_VALUE / 4));
        for (long around : new long[] {lowTo, highFrom, left}) {
          for (long k = around - 3; k <= around + 3; k++) {
            keys.add(k);
          }
        }
        for (int r = 0; r < 20; r++) {
          keys.add((long) random.nextInt((int) Math.min(Integer.MAX_VALUE, Math.max(2, 2 * Math.max(left, 1)))));
        }
        for (long c : keys) {
          if (c < 0) {
            continue;
          }
          check(f, shape, node, part, c);
          long key = f.cpuKey(withCpu(shape, c));
          if (key >= CpuSplitScore.lowFrom(part[2]) && key <= lowTo) {
            lowHits++;
          } else if (CpuSplitScore.hasHigh(part[3]) && key >= highFrom) {
            highHits++;
          } else {
            middle++;
          }
        }
      }
    }
    assertThat(lowHits).as("requests in a low range").isGreaterThan(1000);
    assertThat(highHits).as("requests in a high range").isGreaterThan(1000);
    assertThat(middle).as("requests between the ranges").isGreaterThan(1000);
  }

  @Test
  void everyRequestAcrossBothEdgesOfSomeNodes() {
    FragmentationScore f = new FragmentationScore(WorkloadProfileLearner.DEFAULT, new LedgerCpuView());
    int checked = 0;
    for (int i = 0; i < 400 && checked < 4; i++) {
      NodeGpuState node = randomNode(i);
      long left = new LedgerCpuView().nodeCpuLeftMilli(node);
      if (left < 5_000 || left > 40_000) {
        continue;
      }
      for (PodDemand shape : SHAPES) {
        long[] part = new long[CpuSplitScore.PART_LONGS];
        f.gpuPart(shape, node, part, 0);
        for (long c = 0; c <= left + 2; c++) {
          check(f, shape, node, part, c);
        }
      }
      checked++;
    }
    assertThat(checked).isEqualTo(4);
  }
}
