package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.GpuProducts;
import dev.gpusched.extender.state.NodeGpuState;

/**
 * {@link GpuModelFit}'s verdict per GPU product for one pod, on one thread: the pod's allowed models are matched once
 * per product ({@link NodeGpuState#productNumber}), not once per node (a substring search per allowed model).
 */
final class ProductVerdicts {
  private static final byte UNKNOWN = 0;
  private static final byte PASSES = 1;
  private static final byte FAILS = 2;

  private final GpuModelFit model;
  private final PodDemand demand;
  private final boolean any;
  private byte[] verdicts = new byte[16];

  ProductVerdicts(GpuModelFit model, PodDemand demand) {
    this.model = model;
    this.demand = demand;
    this.any = demand.allowedModels().isEmpty();
  }

  /** {@code model.passes(demand, node)}. */
  boolean passes(NodeGpuState node) {
    if (any) {
      return true;
    }
    int number = node.productNumber();
    if (number < 0) {
      return model.passes(demand, node);
    }
    byte[] v = verdicts;
    if (number < v.length && v[number] != UNKNOWN) {
      return v[number] == PASSES;
    }
    boolean passes = model.passes(demand, node);
    if (number >= v.length) {
      v = java.util.Arrays.copyOf(v, Math.min(GpuProducts.MAX_PRODUCTS, Math.max(number + 1, 2 * v.length)));
      verdicts = v;
    }
    v[number] = passes ? PASSES : FAILS;
    return passes;
  }
}
