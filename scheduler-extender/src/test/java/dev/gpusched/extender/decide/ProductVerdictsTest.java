package dev.gpusched.extender.decide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.topology.IntraNodePolicy;
import dev.gpusched.extender.model.Placement;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.GpuProducts;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.extender.state.NodeInfo;
import dev.gpusched.extender.state.NodeStateBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProductVerdictsTest {
  private static NodeGpuState node(String name, String product) {
    return NodeStateBuilder.build(new NodeInfo(name, 2, product, 40_960, Map.of(), Map.of(), false, null, "none", null,
        64_000), List.of(), List.of());
  }

  private static PodDemand allowing(List<String> models) {
    return new PodDemand("ns", "p", "uid", 1, 0, 0, IntraNodePolicy.values()[0], Placement.BINPACK, models, 1_000);
  }

  @Test
  void equalProductsShareANumberAndOthersDoNot() {
    assertThat(GpuProducts.numberOf("nvidia-a100-sxm4-80gb")).isEqualTo(GpuProducts.numberOf(
        new String("nvidia-a100-sxm4-80gb".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
            java.nio.charset.StandardCharsets.ISO_8859_1)));
    assertThat(GpuProducts.numberOf("nvidia-h100-80gb-hbm3")).isNotEqualTo(GpuProducts.numberOf("nvidia-a100-sxm4-80gb"))
        .isNotNegative();
    assertThat(node("a", "NVIDIA-H100-80GB-HBM3").productNumber()).isEqualTo(GpuProducts.numberOf("nvidia-h100-80gb-hbm3"));
  }

  /** Across more products than its first table holds, twice over each (the second time read back), as the filter says. */
  @Test
  void sameVerdictAsTheModelFilterForEveryProduct() {
    GpuModelFit model = new GpuModelFit();
    List<NodeGpuState> nodes = new ArrayList<>();
    for (int round = 0; round < 2; round++) {
      for (int p = 0; p < 40; p++) {
        nodes.add(node("n" + round + "-" + p, p % 3 == 0 ? "NVIDIA-H100-80GB-v" + p : "Tesla-T4-rev" + p));
      }
    }
    nodes.add(node("unlabelled", null));
    for (List<String> allowed : List.of(List.<String>of(), List.of("h100"), List.of("t4", "v1"), List.of("nothing"))) {
      PodDemand demand = allowing(allowed);
      ProductVerdicts verdicts = new ProductVerdicts(model, demand);
      int passed = 0;
      for (NodeGpuState n : nodes) {
        boolean want = model.passes(demand, n);
        assertThat(verdicts.passes(n)).as("%s on %s", allowed, n.info().product()).isEqualTo(want);
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
