package dev.gpusched.bench.sim;

import java.util.List;

/**
 * One policy over all seeds: unallocated GPU % at 100% arrived (mean, sample standard deviation, min, max) and the
 * mean curves.
 */
public record PolicySummary(String policy, String description, List<Curve> runs, double mean, double std, double min,
    double max, double[] meanAllocatedPct, double[] meanFragmentedPct, double meanFailedGpuPods) {

  public static PolicySummary of(Policy policy, List<Curve> runs) {
    int k = runs.size();
    double sum = 0;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double failed = 0;
    int points = runs.get(0).allocatedPct().length;
    double[] alloc = new double[points];
    double[] frag = new double[points];
    for (Curve c : runs) {
      sum += c.unallocatedPctAt100();
      min = Math.min(min, c.unallocatedPctAt100());
      max = Math.max(max, c.unallocatedPctAt100());
      failed += c.failedGpuPods();
      for (int i = 0; i < points; i++) {
        alloc[i] += c.allocatedPct()[i] / k;
        frag[i] += c.fragmentedPct()[i] / k;
      }
    }
    double mean = sum / k;
    double var = 0;
    for (Curve c : runs) {
      var += (c.unallocatedPctAt100() - mean) * (c.unallocatedPctAt100() - mean);
    }
    double std = k > 1 ? Math.sqrt(var / (k - 1)) : 0;
    return new PolicySummary(policy.name(), policy.description(), runs, mean, std, min, max, alloc, frag, failed / k);
  }
}
