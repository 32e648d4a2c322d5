package dev.gpusched.extender.decide;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The expected mix of GPU demands: each distinct demand (whole GPUs, or a share of one GPU in milli-GPU) with the
 * probability that the next pod asks for it, and which GPU models the pods of each demand may use.
 * {@link FragmentationScore} measures fragmentation against this mix.
 *
 * <p>A node sees the mix through its GPU product ({@link #onProduct}): pods that may not use that product
 * ({@code gpusched.dev/gpu-model}, matched as {@link GpuModelFit#allows} matches it) are not part of its mix.
 *
 * <p>It also keeps how much CPU the pods request per GPU ({@link #cpuPerGpu}): a node's CPU left decides how much of its
 * free GPU stays usable.
 *
 * <p>Immutable; built from observed counts with {@link Builder}. Classes are ordered by milli-GPU, then GPU count.
 * Pods without GPUs are not part of it.
 */
public final class WorkloadProfile {
  private final int[] gpus;
  private final int[] milli;
  private final double[] probability;
  /** Per class, the pods that name GPU models: each model list with its probability; empty for none. */
  private final ModelGroup[][] restricted;
  private final boolean hasModelRestrictions;
  private final double cpuMilliPerGpuMilli;
  private final CpuPerGpuMix cpuPerGpu;
  private final int serial;
  /** {@link #onProduct} views, by product; only for a profile with restricted classes. */
  private final ConcurrentHashMap<String, WorkloadProfile> byProduct = new ConcurrentHashMap<>();

  private static final java.util.concurrent.atomic.AtomicInteger SERIALS = new java.util.concurrent.atomic.AtomicInteger();
  private static final ModelGroup[] NONE = {};

  /** Pods of one demand class that may use only {@code models} (lower case, as {@link GpuModelFit} matches them). */
  public record ModelGroup(List<String> models, double probability) {}

  private WorkloadProfile(int[] gpus, int[] milli, double[] probability, ModelGroup[][] restricted,
      double cpuMilliPerGpuMilli, CpuPerGpuMix cpuPerGpu, int serial) {
    this.gpus = gpus;
    this.milli = milli;
    this.probability = probability;
    this.restricted = restricted;
    this.cpuMilliPerGpuMilli = cpuMilliPerGpuMilli;
    this.cpuPerGpu = cpuPerGpu;
    this.serial = serial;
    boolean any = false;
    for (ModelGroup[] groups : restricted) {
      any |= groups.length > 0;
    }
    this.hasModelRestrictions = any;
  }

  /**
   * The mix as a node of this GPU product sees it: each class's probability counts only the pods that may use the
   * product (the probabilities no longer sum to 1 when some may not); the same object for the same product. This
   * profile itself when no class names models (a view's classes name none: ask the profile as built, not a view).
   */
  public WorkloadProfile onProduct(String productLowerCase) {
    if (!hasModelRestrictions()) {
      return this;
    }
    return byProduct.computeIfAbsent(productLowerCase, product -> {
      double[] usable = new double[gpus.length];
      for (int k = 0; k < gpus.length; k++) {
        usable[k] = probability[k];
        for (ModelGroup group : restricted[k]) {
          if (!GpuModelFit.allows(group.models(), product)) {
            usable[k] -= group.probability();
          }
        }
        usable[k] = Math.max(0, usable[k]);
      }
      ModelGroup[][] none = new ModelGroup[gpus.length][];
      Arrays.fill(none, NONE);
      return new WorkloadProfile(gpus, milli, usable, none, cpuMilliPerGpuMilli, cpuPerGpu, serial);
    });
  }

  /** True when some pods of the mix may use only some GPU models. */
  public boolean hasModelRestrictions() {
    return hasModelRestrictions;
  }

  /** The model-restricted part of class {@code k}: its pods that name GPU models, by model list. */
  public List<ModelGroup> restricted(int k) {
    return List.of(restricted[k]);
  }

  /**
   * CPU the GPU pods request per milli-GPU (their total CPU over their total GPU), or 0 when no CPU was observed: how
   * much CPU a node must keep for its free GPUs to stay usable.
   */
  public double cpuMilliPerGpuMilli() {
    return cpuMilliPerGpuMilli;
  }

  /** The CPU the pods request per GPU, by class of CPU per GPU: what a node's CPU left can feed. */
  public CpuPerGpuMix cpuPerGpu() {
    return cpuPerGpu;
  }

  /**
   * Creation number of this profile, distinct for every profile built (an {@link #onProduct} view has its profile's):
   * memo keys tell profiles apart by it.
   */
  public int serial() {
    return serial;
  }

  /**
   * True when {@code other} has the same demand classes and model lists, each probability within {@code tolerance} of
   * this one's, and CPU per GPU (the mean and each class, {@link CpuPerGpuMix#closeTo}) within the same tolerance:
   * scores against either differ by a fraction of a point.
   */
  public boolean closeTo(WorkloadProfile other, double tolerance) {
    if (other.size() != size()) {
      return false;
    }
    for (int k = 0; k < size(); k++) {
      if (other.gpus[k] != gpus[k] || other.milli[k] != milli[k]
          || Math.abs(other.probability[k] - probability[k]) > tolerance
          || other.restricted[k].length != restricted[k].length) {
        return false;
      }
      for (int g = 0; g < restricted[k].length; g++) {
        ModelGroup mine = restricted[k][g];
        ModelGroup theirs = other.restricted[k][g];
        if (!mine.models().equals(theirs.models()) || Math.abs(mine.probability() - theirs.probability()) > tolerance) {
          return false;
        }
      }
    }
    double cpu = Math.max(cpuMilliPerGpuMilli, other.cpuMilliPerGpuMilli);
    return Math.abs(other.cpuMilliPerGpuMilli - cpuMilliPerGpuMilli) <= tolerance * cpu
        && cpuPerGpu.closeTo(other.cpuPerGpu, tolerance);
  }

  /** A profile of the given demand classes, each with its weight (count); weights are normalized to sum to 1. */
  public static Builder builder() {
    return new Builder();
  }

  /** Number of distinct demand classes. */
  public int size() {
    return gpus.length;
  }

  /** Whole GPUs of class {@code k}; 1 for a share. */
  public int gpus(int k) {
    return gpus[k];
  }

  /** Milli-GPU per GPU of class {@code k}: 1000 for whole GPUs, less for a share. */
  public int milli(int k) {
    return milli[k];
  }

  public double probability(int k) {
    return probability[k];
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("WorkloadProfile[");
    for (int k = 0; k < gpus.length; k++) {
      if (k > 0) {
        sb.append(", ");
      }
      sb.append(milli[k] < 1000 ? milli[k] + "m" : gpus[k] + "x").append('=')
          .append(String.format(java.util.Locale.ROOT, "%.4f", probability[k]));
      for (ModelGroup group : restricted[k]) {
        sb.append(String.format(java.util.Locale.ROOT, " (%s %.4f)", String.join("|", group.models()),
            group.probability()));
      }
    }
    return sb.append(String.format(java.util.Locale.ROOT, "; cpu/gpu=%.3f; ", cpuMilliPerGpuMilli)).append(cpuPerGpu)
        .append(']').toString();
  }

  /** Accumulates counts per demand class (and per model list within it), in first-seen order. */
  public static final class Builder {
    private final Map<Long, double[]> counts = new LinkedHashMap<>();
    private final Map<Long, Map<List<String>, double[]>> restricted = new LinkedHashMap<>();
    private double cpuMilli;
    private double gpuMilliWithCpu;
    private final CpuPerGpuMix.Builder cpuPerGpu = new CpuPerGpuMix.Builder();

    /**
     * Adds {@code weight} observations of a demand whose pods each request {@code cpuMilli} milli-CPU and may use only
     * GPU models matching one of {@code models} (lower case, as {@link GpuModelFit} matches them; empty: any).
     */
    public Builder add(int gpus, int milli, long cpuMilli, List<String> models, double weight) {
      add(gpus, milli, cpuMilli, weight);
      if (!models.isEmpty()) {
        restricted.computeIfAbsent(((long) gpus << 32) | milli, k -> new LinkedHashMap<>())
            .computeIfAbsent(List.copyOf(models), k -> new double[1])[0] += weight;
      }
      return this;
    }

    /**
     * Adds {@code weight} observations of a demand whose pods each request {@code cpuMilli} milli-CPU, so the profile
     * also learns the CPU the workload needs per GPU.
     */
    public Builder add(int gpus, int milli, long cpuMilli, double weight) {
      add(gpus, milli, weight);
      if (cpuMilli < 0) {
        throw new IllegalArgumentException("cpuMilli must be >= 0, got " + cpuMilli);
      }
      this.cpuMilli += weight * cpuMilli;
      this.gpuMilliWithCpu += weight * gpus * (double) milli;
      cpuPerGpu.add(gpus * (double) milli, cpuMilli, weight);
      return this;
    }

    /**
     * Adds {@code weight} observations of a demand.
     *
     * @param gpus whole GPUs (when {@code milli} is 1000) or 1 for a share
     * @param milli 1..1000 milli-GPU per GPU
     */
    public Builder add(int gpus, int milli, double weight) {
      if (gpus < 1 || milli < 1 || milli > 1000 || (milli < 1000 && gpus != 1)) {
        throw new IllegalArgumentException("a demand class is n whole GPUs (milli 1000) or a share of one GPU (gpus 1,"
            + " milli 1..999); got gpus=" + gpus + " milli=" + milli);
      }
      if (!(weight >= 0)) {
        throw new IllegalArgumentException("weight must be >= 0, got " + weight);
      }
      counts.computeIfAbsent(((long) gpus << 32) | milli, k -> new double[1])[0] += weight;
      return this;
    }

    /** The profile; must hold at least one class with positive weight. */
    public WorkloadProfile build() {
      double total = 0;
      for (double[] c : counts.values()) {
        total += c[0];
      }
      if (total <= 0) {
        throw new IllegalStateException("a workload profile needs at least one GPU demand with positive weight");
      }
      List<Long> keys = new ArrayList<>();
      for (Map.Entry<Long, double[]> e : counts.entrySet()) {
        if (e.getValue()[0] > 0) {
          keys.add(e.getKey());
        }
      }
      // Ascending milli-GPU, then GPU count: FragmentationScore sweeps the classes against sorted free amounts.
      keys.sort((a, b) -> {
        int byMilli = Integer.compare((int) (long) a, (int) (long) b);
        return byMilli != 0 ? byMilli : Long.compare(a >>> 32, b >>> 32);
      });
      int[] g = new int[keys.size()];
      int[] m = new int[keys.size()];
      double[] p = new double[keys.size()];
      ModelGroup[][] r = new ModelGroup[keys.size()][];
      for (int k = 0; k < keys.size(); k++) {
        long key = keys.get(k);
        g[k] = (int) (key >>> 32);
        m[k] = (int) key;
        p[k] = counts.get(key)[0] / total;
        List<ModelGroup> groups = new ArrayList<>();
        for (Map.Entry<List<String>, double[]> e : restricted.getOrDefault(key, Map.of()).entrySet()) {
          if (e.getValue()[0] > 0) {
            groups.add(new ModelGroup(e.getKey(), e.getValue()[0] / total));
          }
        }
        groups.sort(Comparator.comparing(group -> String.join("|", group.models())));
        r[k] = groups.toArray(NONE);
      }
      return new WorkloadProfile(g, m, p, r, gpuMilliWithCpu > 0 ? cpuMilli / gpuMilliWithCpu : 0, cpuPerGpu.build(),
          SERIALS.incrementAndGet());
    }
  }
}
