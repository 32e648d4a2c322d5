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
    NodeInfo info = NodeInfo.withTopology(name, gpus, "T4", 0, Map.of(), Map.of(), false, null);
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
    WorkloadProfile profile = WorkloadProfile.builder().add(1, 1000, 4000, 5).add(1, 300, 1000, 3).add(2, 1000, 8000, 2)
        .build();
    double cpuPerGpuMilli = profile.cpuMilliPerGpuMilli();
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
        double before = Math.max(0, freeMilli(node, 0, -1, 0) - cpuLeft / cpuPerGpuMilli);
        double after = Math.max(0, freeMilli(node, taken, shared, d.milli())
            - Math.max(0, cpuLeft - podCpu) / cpuPerGpuMilli);
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
