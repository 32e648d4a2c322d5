package dev.gpusched.extender.decide;

/**
 * The CPU part of {@link FragmentationScore}: free milli-GPU a node's CPU left cannot feed, expected over the
 * workload's classes of CPU per GPU ({@link CpuPerGpuMix#unfedMilli}). A GPU without CPU beside it is as unusable as a
 * fragment.
 */
final class StrandedGpu {
  private StrandedGpu() {}

  /** True when the stranded part applies: CPU is known ({@code cpuLeft >= 0}) and the profile has CPU classes. */
  static boolean applies(WorkloadProfile profile, long cpuLeft) {
    return cpuLeft >= 0 && profile.cpuPerGpu().size() > 0;
  }

  /** The node's stranded GPU: free milli-GPU its CPU left cannot feed ({@link CpuPerGpuMix#unfedMilli}). */
  static double stranded(WorkloadProfile profile, long freeMilli, long cpuLeft) {
    return profile.cpuPerGpu().unfedMilli(freeMilli, cpuLeft);
  }

  /**
   * The fragment part of an increase ({@code delta}) plus the change of stranded GPU when the pod takes
   * {@code cpuWanted} of the node's CPU left; {@code delta} alone when CPU is unknown on either side or the profile has
   * no CPU classes. {@code strandedNow} is {@link #stranded} of the node as it is (callers keep it per node).
   */
  static double withStranded(WorkloadProfile profile, double delta, long freeAfter, long cpuLeft, long cpuWanted,
      double strandedNow) {
    if (cpuWanted >= 0 && applies(profile, cpuLeft)) {
      delta += stranded(profile, freeAfter, cpuLeft - cpuWanted) - strandedNow;
    }
    return delta;
  }
}
