package dev.gpusched.extender.decide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.GpuProducts;
import dev.gpusched.extender.state.NodeGpuState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link GpuModelFit}: the node's product, lower case, contains one of the pod's allowed models; none named: any. */
class GpuModelFitTest {
  private final GpuModelFit fit = new GpuModelFit();

  private static NodeGpuState node(String product) {
    return Nodes.node("n-" + product, 2).product(product, 0).build();
  }

  @Test
  void aProductPassesWhenItContainsAnAllowedModel() {
    NodeGpuState h100 = node("NVIDIA-H100-80GB-HBM3");
    NodeGpuState t4 = node("Tesla-T4");
    assertThat(fit.filter(Demands.whole(1).build(), t4)).as("no model named: any product").isNull();
    assertThat(fit.filter(Demands.whole(1).models("H100").build(), h100)).as("matched in lower case").isNull();
    assertThat(fit.filter(Demands.whole(1).models("a100", "h100").build(), h100)).isNull();
    assertThat(fit.filter(Demands.whole(1).models("h100", "a100").build(), t4))
        .isEqualTo("GPU product \"Tesla-T4\" is not one of h100|a100");
    assertThat(fit.filter(Demands.whole(1).models("t4").build(), node("")))
        .as("an unlabelled node has no product to match").isEqualTo("GPU product \"\" is not one of t4");
  }

  @Test
  void equalProductsShareANumberAndOthersDoNot() {
    assertThat(GpuProducts.numberOf("nvidia-a100-sxm4-80gb")).isEqualTo(GpuProducts.numberOf(
        new String("nvidia-a100-sxm4-80gb".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
            java.nio.charset.StandardCharsets.ISO_8859_1)));
    assertThat(GpuProducts.numberOf("nvidia-h100-80gb-hbm3")).isNotEqualTo(GpuProducts.numberOf("nvidia-a100-sxm4-80gb"))
        .isNotNegative();
    assertThat(node("NVIDIA-H100-80GB-HBM3").productNumber()).isEqualTo(GpuProducts.numberOf("nvidia-h100-80gb-hbm3"));
  }

  /**
   * One cycle moved over many nodes keeps the pod's verdict per product: across more products than its first table
   * holds, twice over each (the second time read back), it answers as the rule does.
   */
  @Test
  void verdictsKeptPerProductForACallAreTheRules() {
    List<NodeGpuState> nodes = new ArrayList<>();
    for (int round = 0; round < 2; round++) {
      for (int p = 0; p < 40; p++) {
        nodes.add(node(p % 3 == 0 ? "NVIDIA-H100-80GB-v" + p : "Tesla-T4-rev" + p));
      }
    }
    nodes.add(node(""));
    for (List<String> allowed : List.of(List.<String>of(), List.of("h100"), List.of("t4", "v1"), List.of("nothing"))) {
      PodDemand demand = Demands.whole(1).models(allowed.toArray(new String[0])).build();
      CycleState cycle = new CycleState(demand);
      int passed = 0;
      for (int i = 0; i < nodes.size(); i++) {
        NodeGpuState n = nodes.get(i);
        boolean want = GpuModelFit.allows(allowed, n.productLowerCase());
        assertThat(fit.passes(cycle.at(n, this, i, 0))).as("%s on %s", allowed, n.info().product()).isEqualTo(want);
        passed += want ? 1 : 0;
      }
      switch (allowed.size()) {
        case 0 -> assertThat(passed).isEqualTo(nodes.size());
        case 1 -> assertThat(passed).isIn(28, 0); // h100: every third product, both rounds; "nothing": none
        default -> assertThat(passed).isEqualTo(2 * 26 + 2 * 3); // the T4s, and the H100s v12, v15, v18 ("v1")
      }
    }
  }
}
