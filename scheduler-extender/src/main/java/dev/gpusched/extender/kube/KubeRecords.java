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

/**
 * Converts Kubernetes objects into the ledger's records; tolerant: a bad field becomes a recorded problem, never a throw.
 * Strings that repeat from object to object (namespaces, node names, label keys and values, quantities) are interned,
 * so a cluster's thousands of pods and nodes share one copy of each.
 */
public final class KubeRecords {
  /** Label and annotation values up to this length are interned (names, flags, GPU ids); longer ones rarely repeat. */
  static final int INTERNED_VALUE_LENGTH = 64;

  private KubeRecords() {}

  /**
   * What gpusched keeps of a node: its GPUs, CPU and topology, all its labels (the network levels and GPU feature
   * discovery are read from them) and its annotations under {@value Annotations#PREFIX}.
   */
  public static NodeInfo nodeInfo(Node node) {
    return gpuInfo(node).withCpuAllocatable(cpuAllocatableMilli(node));
  }

  /**
   * The node as the informer's store gives it back ({@link CompactStore}): name, labels, annotations and whether it is
   * unschedulable. fabric8 reads only the name of a stored node (a relist reports the nodes gone with it).
   */
  static Node node(NodeInfo info) {
    return new io.fabric8.kubernetes.api.model.NodeBuilder().withNewMetadata().withName(info.name())
        .withLabels(info.labels()).withAnnotations(info.annotations()).endMetadata()
        .withNewSpec().withUnschedulable(info.unschedulable() ? Boolean.TRUE : null).endSpec().build();
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
    Map<String, String> labels = interned(meta.getLabels(), key -> true, Integer.MAX_VALUE);
    Map<String, String> annotations = interned(meta.getAnnotations(), key -> key.startsWith(Annotations.PREFIX),
        Integer.MAX_VALUE); // the topology text is the same on every node of a model
    String name = interned(meta.getName());
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
      return NodeInfo.withTopology(name, 0, product, memory, labels, annotations, unschedulable, null);
    }
    try {
      BigDecimal n = q.getNumericalAmount();
      if (n.signum() < 0 || n.stripTrailingZeros().scale() > 0) {
        return NodeInfo.withTopology(name, 0, product, memory, labels, annotations, unschedulable,
            "allocatable " + Annotations.RESOURCE_GPU + "=" + q + " is not a whole number of GPUs");
      }
      if (n.compareTo(BigDecimal.valueOf(GpuIds.MAX_GPUS_PER_NODE)) > 0) {
        return NodeInfo.withTopology(name, 0, product, memory, labels, annotations, unschedulable,
            "allocatable " + Annotations.RESOURCE_GPU + "=" + q + " is more than gpusched handles per node ("
                + GpuIds.MAX_GPUS_PER_NODE + ")");
      }
      return NodeInfo.withTopology(name, n.intValueExact(), product, memory, labels, annotations, unschedulable, null);
    } catch (RuntimeException e) {
      return NodeInfo.withTopology(name, 0, product, memory, labels, annotations, unschedulable,
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

  /** The ledger's record of a pod: its identity, node, phase, GPUs (as recorded or asked) and CPU request. */
  public static PodRecord podRecord(Pod pod) {
    var meta = pod.getMetadata();
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    boolean terminal = "Succeeded".equals(phase) || "Failed".equals(phase);
    String nodeName = pod.getSpec() == null ? null : interned(emptyToNull(pod.getSpec().getNodeName()));
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
    // creation times repeat for pods created together (a job's, a gang's, a scaled deployment's)
    return new PodRecord(uid, meta.getNamespace() == null ? "default" : interned(meta.getNamespace()), meta.getName(),
        nodeName, gpus, milli, memory, ids, terminal, interned(meta.getCreationTimestamp()), problem,
        PodDemandParser.cpuRequestMilli(pod));
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

  /** The one shared copy of a string that many objects repeat (the JVM's string table holds it weakly), or null. */
  static String interned(String s) {
    return s == null ? null : s.intern();
  }

  /**
   * An immutable copy of the entries whose key {@code keep} accepts, keys and values up to {@code maxValueLength}
   * interned; empty for null.
   */
  static Map<String, String> interned(Map<String, String> map, java.util.function.Predicate<String> keep,
      int maxValueLength) {
    if (map == null || map.isEmpty()) {
      return Map.of();
    }
    java.util.HashMap<String, String> out = new java.util.HashMap<>();
    for (Map.Entry<String, String> e : map.entrySet()) {
      String v = e.getValue();
      if (v != null && keep.test(e.getKey())) {
        out.put(e.getKey().intern(), v.length() <= maxValueLength ? v.intern() : v);
      }
    }
    return Map.copyOf(out);
  }
}
