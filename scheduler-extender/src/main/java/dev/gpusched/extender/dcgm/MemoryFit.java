package dev.gpusched.extender.dcgm;

/**
 * Whether a GPU has room, by DCGM's account of its free framebuffer, for a pod's memory request. Pure.
 *
 * <p>{@code pendingMiB} is memory already promised to pods gpusched placed on this GPU that dcgm-exporter cannot see
 * yet (bound but not started), so two pods in quick succession do not both count the same free memory. A GPU whose
 * free memory was not reported fits: the decision is then the ledger's alone.
 */
public final class MemoryFit {

  /** MiB in one GiB, for callers converting a request such as 20Gi. */
  public static final long MIB_PER_GIB = 1024L;

  private MemoryFit() {}

  /** True when observed free memory minus pending promises covers the request (or free memory is unknown). */
  public static boolean fits(GpuSample sample, long requestMiB, long pendingMiB) {
    if (sample == null || !sample.hasFreeMemory()) {
      return true;
    }
    return sample.fbFreeMiB() - pendingMiB >= requestMiB;
  }

  /**
   * Why the GPU does not fit, e.g. "GPU 2 has 2090 MiB free as DCGM sees it (38870 MiB used); the pod asks for
   * 20480 MiB". Only meaningful when {@link #fits} is false; builds a string, so keep it off the passing path.
   */
  public static String reason(GpuSample sample, long requestMiB, long pendingMiB) {
    StringBuilder sb = new StringBuilder()
        .append("GPU ").append(sample.index()).append(" has ").append(sample.fbFreeMiB())
        .append(" MiB free as DCGM sees it");
    if (sample.fbUsedMiB() >= 0) {
      sb.append(" (").append(sample.fbUsedMiB()).append(" MiB used)");
    }
    if (pendingMiB > 0) {
      sb.append(", ").append(pendingMiB).append(" MiB of it promised to pods not yet running");
    }
    return sb.append("; the pod asks for ").append(requestMiB).append(" MiB").toString();
  }
}
