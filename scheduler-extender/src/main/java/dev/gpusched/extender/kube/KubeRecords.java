package dev.gpusched.extender.kube;

import dev.gpusched.extender.model.Annotations;
import dev.gpusched.extender.model.GpuIds;
import dev.gpusched.extender.model.InvalidDemandException;
import dev.gpusched.extender.model.PodDemandParser;
import dev.gpusched.extender.state.NodeInfo;
import dev.gpusched.extender.state.PodRecord;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/** Converts Kubernetes objects into the ledger's records; tolerant: a bad field becomes a recorded problem, never a throw. */
public final class KubeRecords {
  private KubeRecords() {}

  public static NodeInfo nodeInfo(Node node) {
    return gpuInfo(node).withCpuAllocatable(cpuAllocatableMilli(node));
  }

  /** Allocatable CPU in milli-CPU, or 0 when the node does not say. */
  static long cpuAllocatableMilli(Node node) {
    if (node.getStatus() == null || node.getStatus().getAllocatable() == null) {
      return 0;
    }
    Quantity q = node.getStatus().getAllocatable().get("cpu");
    try {
      return q == null ? 0 : Math.max(0, q.getNumericalAmount().multiply(BigDecimal.valueOf(1000)).longValue());
    } catch (RuntimeException e) {
      return 0;
    }
  }

  private static NodeInfo gpuInfo(Node node) {
    var meta = node.getMetadata();
    Map<String, String> labels = meta.getLabels() == null ? Map.of() : Map.copyOf(meta.getLabels());
    Map<String, String> annotations = meta.getAnnotations() == null ? Map.of() : Map.copyOf(meta.getAnnotations());
    String product = labels.getOrDefault(Annotations.LABEL_GPU_PRODUCT, "");
    long memory = gpuMemoryMiB(labels.get(Annotations.LABEL_GPU_MEMORY));
    boolean unschedulable = node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
    Quantity q = null;
    if (node.getStatus() != null) {
      if (node.getStatus().getAllocatable() != null) {
        q = node.getStatus().getAllocatable().get(Annotations.RESOURCE_GPU);
      }
      if (q == null && node.getStatus().getCapacity() != null) {
        q = node.getStatus().getCapacity().get(Annotations.RESOURCE_GPU);
      }
    }
    if (q == null) {
      return NodeInfo.withTopology(meta.getName(), 0, product, memory, labels, annotations, unschedulable, null);
    }
    try {
      BigDecimal n = q.getNumericalAmount();
      if (n.signum() < 0 || n.stripTrailingZeros().scale() > 0) {
        return NodeInfo.withTopology(meta.getName(), 0, product, memory, labels, annotations, unschedulable,
            "allocatable " + Annotations.RESOURCE_GPU + "=" + q + " is not a whole number of GPUs");
      }
      if (n.compareTo(BigDecimal.valueOf(GpuIds.MAX_GPUS_PER_NODE)) > 0) {
        return NodeInfo.withTopology(meta.getName(), 0, product, memory, labels, annotations, unschedulable,
            "allocatable " + Annotations.RESOURCE_GPU + "=" + q + " is more than gpusched handles per node ("
                + GpuIds.MAX_GPUS_PER_NODE + ")");
      }
      return NodeInfo.withTopology(meta.getName(), n.intValueExact(), product, memory, labels, annotations, unschedulable, null);
    } catch (RuntimeException e) {
      return NodeInfo.withTopology(meta.getName(), 0, product, memory, labels, annotations, unschedulable,
          "allocatable " + Annotations.RESOURCE_GPU + "=\"" + q + "\" is not a quantity");
    }
  }

  /** GPU feature discovery writes {@code nvidia.com/gpu.memory} in MiB; anything unreadable counts as unknown (0). */
  static long gpuMemoryMiB(String label) {
    if (label == null) {
      return 0;
    }
    try {
      long v = Long.parseLong(label.trim());
      return v > 0 && v <= dev.gpusched.extender.model.PodDemandParser.MAX_GPU_MEMORY_MIB ? v : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  public static PodRecord podRecord(Pod pod) {
    var meta = pod.getMetadata();
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    boolean terminal = "Succeeded".equals(phase) || "Failed".equals(phase);
    String nodeName = pod.getSpec() == null ? null : emptyToNull(pod.getSpec().getNodeName());
    String problem = null;
    int gpus = 0;
    int milli = 0;
    long memory = 0;
    try {
      var demand = PodDemandParser.parse(pod);
      gpus = demand.gpus();
      milli = demand.milli();
      memory = demand.memoryMiB();
    } catch (InvalidDemandException e) {
      problem = e.getMessage();
      // A bound pod still holds what the kubelet granted: count its whole GPUs even if its annotations are broken.
      gpus = safeCount(pod);
    }
    List<Integer> ids = null;
    String raw = meta.getAnnotations() == null ? null : meta.getAnnotations().get(Annotations.GPU_IDS);
    if (raw != null) {
      try {
        ids = GpuIds.parse(raw);
      } catch (IllegalArgumentException e) {
        problem = e.getMessage();
      }
    }
    String uid = meta.getUid() == null ? meta.getNamespace() + "/" + meta.getName() : meta.getUid();
    return new PodRecord(uid, meta.getNamespace() == null ? "default" : meta.getNamespace(), meta.getName(), nodeName,
        gpus, milli, memory, ids, terminal, meta.getCreationTimestamp(), problem, PodDemandParser.cpuRequestMilli(pod));
  }

  private static int safeCount(Pod pod) {
    try {
      return PodDemandParser.parse(new io.fabric8.kubernetes.api.model.PodBuilder(pod)
          .editMetadata().withAnnotations(Map.of()).endMetadata().build()).gpus();
    } catch (RuntimeException e) {
      return 0;
    }
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
