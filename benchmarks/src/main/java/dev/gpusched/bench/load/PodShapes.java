package dev.gpusched.bench.load;

import java.util.Locale;

/**
 * What the load tool varies in the pod from pair to pair, and so how much of gpusched's verdict memo can serve it. The
 * null extender gets the same bodies.
 */
public enum PodShapes {
  /** Every pair sends the same pod: the replicas of one workload (after the first, unchanged nodes are remembered). */
  SAME("same"),
  /**
   * Every pair's pod has a CPU request no earlier pair had, with the same GPU demand: a new workload of a known GPU shape
   * (the GPU side of each node's verdict is remembered, the CPU step is computed).
   */
  NEW_CPU("new-cpu"),
  /**
   * Every pair's pod has a GPU demand no earlier pair had (a {@code gpusched.dev/gpu-model} list every node's product
   * matches at its first entry, then a new name): the first pod of a new kind of workload, nothing remembered.
   */
  NEW_GPU("new-gpu");

  private final String option;

  PodShapes(String option) {
    this.option = option;
  }

  public String option() {
    return option;
  }

  /** The shapes an option value names. */
  public static PodShapes of(String option) {
    for (PodShapes s : values()) {
      if (s.option.equals(option)) {
        return s;
      }
    }
    throw new IllegalArgumentException("--pod-shapes " + option + " is not known: use same, new-cpu or new-gpu");
  }

  /** The pod of the {@code pair}-th pair (from 1), built from {@code base}. */
  RequestBodies pod(RequestBodies base, long pair) {
    return switch (this) {
      case SAME -> base;
      case NEW_CPU -> base.withCpuMilli(1000 + pair);
      case NEW_GPU -> base.withAnnotation("gpusched.dev/gpu-model", String.format(Locale.ROOT, "a|model-%d", pair));
    };
  }
}
