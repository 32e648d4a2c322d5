package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.GpuProducts;
import dev.gpusched.extender.state.NodeGpuState;
import java.util.List;
import java.util.Set;

/**
 * The node's GPU product is one the pod allows ({@code gpusched.dev/gpu-model}): the lower-case product contains one
 * of the pod's allowed models. A pod that names none allows every product.
 */
public final class GpuModelFit implements FilterPlugin {
  /** The pod's verdict per product, kept for the call: a call matches each product once, not once per node. */
  private static final CycleState.PodKey<ProductVerdicts> VERDICTS = new CycleState.PodKey<>(ProductVerdicts::new);

  @Override
  public String name() {
    return "gpu_model";
  }

  @Override
  public Set<PodInput> reads() {
    return Set.of(PodInput.GPU_REQUEST);
  }

  @Override
  public boolean passes(CycleState cycle) {
    return cycle.demand().allowedModels().isEmpty() || cycle.podState(VERDICTS).allows(cycle.node());
  }

  @Override
  public String reason(CycleState cycle) {
    return "GPU product \"" + cycle.node().info().product() + "\" is not one of "
        + String.join("|", cycle.demand().allowedModels());
  }

  @Override
  public boolean reasonQuotesMemory(CycleState cycle) {
    return false;
  }

  /**
   * The rule this filter applies: a pod allowing {@code allowedModels} (lower case; empty: any model) may use a GPU
   * product whose lower-case label contains one of them. {@link WorkloadProfile#onProduct} judges a node's usability by
   * it too.
   */
  public static boolean allows(List<String> allowedModels, String productLowerCase) {
    if (allowedModels.isEmpty()) {
      return true;
    }
    for (int i = 0; i < allowedModels.size(); i++) {
      if (productLowerCase.contains(allowedModels.get(i))) {
        return true;
      }
    }
    return false;
  }

  /** {@link #allows} for one pod, by product number ({@link NodeGpuState#productNumber}), each matched once. */
  private static final class ProductVerdicts {
    private static final byte UNKNOWN = 0;
    private static final byte ALLOWED = 1;
    private static final byte REFUSED = 2;

    private final List<String> allowed;
    private byte[] verdicts = new byte[16];

    ProductVerdicts(PodDemand demand) {
      this.allowed = demand.allowedModels();
    }

    boolean allows(NodeGpuState node) {
      int number = node.productNumber();
      if (number < 0) {
        return GpuModelFit.allows(allowed, node.productLowerCase());
      }
      byte[] v = verdicts;
      if (number < v.length && v[number] != UNKNOWN) {
        return v[number] == ALLOWED;
      }
      boolean allows = GpuModelFit.allows(allowed, node.productLowerCase());
      if (number >= v.length) {
        v = java.util.Arrays.copyOf(v, Math.min(GpuProducts.MAX_PRODUCTS, Math.max(number + 1, 2 * v.length)));
        verdicts = v;
      }
      v[number] = allows ? ALLOWED : REFUSED;
      return allows;
    }
  }
}
