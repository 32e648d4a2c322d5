package dev.gpusched.extender.decide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link GpuCountFit}: enough free GPUs with the pod's memory free each (outside other gangs' reservations), or a GPU
 * with room for a share; and the words of each refusal.
 */
class GpuCountFitTest {
  private final GpuCountFit fit = new GpuCountFit();

  /** Eight A100-40GB GPUs, 0..5 held whole: 6 and 7 free. */
  private static final NodeGpuState TWO_FREE =
      Nodes.node("two-free", 8).product("NVIDIA-A100-SXM4-40GB", 40_960).whole(0, 1, 2, 3, 4, 5).build();

  @Test
  void wholeGpusCountTheFreeOnes() {
    assertThat(fit.filter(Demands.whole(2).build(), TWO_FREE)).isNull();
    assertThat(fit.filter(Demands.whole(3).build(), TWO_FREE)).isEqualTo("needs 3 GPUs, 2 free");
    NodeGpuState full = Nodes.node("full", 2).whole(0, 1).build();
    assertThat(fit.filter(Demands.whole(1).build(), full)).isEqualTo("needs 1 GPU, 0 free");
  }

  @Test
  void gpusReservedForAGangAreNotFreeForOtherPods() {
    NodeGpuState reserved = Nodes.node("reserved", 8).whole(0, 1, 2, 3, 4, 5).reserved(0b1100_0000).build();
    assertThat(fit.filter(Demands.whole(1).build(), reserved))
        .isEqualTo("needs 1 GPU, 0 free (2 more reserved for gang members)");
  }

  @Test
  void aMemoryRequestCountsOnlyGpusWithThatMuchFree() {
    assertThat(fit.filter(Demands.whole(2).memory(40_960).build(), TWO_FREE)).isNull();
    assertThat(fit.filter(Demands.whole(1).memory(50_000).build(), TWO_FREE))
        .isEqualTo("needs 1 GPU with 50000 MiB free each, 0 of 2 free GPUs have that much (GPU 6: 40960 MiB free)");
    assertThat(fit.reasonQuotesMemory(CycleState.of(Demands.whole(1).memory(50_000).build(), TWO_FREE))).isTrue();
    assertThat(fit.reasonQuotesMemory(CycleState.of(Demands.whole(3).memory(1_000).build(), TWO_FREE)))
        .as("\"needs 3 GPUs, 2 free\" names no memory").isFalse();
  }

  @Test
  void aNodeWithoutUsableGpusFailsEveryPod() {
    NodeGpuState broken = Nodes.node("broken", 8).problem("gpu labels disagree").build();
    assertThat(fit.filter(Demands.whole(1).build(), broken)).isEqualTo("node GPUs unusable: gpu labels disagree");
    assertThat(fit.filter(Demands.share(100).build(), broken)).isEqualTo("node GPUs unusable: gpu labels disagree");
    assertThat(fit.filter(Demands.whole(1).build(), Nodes.node("cpu", 0).build())).isEqualTo("node has no GPUs");
  }

  @Test
  void aShareNeedsOneGpuWithRoomForIt() {
    // GPU 0 has 800 milli used, 1..3 are held whole
    NodeGpuState node = Nodes.node("n", 4).share(0, 800).whole(1, 2, 3).build();
    assertThat(fit.filter(Demands.share(200).build(), node)).isNull();
    assertThat(fit.filter(Demands.share(300).build(), node))
        .isEqualTo("needs 300 milli-GPU on one GPU; no shared or free GPU has that much left");
    assertThat(fit.filter(Demands.share(300).memory(1_024).build(), node))
        .isEqualTo("needs 300 milli-GPU and 1024 MiB on one GPU; no shared or free GPU has that much left");
    assertThat(fit.reasonQuotesMemory(CycleState.of(Demands.share(300).memory(1_024).build(), node))).isTrue();
    assertThat(fit.reasonQuotesMemory(CycleState.of(Demands.share(300).build(), node))).isFalse();
  }

  /**
   * The words kept per node state ({@link NodeLocal}) and per call are the words built afresh, whatever order pods of
   * different counts, memory requests and shares come in.
   */
  @Test
  void keptReasonsAreTheFreshOnes() {
    RandomNodes random = new RandomNodes(77);
    List<NodeGpuState> nodes = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      nodes.add(random.node(i));
    }
    int rejected = 0;
    int memoryWords = 0;
    for (int d = 0; d < 400; d++) {
      PodDemand demand = random.demand();
      CycleState placed = new CycleState(demand);
      for (int i = 0; i < nodes.size(); i++) {
        NodeGpuState node = nodes.get(i);
        String fresh = new GpuCountFit().filter(demand, node);
        placed.at(node, nodes, i, 0);
        String kept = fit.passes(placed) ? null : fit.reason(placed);
        assertThat(kept).as("%s on %s", demand, node.name()).isEqualTo(fresh);
        if (fresh != null) {
          rejected++;
          memoryWords += fresh.contains(" MiB free each") ? 1 : 0;
        }
      }
    }
    assertThat(rejected).isGreaterThan(10_000);
    assertThat(memoryWords).isGreaterThan(100);
  }
}
