package dev.gpusched.extender.decide;

/**
 * The CPU part of {@link FragmentationScore}: free milli-GPU a node's CPU left cannot feed at the workload's CPU per
 * GPU ({@link WorkloadProfile#cpuMilliPerGpuMilli}). A GPU without CPU beside it is as unusable as a fragment.
 */
final class StrandedGpu {
  private StrandedGpu() {}

  /** Free milli-GPU the node's CPU left cannot feed: {@code max(0, freeMilli - max(0, cpuLeft) / ratio)}. */
  static double stranded(WorkloadProfile profile, long freeMilli, long cpuLeft) {
    double fed = Math.max(0, cpuLeft) / profile.cpuMilliPerGpuMilli();
    return Math.max(0, freeMilli - fed);
  }

  /**
   * The fragment part of an increase ({@code delta}) plus the change of stranded GPU when the pod takes
   * {@code cpuWanted} of the node's CPU left; {@code delta} alone when CPU is unknown on either side or the profile has
   * no CPU per GPU.
   */
  static double withStranded(WorkloadProfile profile, double delta, long freeNow, long freeAfter, long cpuLeft,
      long cpuWanted) {
    if (cpuLeft >= 0 && cpuWanted >= 0 && profile.cpuMilliPerGpuMilli() > 0) {
      delta += stranded(profile, freeAfter, cpuLeft - cpuWanted) - stranded(profile, freeNow, cpuLeft);
    }
    return delta;
  }

  /**
   * The largest pod CPU request {@code c >= 0} for which the node's CPU left after it still feeds {@code freeAfter}
   * milli-GPU ({@code max(0, cpuLeft - c) / ratio >= freeAfter}, as {@link #stranded} computes it, so nothing is
   * stranded after the placement), or -1 when not even 0 does; {@link Long#MAX_VALUE} when every request does. The
   * condition only weakens as c grows, so this is a threshold: estimated, then settled by evaluating the condition.
   * {@code fed} is {@code cpuLeft / ratio} (what a request of 0 leaves fed). For {@code cpuLeft >= 0}, {@code ratio > 0}.
   */
  static long lastFeedingRequest(double ratio, long freeAfter, long cpuLeft, double fed) {
    if (!(freeAfter - 0.0 > 0)) { // nothing free after: no request strands any
      return Long.MAX_VALUE;
    }
    if (freeAfter - fed > 0) { // a request of 0 already strands some
      return -1;
    }
    // feeds(0) and not feeds(cpuLeft): the threshold lies in [0, cpuLeft).
    long lo = 0;
    long hi = cpuLeft;
    long guess = cpuLeft - (long) Math.ceil(freeAfter * ratio);
    if (guess > lo && guess < hi) {
      // the estimate is exact or one off (rounding): settle it with two evaluations, else bisect what is left
      if (feeds(ratio, freeAfter, cpuLeft, guess)) {
        lo = guess;
        if (!feeds(ratio, freeAfter, cpuLeft, guess + 1)) {
          hi = guess + 1;
        }
      } else {
        hi = guess;
        if (feeds(ratio, freeAfter, cpuLeft, guess - 1)) {
          lo = guess - 1;
        }
      }
    }
    while (hi - lo > 1) { // invariant: feeds(lo), not feeds(hi)
      long mid = (lo + hi) >>> 1;
      if (feeds(ratio, freeAfter, cpuLeft, mid)) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** True when no GPU is stranded after a pod of {@code cpuWanted}: {@link #stranded} would give 0. */
  private static boolean feeds(double ratio, long freeAfter, long cpuLeft, long cpuWanted) {
    return !(freeAfter - Math.max(0, cpuLeft - cpuWanted) / ratio > 0);
  }
}
