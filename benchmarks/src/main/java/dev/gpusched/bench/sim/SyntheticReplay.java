package dev.gpusched.bench.sim;

import dev.gpusched.extender.decide.FilterPlugin;
import dev.gpusched.extender.decide.FragmentationScore;
import dev.gpusched.extender.decide.GpuChooser;
import dev.gpusched.extender.decide.WorkloadProfile;
import dev.gpusched.gang.MemberPlacement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * Runs a {@link SyntheticWorkload} on a {@link SyntheticCluster} through one policy, as an event simulation: jobs arrive,
 * wait in arrival order (later jobs may pass a waiting one), start when they fit, and leave after their run time. A
 * single pod goes through the policy's filters and scorers. A gang starts only when every member has a place, as the
 * policy's {@link Policy.GangPlacement} says: gpusched's policies plan the whole gang at once with the extender's
 * {@code GangPlanner} ({@link PlannedGangs}); the baselines place members one by one with their scorers and take them
 * back if one does not fit (kube-scheduler with a coscheduling permit gate). Metrics are time-weighted over the
 * arrival period.
 */
public final class SyntheticReplay {
  /**
   * One run's metrics.
   *
   * @param nvlinkConnectedShare of the multi-GPU pods started (single pods and gang members), those on a fully
   *     NVLink-connected GPU set
   * @param nvlinkSingleShare the same over multi-GPU pods of no gang (placed by the policy's node ranking)
   * @param nvlinkGangShare the same over members of gangs (placed by the policy's gang placement)
   */
  public record Result(String policy, long seed, double unallocatedWhileWaitingPct, double utilizationPct,
      double nvlinkConnectedShare, int multiGpuPods, double nvlinkSingleShare, double nvlinkGangShare,
      double gangsInOneLeafShare, int gangsStarted, int gangsNeverStarted,
      double meanGangWait, double p95GangWait, double fragmentedPct, int gangPlansUnfitForCpuOrMemory) {}

  private record Running(double end, SyntheticWorkload.Job job, int[] nodes, int[] sequences) {}

  private SyntheticReplay() {}

  public static WorkloadProfile profile(List<SyntheticWorkload.Job> jobs) {
    WorkloadProfile.Builder b = WorkloadProfile.builder();
    for (SyntheticWorkload.Job j : jobs) {
      TracePod p = j.member().trace();
      b.add(p.numGpu(), p.gpuMilli(), p.cpuMilli(), j.members());
    }
    return b.build();
  }

  public static Trace trace(SyntheticCluster cluster, List<SyntheticWorkload.Job> jobs) {
    List<TracePod> pods = new ArrayList<>();
    for (SyntheticWorkload.Job j : jobs) {
      pods.add(j.member().trace());
    }
    return new Trace(cluster.nodes(), pods);
  }

  public static Result run(SyntheticCluster sc, List<SyntheticWorkload.Job> jobs, Policy policy, WorkloadProfile profile,
      long seed) {
    SimCluster cluster = sc.simCluster();
    NodeScorer gpuScorer = policy.gpuScorer().forCluster(cluster);
    FilterPlugin[] filters = policy.filters().toArray(new FilterPlugin[0]);
    PlannedGangs planned = policy.gangs() == Policy.GangPlacement.GANG_PLANNER ? new PlannedGangs(cluster) : null;
    FragmentationScore meter = new FragmentationScore(profile);
    Random ties = new Random(seed * 31 + 17);
    PriorityQueue<Running> running = new PriorityQueue<>((a, b) -> Double.compare(a.end(), b.end()));
    List<SyntheticWorkload.Job> pending = new ArrayList<>();
    double total = cluster.totalGpuMilli();
    double horizon = jobs.isEmpty() ? 0 : jobs.get(jobs.size() - 1).arrival();
    int next = 0;
    int sequence = 0;
    double now = 0;
    double waitingTime = 0;
    double idleWhileWaiting = 0;
    double allocatedTime = 0;
    double fragmentedTime = 0;
    int multi = 0;
    int multiConnected = 0;
    int multiInGangs = 0;
    int multiInGangsConnected = 0;
    int gangs = 0;
    int gangsOneLeaf = 0;
    List<Double> gangWaits = new ArrayList<>();
    while (next < jobs.size() || !running.isEmpty()) {
      double tArrive = next < jobs.size() ? jobs.get(next).arrival() : Double.POSITIVE_INFINITY;
      double tDepart = running.isEmpty() ? Double.POSITIVE_INFINITY : running.peek().end();
      double t = Math.min(tArrive, tDepart);
      double until = Math.min(t, horizon);
      if (until > now) {
        double dt = until - now;
        double allocated = cluster.allocatedGpuMilli();
        allocatedTime += dt * allocated;
        fragmentedTime += dt * fragmented(cluster, meter);
        if (!pending.isEmpty()) {
          waitingTime += dt;
          idleWhileWaiting += dt * (total - allocated);
        }
      }
      now = t;
      if (tDepart <= tArrive) {
        Running r = running.poll();
        for (int k = 0; k < r.nodes().length; k++) {
          cluster.remove(r.nodes()[k], r.job().member(), r.sequences()[k]);
        }
      } else {
        pending.add(jobs.get(next++));
      }
      for (int i = 0; i < pending.size(); i++) {
        SyntheticWorkload.Job job = pending.get(i);
        int m = job.members();
        int[] nodes = new int[m];
        int[] seqs = new int[m];
        long[] masks = new long[m];
        int placed = 0;
        if (planned != null && job.isGang()) {
          MemberPlacement[] plan = planned.plan(job);
          if (plan == null) {
            continue;
          }
          for (MemberPlacement p : plan) {
            masks[placed] = p.gpuMask();
            nodes[placed] = p.node();
            seqs[placed] = sequence;
            cluster.place(p.node(), job.member(), p.gpuMask(), sequence++);
            placed++;
          }
        }
        for (; placed < m; placed++) {
          int node = Replay.choose(job.member(), cluster, filters, gpuScorer, ties);
          if (node < 0) {
            break;
          }
          long mask = GpuChooser.choose(job.member().demand(), cluster.gpu(node));
          masks[placed] = mask;
          nodes[placed] = node;
          seqs[placed] = sequence;
          cluster.place(node, job.member(), mask, sequence++);
        }
        if (placed < m) {
          for (int k = 0; k < placed; k++) {
            cluster.remove(nodes[k], job.member(), seqs[k]);
          }
          continue;
        }
        if (job.member().trace().numGpu() > 1) {
          for (int k = 0; k < m; k++) {
            multi++;
            boolean connected = sc.fabric()[nodes[k]].fullyConnected(masks[k]);
            if (connected) {
              multiConnected++;
            }
            if (job.isGang()) {
              multiInGangs++;
              multiInGangsConnected += connected ? 1 : 0;
            }
          }
        }
        if (job.isGang()) {
          gangs++;
          gangWaits.add(now - job.arrival());
          boolean oneLeaf = true;
          for (int k = 1; k < m; k++) {
            oneLeaf &= sc.leaf()[nodes[k]] == sc.leaf()[nodes[0]];
          }
          if (oneLeaf) {
            gangsOneLeaf++;
          }
        }
        running.add(new Running(now + job.duration(), job, nodes, seqs));
        pending.remove(i);
        i--;
      }
      if (next >= jobs.size() && running.isEmpty()) {
        break; // whatever still waits can never start
      }
    }
    int neverStarted = 0;
    for (SyntheticWorkload.Job j : pending) {
      if (j.isGang()) {
        neverStarted++;
      }
    }
    double[] waits = new double[gangWaits.size()];
    double waitSum = 0;
    for (int i = 0; i < waits.length; i++) {
      waits[i] = gangWaits.get(i);
      waitSum += waits[i];
    }
    Arrays.sort(waits);
    double p95 = waits.length == 0 ? 0 : waits[Math.min(waits.length - 1, (int) Math.ceil(0.95 * waits.length) - 1)];
    double span = Math.max(1e-9, horizon);
    return new Result(policy.name(), seed,
        waitingTime == 0 ? 0 : 100 * idleWhileWaiting / (waitingTime * total),
        100 * allocatedTime / (span * total),
        multi == 0 ? 1 : (double) multiConnected / multi, multi,
        multi == multiInGangs ? 1 : (double) (multiConnected - multiInGangsConnected) / (multi - multiInGangs),
        multiInGangs == 0 ? 1 : (double) multiInGangsConnected / multiInGangs,
        gangs == 0 ? 1 : (double) gangsOneLeaf / gangs, gangs, neverStarted,
        waits.length == 0 ? 0 : waitSum / waits.length, p95,
        100 * fragmentedTime / (span * total), planned == null ? 0 : planned.plansUnfitForCpuOrMemory());
  }

  private static double fragmented(SimCluster cluster, FragmentationScore meter) {
    double sum = 0;
    for (int i = 0; i < cluster.size(); i++) {
      sum += meter.expected(cluster.gpu(i), 0, -1, 0);
    }
    return sum;
  }
}
