package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;
import java.util.List;

/** The node's GPU product is one the pod allows ({@code gpusched.dev/gpu-model}). */
public final class GpuModelFit implements FilterPlugin {
  @Override
  public String name() {
    return "gpu_model";
  }

  @Override
  public boolean passes(PodDemand demand, NodeGpuState node) {
    return allows(demand.allowedModels(), node.productLowerCase());
  }

  /**
   * The rule this filter applies: a pod allowing {@code allowed} (lower case; empty: any model) may use a GPU product
   * whose lower-case label contains one of them. {@link WorkloadProfile#onProduct} judges a node's usability by it too.
   */
  public static boolean allows(List<String> allowed, String productLowerCase) {
    if (allowed.isEmpty()) {
      return true;
    }
    for (int i = 0; i < allowed.size(); i++) {
      if (productLowerCase.contains(allowed.get(i))) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String filter(PodDemand demand, NodeGpuState node) {
    if (passes(demand, node)) {
      return null;
    }
    List<String> allowed = demand.allowedModels();
    return "GPU product \"" + node.info().product() + "\" is not one of " + String.join("|", allowed);
  }

  @Override
  public boolean readsPodCpu() {
    return false;
  }

  @Override
  public boolean readsPodMemoryBeyondFit() {
    return false;
  }

  @Override
  public boolean reasonQuotesMemory(PodDemand demand, NodeGpuState node) {
    return false;
  }
}
