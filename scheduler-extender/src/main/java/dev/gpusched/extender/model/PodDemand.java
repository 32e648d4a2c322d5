package dev.gpusched.extender.model;

import dev.gpusched.topology.IntraNodePolicy;
import java.util.List;

/**
 * What one pod asks of GPUs, parsed and validated once per request so the per-node loop only compares numbers.
 *
 * @param gpus whole GPUs ({@code nvidia.com/gpu}); 0 when the pod shares a GPU or uses none
 * @param milli share of one GPU in thousandths ({@code gpusched.dev/gpu-milli}); 0 when the pod takes whole GPUs
 * @param memoryMiB framebuffer each of its GPUs needs ({@code gpusched.dev/gpu-memory}); 0 when unspecified
 * @param intraNode the interconnect policy ({@code gpusched.dev/intra-node})
 * @param allowedModels lower-case product substrings, one of which the node's GPU product must contain; empty = any
 * @param cpuMilli the pod's CPU request in milli-CPU (as kube-scheduler counts it), 0 when it requests none
 */
public record PodDemand(
    String namespace,
    String name,
    String uid,
    int gpus,
    int milli,
    long memoryMiB,
    IntraNodePolicy intraNode,
    Placement placement,
    List<String> allowedModels,
    long cpuMilli) {

  /** Keeps {@code allowedModels} lower case, as the per-node match expects (the parser already makes them so). */
  public PodDemand {
    for (String model : allowedModels) {
      if (!model.equals(model.toLowerCase(java.util.Locale.ROOT))) {
        allowedModels = lowerCase(allowedModels);
        break;
      }
    }
  }

  private static List<String> lowerCase(List<String> models) {
    String[] out = new String[models.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = models.get(i).toLowerCase(java.util.Locale.ROOT);
    }
    return List.of(out);
  }

  /** A demand without a CPU request. */
  public PodDemand(String namespace, String name, String uid, int gpus, int milli, long memoryMiB,
      IntraNodePolicy intraNode, Placement placement, List<String> allowedModels) {
    this(namespace, name, uid, gpus, milli, memoryMiB, intraNode, placement, allowedModels, 0);
  }

  public static final PodDemand NONE =
      new PodDemand("", "", "", 0, 0, 0, IntraNodePolicy.PREFER_NVLINK, Placement.BINPACK, List.of());

  /** True when the pod asks for no GPU at all: gpusched lets it pass untouched. */
  public boolean usesNoGpu() {
    return gpus == 0 && milli == 0;
  }

  public boolean isShared() {
    return milli > 0;
  }

  public String podKey() {
    return namespace + "/" + name;
  }

}
