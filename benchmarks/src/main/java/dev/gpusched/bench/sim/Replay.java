package dev.gpusched.bench.sim;

import dev.gpusched.extender.decide.CycleState;
import dev.gpusched.extender.decide.FilterPlugin;
import dev.gpusched.extender.decide.FragmentationScore;
import dev.gpusched.extender.decide.GpuChooser;
import dev.gpusched.extender.decide.WorkloadProfile;
import java.util.List;
import java.util.Random;
import java.util.function.IntConsumer;

/**
 * Replays one arrival sequence through one policy (the FGD protocol): each pod in turn goes to the best-scoring node that
 * passes the CPU/memory fit and the policy's GPU filters, onto the GPUs gpusched's {@link GpuChooser} picks (FGD: its own
 * pick, {@link NodeScorer#gpus}); a pod that
 * fits nowhere is dropped. Ties between equal best scores are broken uniformly at random by an RNG seeded from the
 * replay seed (kube-scheduler also picks at random among equal scores), or for a policy that asks for it by a node order
 * shuffled once per seed ({@link Policy.TieBreak}).
 */
public final class Replay {
  /** Grid step of the recorded curves, in percent of cluster GPUs. */
  public static final double STEP = 1.0;

  private final Trace trace;
  private final SimPod[] pods;
  private final WorkloadProfile profile;
  private final boolean learnProfile;

  /** A replay whose policies keep the profile they were built with (the trace's own mix). */
  public Replay(Trace trace, WorkloadProfile profile) {
    this(trace, profile, false);
  }

  /**
   * @param learnProfile when true, the cluster offers policies a profile learned from the pods arrived so far
   *     ({@link SimCluster#learnedProfile()}), refreshed after 1, 2, 4, ... 512 arrivals and then every 512
   */
  public Replay(Trace trace, WorkloadProfile profile, boolean learnProfile) {
    this.trace = trace;
    this.profile = profile;
    this.learnProfile = learnProfile;
    List<TracePod> list = trace.pods();
    pods = new SimPod[list.size()];
    for (int i = 0; i < pods.length; i++) {
      pods[i] = SimPod.of(list.get(i), i);
    }
  }

  public Trace trace() {
    return trace;
  }

  /** The final cluster too, for tests that inspect it. */
  public record Outcome(Curve curve, SimCluster cluster) {}

  public Curve run(Policy policy, long seed, double inflation, IntConsumer progress) {
    return runWithCluster(policy, seed, inflation, progress).curve();
  }

  public Outcome runWithCluster(Policy policy, long seed, double inflation, IntConsumer progress) {
    int[] order = Arrivals.order(trace, inflation, seed);
    SimCluster cluster = new SimCluster(trace.nodes());
    NodeScorer gpuScorer = policy.gpuScorer().forCluster(cluster);
    NodeScorer noGpuScorer = policy.noGpuScorer().forCluster(cluster);
    Random ties = new Random(seed * 0x9E3779B97F4A7C15L + 1);
    int[] nodeOrder = policy.ties() == Policy.TieBreak.NODE_ORDER ? nodeOrder(cluster.size(), seed) : null;
    FilterPlugin[] filters = policy.filters().toArray(new FilterPlugin[0]);
    FragmentationScore fragMeter = new FragmentationScore(profile);
    double total = cluster.totalGpuMilli();
    int points = (int) Math.floor(inflation * 100 / STEP + 1e-9) + 1;
    double[] alloc = new double[points];
    double[] frag = new double[points];
    int nextPoint = 1; // point 0 (nothing arrived) is 0% allocated, 0% fragmented
    long arrived = 0;
    double prevArrivedPct = 0;
    double prevAllocPct = 0;
    double at100 = Double.NaN;
    int failedGpu = 0;
    int failed = 0;
    WorkloadProfile.Builder seen = WorkloadProfile.builder();
    boolean seenGpu = false;
    for (int a = 0; a < order.length; a++) {
      SimPod pod = pods[order[a]];
      if (learnProfile && pod.trace().numGpu() > 0) {
        seen.add(pod.trace().numGpu(), pod.trace().gpuMilli(), pod.trace().cpuMilli(), pod.trace().allowedModels(), 1);
        seenGpu = true;
      }
      if (learnProfile && seenGpu && (a < 512 ? Integer.bitCount(a + 1) == 1 : (a + 1) % 512 == 0)) {
        cluster.learnedProfile(seen.build());
      } else if (learnProfile && seenGpu && cluster.learnedProfile() == null) {
        cluster.learnedProfile(seen.build());
      }
      int node = choose(pod, cluster, filters, pod.trace().numGpu() > 0 ? gpuScorer : noGpuScorer, ties, nodeOrder);
      if (node < 0) {
        failed++;
        if (pod.trace().numGpu() > 0) {
          failedGpu++;
        }
      } else {
        long mask = (pod.trace().numGpu() > 0 ? gpuScorer : noGpuScorer).gpus(pod, cluster, node);
        if (pod.trace().numGpu() > 0 && mask == 0) {
          throw new IllegalStateException("node " + cluster.node(node).name() + " passed the filters but the policy"
              + " found no GPU for " + pod.trace().name());
        }
        cluster.place(node, pod, mask, a);
      }
      arrived += pod.trace().gpuRequestMilli();
      double arrivedPct = 100.0 * arrived / total;
      double allocPct = 100.0 * cluster.allocatedGpuMilli() / total;
      if (Double.isNaN(at100) && arrivedPct >= 100) {
        // linear between the arrivals either side of 100%, as the curve is read
        double f = arrivedPct == prevArrivedPct ? 1 : (100 - prevArrivedPct) / (arrivedPct - prevArrivedPct);
        at100 = 100 - (prevAllocPct + f * (allocPct - prevAllocPct));
      }
      while (nextPoint < points && arrivedPct >= nextPoint * STEP) {
        alloc[nextPoint] = allocPct;
        frag[nextPoint] = 100.0 * fragmented(cluster, fragMeter) / total;
        nextPoint++;
      }
      prevArrivedPct = arrivedPct;
      prevAllocPct = allocPct;
      if (progress != null) {
        progress.accept(1);
      }
    }
    for (; nextPoint < points; nextPoint++) {
      alloc[nextPoint] = prevAllocPct;
      frag[nextPoint] = 100.0 * fragmented(cluster, fragMeter) / total;
    }
    if (Double.isNaN(at100)) {
      at100 = 100 - prevAllocPct;
    }
    Curve curve = new Curve(policy.name(), seed, STEP, alloc, frag, failedGpu, failed, order.length, at100);
    return new Outcome(curve, cluster);
  }

  /** The node the pod goes to, or -1; equal best scores are broken at random. */
  public static int choose(SimPod pod, SimCluster cluster, FilterPlugin[] filters, NodeScorer scorer, Random ties) {
    return choose(pod, cluster, filters, scorer, ties, null);
  }

  /**
   * Each node's place in an order shuffled by the seed (the authors' simulator prefixes node names with a seeded
   * permutation); for {@link Policy.TieBreak#NODE_ORDER}.
   */
  static int[] nodeOrder(int nodes, long seed) {
    int[] node = new int[nodes];
    for (int i = 0; i < nodes; i++) {
      node[i] = i;
    }
    Random rng = new Random(seed * 0x2545F4914F6CDD1DL + 7);
    for (int i = nodes - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = node[i];
      node[i] = node[j];
      node[j] = t;
    }
    int[] place = new int[nodes];
    for (int i = 0; i < nodes; i++) {
      place[node[i]] = i;
    }
    return place;
  }

  /**
   * The node the pod goes to, or -1. Equal best scores go to the node first in {@code order} (each node's place), or
   * when it is null to one drawn from {@code ties}.
   */
  static int choose(SimPod pod, SimCluster cluster, FilterPlugin[] filters, NodeScorer scorer, Random ties,
      int[] order) {
    TracePod t = pod.trace();
    boolean usesGpu = t.numGpu() > 0;
    int best = -1;
    double bestScore = Double.NEGATIVE_INFINITY;
    int tied = 0;
    int n = cluster.size();
    CycleState cycle = new CycleState(pod.demand());
    for (int i = 0; i < n; i++) {
      if (cluster.cpuLeft(i) < t.cpuMilli() || cluster.memLeft(i) < t.memoryMib()) {
        continue;
      }
      if (usesGpu && !passes(cluster.at(cycle, i), filters)) {
        continue;
      }
      double s = scorer.score(pod, cluster, i);
      if (s > bestScore) {
        best = i;
        bestScore = s;
        tied = 1;
      } else if (s == bestScore) {
        if (order != null) {
          if (order[i] < order[best]) {
            best = i;
          }
        } else {
          tied++;
          if (ties.nextInt(tied) == 0) {
            best = i;
          }
        }
      }
    }
    return best;
  }

  private static boolean passes(CycleState cycle, FilterPlugin[] filters) {
    for (FilterPlugin f : filters) {
      if (!f.passes(cycle)) {
        return false;
      }
    }
    return true;
  }

  private static double fragmented(SimCluster cluster, FragmentationScore meter) {
    double sum = 0;
    for (int i = 0; i < cluster.size(); i++) {
      sum += meter.expected(cluster.gpu(i), 0, -1, 0);
    }
    return sum;
  }
}
