package dev.gpusched.bench.sim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A seeded ML workload: inference pods (GPU shares and whole GPUs), multi-GPU training pods, and gangs of 2..64 members
 * that must start together, each job with an arrival time and a run time. Arrivals are spread so that the offered GPU
 * load (sum of GPUs x run time over the horizon) is {@code load} x the cluster's GPUs.
 */
public final class SyntheticWorkload {
  /** One job: a single pod, or a gang of {@code members} identical pods. */
  public record Job(int id, String kind, double arrival, double duration, int members, SimPod member) {
    public boolean isGang() {
      return members > 1;
    }

    public long gpuMilli() {
      return members * member.trace().gpuRequestMilli();
    }
  }

  private SyntheticWorkload() {}

  public static List<Job> generate(int jobs, double load, long clusterGpuMilli, long seed) {
    Random rng = new Random(seed);
    int[] shares = {100, 250, 300, 500, 700};
    List<Job> out = new ArrayList<>(jobs);
    double[] durations = new double[jobs];
    String[] kinds = new String[jobs];
    int[] members = new int[jobs];
    TracePod[] pods = new TracePod[jobs];
    double work = 0;
    for (int j = 0; j < jobs; j++) {
      double u = rng.nextDouble();
      TracePod p;
      double mean;
      int m = 1;
      String kind;
      if (u < 0.35) {
        kind = "inference-share";
        p = new TracePod("job" + j, 4000, 16_384, 1, shares[rng.nextInt(shares.length)], List.of());
        mean = 20;
      } else if (u < 0.60) {
        kind = "inference-whole";
        p = new TracePod("job" + j, 8000, 32_768, 1, 1000, List.of());
        mean = 30;
      } else if (u < 0.93) {
        kind = "training";
        int gpus = new int[] {2, 2, 4, 4, 8}[rng.nextInt(5)];
        p = new TracePod("job" + j, 12_000L * gpus, 65_536L * gpus, gpus, 1000, List.of());
        mean = 60;
      } else {
        kind = "gang";
        m = new int[] {2, 4, 8, 16, 32, 64}[rng.nextInt(6)];
        int gpus = m <= 8 ? 8 : m == 16 ? 4 : m == 32 ? 2 : 1;
        p = new TracePod("job" + j, 12_000L * gpus, 65_536L * gpus, gpus, 1000, List.of());
        mean = 80;
      }
      durations[j] = -Math.log(1 - rng.nextDouble()) * mean + 1;
      kinds[j] = kind;
      members[j] = m;
      pods[j] = p;
      work += durations[j] * m * p.gpuRequestMilli();
    }
    double horizon = work / (load * clusterGpuMilli);
    double[] arrivals = new double[jobs];
    for (int j = 0; j < jobs; j++) {
      arrivals[j] = rng.nextDouble() * horizon;
    }
    Arrays.sort(arrivals);
    for (int j = 0; j < jobs; j++) {
      out.add(new Job(j, kinds[j], arrivals[j], durations[j], members[j], SimPod.of(pods[j], j)));
    }
    return out;
  }
}
