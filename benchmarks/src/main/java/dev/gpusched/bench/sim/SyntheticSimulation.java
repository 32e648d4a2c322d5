package dev.gpusched.bench.sim;

import dev.gpusched.extender.decide.WorkloadProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** {@code simulate --synthetic}: every (policy, seed) run of the synthetic workload, averaged per policy. */
public final class SyntheticSimulation {
  /** Policies compared by default in synthetic mode. */
  public static final List<String> DEFAULT = List.of("gpusched", "kube-default", "bestfit");

  /** Cluster and workload size. */
  public record Settings(int leaves, int dgxPerLeaf, int pairsPerLeaf, int pciePerLeaf, int jobs, double load) {
    public static final Settings DEFAULT = new Settings(8, 3, 3, 2, 3000, 0.9);
  }

  /** Per policy: the mean of each metric over seeds. */
  public record Summary(String policy, List<SyntheticReplay.Result> runs, double unallocatedWhileWaitingPct,
      double utilizationPct, double nvlinkConnectedShare, double nvlinkSingleShare, double nvlinkGangShare,
      double gangsInOneLeafShare, double meanGangWait,
      double p95GangWait, double gangsNeverStarted, double fragmentedPct, double gangPlansUnfitForCpuOrMemory) {}

  private SyntheticSimulation() {}

  public static List<Summary> run(Settings s, List<String> policyNames, int seeds, int threads) throws Exception {
    SyntheticCluster cluster = SyntheticCluster.generate(s.leaves(), s.dgxPerLeaf(), s.pairsPerLeaf(), s.pciePerLeaf());
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
      Thread t = new Thread(r, "gpusched-sim-synthetic");
      t.setDaemon(true);
      return t;
    });
    try {
      List<List<Future<SyntheticReplay.Result>>> futures = new ArrayList<>();
      for (String name : policyNames) {
        List<Future<SyntheticReplay.Result>> perSeed = new ArrayList<>();
        for (int seed = 1; seed <= seeds; seed++) {
          long sd = seed;
          perSeed.add(pool.submit(() -> {
            List<SyntheticWorkload.Job> jobs = SyntheticWorkload.generate(s.jobs(), s.load(), cluster.totalGpuMilli(), sd);
            WorkloadProfile profile = SyntheticReplay.profile(jobs);
            Policy p = Policies.byName(name, SyntheticReplay.trace(cluster, jobs), profile);
            return SyntheticReplay.run(cluster, jobs, p, profile, sd);
          }));
        }
        futures.add(perSeed);
      }
      List<Summary> out = new ArrayList<>();
      for (int i = 0; i < policyNames.size(); i++) {
        List<SyntheticReplay.Result> runs = new ArrayList<>();
        for (Future<SyntheticReplay.Result> f : futures.get(i)) {
          runs.add(f.get());
        }
        out.add(summarize(policyNames.get(i), runs));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  static Summary summarize(String policy, List<SyntheticReplay.Result> runs) {
    double k = runs.size();
    double a = 0, b = 0, c = 0, cs = 0, cg = 0, d = 0, e = 0, f = 0, g = 0, h = 0, u = 0;
    for (SyntheticReplay.Result r : runs) {
      a += r.unallocatedWhileWaitingPct() / k;
      b += r.utilizationPct() / k;
      c += r.nvlinkConnectedShare() / k;
      cs += r.nvlinkSingleShare() / k;
      cg += r.nvlinkGangShare() / k;
      d += r.gangsInOneLeafShare() / k;
      e += r.meanGangWait() / k;
      f += r.p95GangWait() / k;
      g += r.gangsNeverStarted() / k;
      h += r.fragmentedPct() / k;
      u += r.gangPlansUnfitForCpuOrMemory() / k;
    }
    return new Summary(policy, runs, a, b, c, cs, cg, d, e, f, g, h, u);
  }

  public static String table(List<Summary> results, Settings s, int seeds, SyntheticCluster cluster) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "Synthetic: %d leaves x (%d DGX NVSwitch + %d NVLink-pair + %d PCIe-only) = %d nodes,"
            + " %d GPUs; %d jobs at %.0f%% offered load; %d seed%s%n", s.leaves(), s.dgxPerLeaf(), s.pairsPerLeaf(),
        s.pciePerLeaf(), cluster.nodes().size(), cluster.totalGpuMilli() / 1000, s.jobs(), s.load() * 100, seeds,
        seeds == 1 ? "" : "s"));
    sb.append(String.format(Locale.ROOT, "%-14s %12s %8s %8s %8s %8s %10s %10s %10s %8s %8s%n", "policy",
        "idle-waiting%", "util%", "nvlink%", "single", "gang", "gang-leaf%", "gang-wait", "wait-p95", "starved", "frag%"));
    for (Summary r : results) {
      sb.append(String.format(Locale.ROOT, "%-14s %12.2f %8.2f %8.1f %8.1f %8.1f %10.1f %10.1f %10.1f %8.1f %8.2f%n",
          r.policy(), r.unallocatedWhileWaitingPct(), r.utilizationPct(), 100 * r.nvlinkConnectedShare(),
          100 * r.nvlinkSingleShare(), 100 * r.nvlinkGangShare(),
          100 * r.gangsInOneLeafShare(), r.meanGangWait(), r.p95GangWait(), r.gangsNeverStarted(), r.fragmentedPct()));
    }
    return sb.toString();
  }

  public static String json(List<Summary> results) {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < results.size(); i++) {
      Summary r = results.get(i);
      sb.append(i > 0 ? "," : "").append('"').append(r.policy()).append("\":{")
          .append(String.format(Locale.ROOT, "\"unallocatedGpuPctWhileWaiting\":%.4f,\"utilizationPct\":%.4f,"
                  + "\"nvlinkConnectedShare\":%.4f,\"nvlinkSingleShare\":%.4f,\"nvlinkGangShare\":%.4f,"
                  + "\"gangsInOneLeafShare\":%.4f,\"meanGangWait\":%.4f,"
                  + "\"p95GangWait\":%.4f,\"gangsNeverStarted\":%.4f,\"fragmentedGpuPct\":%.4f,"
                  + "\"gangPlansUnfitForCpuOrMemory\":%.4f,\"seeds\":%d}",
              r.unallocatedWhileWaitingPct(), r.utilizationPct(), r.nvlinkConnectedShare(), r.nvlinkSingleShare(),
              r.nvlinkGangShare(), r.gangsInOneLeafShare(),
              r.meanGangWait(), r.p95GangWait(), r.gangsNeverStarted(), r.fragmentedPct(),
              r.gangPlansUnfitForCpuOrMemory(), r.runs().size()));
    }
    return sb.append('}').toString();
  }
}
