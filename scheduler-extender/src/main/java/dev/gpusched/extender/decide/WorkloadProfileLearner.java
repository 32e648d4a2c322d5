package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import java.util.List;

/**
 * Learns the {@link WorkloadProfile} that {@link FragmentationScore} judges fragments against from the pods gpusched is
 * asked to place: a rolling window of the last {@link #WINDOW} GPU demands seen at filter (GPUs, milli-GPU, CPU, and the
 * GPU models the pod allows, {@code gpusched.dev/gpu-model}), rebuilt
 * into a new immutable profile after every {@link #REBUILD_EVERY} observations and published through a volatile field
 * when it differs from the published one by more than {@link #TOLERANCE} ({@link WorkloadProfile#closeTo}): a new
 * profile makes the pipeline recompute every node's verdict, so a steady workload keeps its profile object.
 * Until {@link #WARM_UP} pods have been seen it answers {@link #DEFAULT}, a generic ML mix. The trace replay with
 * {@code --profile arrived} simulates exactly this and matches the profile known in advance.
 */
public final class WorkloadProfileLearner {
  public static final int WINDOW = 10_000;
  public static final int REBUILD_EVERY = 256;
  public static final int WARM_UP = 64;
  /** Largest change of any class's probability (and relative change of CPU per GPU) that keeps the published profile. */
  public static final double TOLERANCE = 0.01;

  /** Before any pod is seen: shares of half a GPU, and 1, 2, 4 and 8 whole GPUs; 4 CPU cores per GPU. */
  public static final WorkloadProfile DEFAULT = WorkloadProfile.builder()
      .add(1, 500, 2_000, 0.3).add(1, 1000, 4_000, 0.4).add(2, 1000, 8_000, 0.1).add(4, 1000, 16_000, 0.1)
      .add(8, 1000, 32_000, 0.1).build();

  private final int[] gpus = new int[WINDOW];
  private final int[] milli = new int[WINDOW];
  private final long[] cpu = new long[WINDOW];
  @SuppressWarnings("unchecked")
  private final List<String>[] models = new List[WINDOW];
  private long seen;
  private volatile WorkloadProfile current = DEFAULT;

  public WorkloadProfile current() {
    return current;
  }

  /** Records one pod's GPU demand; pods without GPUs are not part of the profile. */
  public void observe(PodDemand demand) {
    if (demand.usesNoGpu()) {
      return;
    }
    boolean rebuild;
    synchronized (this) {
      int slot = (int) (seen % WINDOW);
      gpus[slot] = demand.isShared() ? 1 : demand.gpus();
      milli[slot] = demand.isShared() ? demand.milli() : 1000;
      cpu[slot] = demand.cpuMilli();
      models[slot] = demand.allowedModels();
      seen++;
      rebuild = seen >= WARM_UP && (seen == WARM_UP || seen % REBUILD_EVERY == 0);
    }
    if (rebuild) {
      WorkloadProfile next = build();
      if (current == DEFAULT || !next.closeTo(current, TOLERANCE)) {
        current = next;
      }
    }
  }

  private synchronized WorkloadProfile build() {
    int n = (int) Math.min(seen, WINDOW);
    WorkloadProfile.Builder b = WorkloadProfile.builder();
    for (int i = 0; i < n; i++) {
      b.add(gpus[i], milli[i], cpu[i], models[i], 1);
    }
    return b.build();
  }

  public synchronized long seen() {
    return seen;
  }
}
