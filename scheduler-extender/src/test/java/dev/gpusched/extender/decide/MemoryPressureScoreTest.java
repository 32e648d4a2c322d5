package dev.gpusched.extender.decide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.state.NodeGpuState;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link MemoryPressureScore}: 100 x free framebuffer over the usable GPUs / their size, rounded down; 100 when the size
 * is unknown; it reads nothing of the pod.
 */
class MemoryPressureScoreTest {
  private final MemoryPressureScore pressure = new MemoryPressureScore();

  @Test
  void freeFramebufferOverTheNodesFramebuffer() {
    // 4 x 40,960 MiB, a share asking 10,240 MiB on GPU 0: 153,600 of 163,840 MiB free, 93.75
    NodeGpuState node = Nodes.node("n", 4).product("NVIDIA-A100-PCIE-40GB", 40_960).share(0, 300, 10_240).build();
    assertThat(pressure.score(Demands.whole(1).build(), node)).isEqualTo(93);
    assertThat(pressure.score(Demands.share(100).memory(30_000).build(), node)).as("whatever the pod").isEqualTo(93);
    // a second share of 20,480 MiB on GPU 1: 133,120 of 163,840, 81.25
    NodeGpuState fuller = Nodes.node("n", 4).product("NVIDIA-A100-PCIE-40GB", 40_960).share(0, 300, 10_240)
        .share(1, 300, 20_480).build();
    assertThat(pressure.score(Demands.whole(1).build(), fuller)).isEqualTo(81);
  }

  @Test
  void unknownSizeScoresFullAndUnusableGpusDoNotCount() {
    assertThat(pressure.score(Demands.whole(1).build(), Nodes.node("n", 4).product("NVIDIA-L4", 0).build()))
        .isEqualTo(100);
    NodeGpuState broken = Nodes.node("b", 4).product("NVIDIA-L4", 23_034).problem("gpu labels disagree").build();
    assertThat(pressure.score(Demands.whole(1).build(), broken)).as("no usable GPU").isZero();
  }

  @Test
  void keptPerNodeStateAsComputed() {
    NodeGpuState node = Nodes.node("n", 4).product("NVIDIA-A100-PCIE-40GB", 40_960).share(0, 300, 10_240).build();
    NodeGpuState other = Nodes.node("n", 4).product("NVIDIA-A100-PCIE-40GB", 40_960).build();
    List<NodeGpuState> layout = List.of(node);
    CycleState cycle = new CycleState(Demands.whole(1).build());
    assertThat(pressure.score(cycle.at(node, layout, 0, 1))).isEqualTo(93);
    assertThat(pressure.score(cycle.at(node, layout, 0, 1))).isEqualTo(93);
    assertThat(pressure.score(cycle.at(other, layout, 0, 2))).as("a new stamp: the new state's").isEqualTo(100);
  }
}
