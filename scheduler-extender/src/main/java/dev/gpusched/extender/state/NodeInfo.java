package dev.gpusched.extender.state;

import dev.gpusched.extender.model.Annotations;
import dev.gpusched.topology.GpuTopologies;
import dev.gpusched.topology.TopologyClass;
import java.util.Map;

/**
 * What gpusched keeps of a Kubernetes Node: its GPU count, product and labels.
 *
 * @param gpuCount allocatable {@code nvidia.com/gpu} (0 for a node without GPUs)
 * @param product the GPU product label ({@code nvidia.com/gpu.product}), or "" when unknown
 * @param gpuMemoryMiB framebuffer of one GPU ({@code nvidia.com/gpu.memory}, MiB), or 0 when unknown
 * @param topology the node's GPU interconnect class (shared by nodes of identical topology); null without GPUs
 * @param topologySource where the topology came from ({@code annotation:nvidia-smi}, {@code gfd:nvswitch(...)}, ...)
 *     and, when a better source was unusable, why
 * @param problem why the node's GPU data could not be used, or null (shown by /inspect; the node then offers no GPU)
 * @param cpuAllocatableMilli allocatable CPU in milli-CPU, or 0 when unknown
 */
public record NodeInfo(
    String name, int gpuCount, String product, long gpuMemoryMiB, Map<String, String> labels,
    Map<String, String> annotations, boolean unschedulable, TopologyClass topology, String topologySource,
    String problem, long cpuAllocatableMilli) {

  public NodeInfo(String name, int gpuCount, String product, long gpuMemoryMiB, Map<String, String> labels,
      Map<String, String> annotations, boolean unschedulable, TopologyClass topology, String topologySource,
      String problem) {
    this(name, gpuCount, product, gpuMemoryMiB, labels, annotations, unschedulable, topology, topologySource, problem, 0);
  }

  /** The same node with its allocatable CPU. */
  public NodeInfo withCpuAllocatable(long milli) {
    return new NodeInfo(name, gpuCount, product, gpuMemoryMiB, labels, annotations, unschedulable, topology,
        topologySource, problem, milli);
  }

  /** The same node with its GPU topology resolved from its annotation or labels. */
  public static NodeInfo withTopology(String name, int gpuCount, String product, long gpuMemoryMiB,
      Map<String, String> labels, Map<String, String> annotations, boolean unschedulable, String problem) {
    if (gpuCount == 0) {
      return new NodeInfo(name, 0, product, gpuMemoryMiB, labels, annotations, unschedulable, null, "none", problem);
    }
    String text = annotations.get(Annotations.GPU_TOPOLOGY);
    String note = "";
    if (text != null) {
      try {
        GpuTopologies.Inferred read = GpuTopologies.readAnnotation(text);
        if (read.topology().gpuCount() == gpuCount) {
          return new NodeInfo(name, gpuCount, product, gpuMemoryMiB, labels, annotations, unschedulable,
              TopologyClass.of(read.topology()), read.source(), problem);
        }
        note = " (" + Annotations.GPU_TOPOLOGY + " describes " + read.topology().gpuCount() + " GPUs, the node has "
            + gpuCount + ")";
      } catch (RuntimeException e) {
        note = " (" + Annotations.GPU_TOPOLOGY + " unreadable: " + e.getMessage() + ")";
      }
    }
    GpuTopologies.Inferred inferred = GpuTopologies.fromFeatureDiscovery(product, gpuCount);
    return new NodeInfo(name, gpuCount, product, gpuMemoryMiB, labels, annotations, unschedulable,
        TopologyClass.of(inferred.topology()), inferred.source() + note, problem);
  }
}
