package dev.gpusched.extender.model;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.math.RoundingMode;
import dev.gpusched.topology.IntraNodePolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a pod's GPU demand from its resources and its {@code gpusched.dev/*} annotations. An annotation missing on the pod
 * is looked up in the owner's annotations (the MLService that created it), so intent flows from the workload down.
 */
public final class PodDemandParser {
  /** No node has more; a larger request is a typo, not a plan. */
  public static final int MAX_GPUS_PER_POD = 64;
  /** Above any GPU built; a larger value is a unit mistake (e.g. {@code 20G} meant per GPU, written as bytes x1000). */
  public static final long MAX_GPU_MEMORY_MIB = 4L * 1024 * 1024;

  private PodDemandParser() {}

  public static PodDemand parse(Pod pod) {
    return parse(pod, Map.of());
  }

  /** @param ownerAnnotations annotations of the owning MLService, consulted for keys the pod itself lacks */
  public static PodDemand parse(Pod pod, Map<String, String> ownerAnnotations) {
    var meta = pod.getMetadata();
    Map<String, String> own = meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();
    String namespace = meta.getNamespace() == null ? "default" : meta.getNamespace();
    String uid = meta.getUid() == null ? "" : meta.getUid();
    int gpus = wholeGpus(pod);
    int milli = milliGpus(pod);
    if (gpus > 0 && milli > 0) {
      throw new InvalidDemandException("the pod asks for both " + Annotations.RESOURCE_GPU + "=" + gpus + " and "
          + Annotations.RESOURCE_GPU_MILLI + "=" + milli + ": ask for whole GPUs or for a share of one, not both");
    }
    String memory = lookup(own, ownerAnnotations, Annotations.GPU_MEMORY);
    long memoryMiB = memory == null ? 0 : parseMemoryMiB(memory);
    String intraText = lookup(own, ownerAnnotations, Annotations.INTRA_NODE);
    IntraNodePolicy intra;
    try {
      intra = IntraNodePolicy.parse(intraText);
    } catch (IllegalArgumentException e) {
      throw new InvalidDemandException(Annotations.INTRA_NODE + "=\"" + abbreviate(intraText) + "\" is not valid: use one of "
          + IntraNodePolicy.VALID_VALUES);
    }
    String placement = lookup(own, ownerAnnotations, Annotations.PLACEMENT);
    String models = lookup(own, ownerAnnotations, Annotations.GPU_MODEL);
    return new PodDemand(namespace, meta.getName(), uid, gpus, milli, memoryMiB, intra,
        placement == null ? Placement.BINPACK : Placement.parse(placement), parseModels(models), cpuRequestMilli(pod));
  }

  /**
   * The pod's CPU request in milli-CPU as kube-scheduler counts it: the sum over app containers, or the largest init
   * container if that is more. Unreadable quantities count as 0 (kube-scheduler's own validation rejects them).
   */
  public static long cpuRequestMilli(Pod pod) {
    if (pod.getSpec() == null) {
      return 0;
    }
    long sum = 0;
    for (Container c : nullSafe(pod.getSpec().getContainers())) {
      sum += cpuMilli(c);
    }
    long init = 0;
    for (Container c : nullSafe(pod.getSpec().getInitContainers())) {
      init = Math.max(init, cpuMilli(c));
    }
    return Math.max(sum, init);
  }

  private static long cpuMilli(Container c) {
    if (c.getResources() == null || c.getResources().getRequests() == null) {
      return 0;
    }
    Quantity q = c.getResources().getRequests().get("cpu");
    if (q == null) {
      return 0;
    }
    try {
      BigDecimal milli = q.getNumericalAmount().multiply(BigDecimal.valueOf(1000)).setScale(0, RoundingMode.CEILING);
      return milli.signum() < 0 ? 0 : milli.min(BigDecimal.valueOf(Long.MAX_VALUE / 4)).longValue();
    } catch (RuntimeException e) {
      return 0;
    }
  }

  static String lookup(Map<String, String> own, Map<String, String> owner, String key) {
    String v = own.get(key);
    if (v == null && owner != null) {
      v = owner.get(key);
    }
    return v == null ? null : v.trim();
  }

  /** Whole GPUs: the sum over app containers, or the largest init container if that is more (as kube-scheduler counts). */
  static int wholeGpus(Pod pod) {
    return (int) resourceTotal(pod, Annotations.RESOURCE_GPU, MAX_GPUS_PER_POD, "whole GPUs");
  }

  static int milliGpus(Pod pod) {
    return (int) resourceTotal(pod, Annotations.RESOURCE_GPU_MILLI, 1000, "thousandths of one GPU");
  }

  private static long resourceTotal(Pod pod, String resource, long max, String unit) {
    if (pod.getSpec() == null) {
      return 0;
    }
    long sum = 0;
    for (Container c : nullSafe(pod.getSpec().getContainers())) {
      sum += containerAmount(c, resource, max, unit);
    }
    long init = 0;
    for (Container c : nullSafe(pod.getSpec().getInitContainers())) {
      init = Math.max(init, containerAmount(c, resource, max, unit));
    }
    long total = Math.max(sum, init);
    if (total > max) {
      throw new InvalidDemandException("the pod asks for " + total + " " + resource + " in all; at most " + max + " "
          + unit + " can be granted" + (resource.equals(Annotations.RESOURCE_GPU_MILLI)
              ? " (ask for whole GPUs with " + Annotations.RESOURCE_GPU + " instead)" : ""));
    }
    return total;
  }

  private static long containerAmount(Container c, String resource, long max, String unit) {
    if (c.getResources() == null) {
      return 0;
    }
    Quantity q = null;
    if (c.getResources().getRequests() != null) {
      q = c.getResources().getRequests().get(resource);
    }
    if (q == null && c.getResources().getLimits() != null) {
      q = c.getResources().getLimits().get(resource); // extended resources: the limit is the request when only it is set
    }
    if (q == null) {
      return 0;
    }
    BigDecimal amount;
    try {
      amount = q.getNumericalAmount();
    } catch (RuntimeException e) {
      throw new InvalidDemandException("container " + c.getName() + ": " + resource + "=\"" + abbreviate(String.valueOf(q))
          + "\" is not a quantity: use a whole number of " + unit);
    }
    if (amount.signum() < 0 || amount.stripTrailingZeros().scale() > 0) {
      throw new InvalidDemandException("container " + c.getName() + ": " + resource + "=" + amount.toPlainString()
          + " is not valid: use a whole number of " + unit + " from 0 to " + max);
    }
    if (amount.compareTo(BigDecimal.valueOf(max)) > 0) {
      throw new InvalidDemandException("container " + c.getName() + ": " + resource + "=" + amount.toPlainString()
          + " is more than " + max + " " + unit + (resource.equals(Annotations.RESOURCE_GPU_MILLI)
              ? " (ask for whole GPUs with " + Annotations.RESOURCE_GPU + " instead)" : ""));
    }
    return amount.longValueExact();
  }

  /** Parses a Kubernetes quantity of bytes into MiB, rounded up. */
  public static long parseMemoryMiB(String value) {
    BigDecimal bytes;
    try {
      bytes = Quantity.getAmountInBytes(new Quantity(value));
    } catch (RuntimeException e) {
      throw new InvalidDemandException(Annotations.GPU_MEMORY + "=\"" + abbreviate(value)
          + "\" is not a quantity: write GPU memory like 20Gi or 16384Mi");
    }
    if (bytes.signum() <= 0) {
      throw new InvalidDemandException(Annotations.GPU_MEMORY + "=\"" + abbreviate(value)
          + "\" must be more than zero: write GPU memory like 20Gi");
    }
    BigDecimal mib = bytes.divide(BigDecimal.valueOf(1024L * 1024L), 0, RoundingMode.CEILING);
    if (mib.compareTo(BigDecimal.valueOf(MAX_GPU_MEMORY_MIB)) > 0) {
      throw new InvalidDemandException(Annotations.GPU_MEMORY + "=\"" + abbreviate(value)
          + "\" is more than any GPU holds (at most 4Ti): write GPU memory per GPU, like 20Gi");
    }
    return mib.longValueExact();
  }

  private static List<String> parseModels(String value) {
    if (value == null || value.isEmpty()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String part : value.split("\\|")) {
      String p = part.trim().toLowerCase(Locale.ROOT);
      if (!p.isEmpty()) {
        out.add(p);
      }
    }
    if (out.isEmpty() || out.size() > 32) {
      throw new InvalidDemandException(Annotations.GPU_MODEL + "=\"" + abbreviate(value)
          + "\" is not valid: list 1 to 32 GPU products separated by |, e.g. H100|A100");
    }
    return List.copyOf(out);
  }

  private static <T> List<T> nullSafe(List<T> list) {
    return list == null ? List.of() : list;
  }

  /** Keeps an echoed hostile value short in error messages. */
  public static String abbreviate(String s) {
    if (s == null) {
      return "null";
    }
    String clean = s.replaceAll("\\p{Cntrl}", "?");
    return clean.length() > 64 ? clean.substring(0, 64) + "..." : clean;
  }
}
