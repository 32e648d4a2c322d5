package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;
import java.util.List;
import java.util.Locale;

/** The node's GPU product is one the pod allows ({@code gpusched.dev/gpu-model}). */
public final class GpuModelFit implements FilterPlugin {
  @Override
  public String name() {
    return "gpu_model";
  }

  @Override
  public String filter(PodDemand demand, NodeGpuState node) {
    List<String> allowed = demand.allowedModels();
    if (allowed.isEmpty()) {
      return null;
    }
    String product = node.info().product().toLowerCase(Locale.ROOT);
    for (int i = 0; i < allowed.size(); i++) {
      if (product.contains(allowed.get(i))) {
        return null;
      }
    }
    return "GPU product \"" + node.info().product() + "\" is not one of " + String.join("|", allowed);
  }
}
