package dev.gpusched.extender.cycle;

import dev.gpusched.extender.decide.CycleState;
import dev.gpusched.extender.decide.DecisionPipeline;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.ClusterSnapshot;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/**
 * Filter's answer narrowed to gpusched's own choice ({@link FilterAnswer#BEST}): of the candidates that passed, the one
 * the pipeline ranks first at full resolution (equal ranks: the smallest node name, so a replay of the same pods places
 * them alike); for a pod with a soft preference, every candidate with the top 0..10 priority. kube-scheduler skips its
 * scoring, and gpusched's prioritize, when one node is left. The candidates left out are neither passed nor given a
 * reason, so the answer leaves them out of {@code FailedNodes} too: kube-scheduler drops a candidate the answer does
 * not name, and reads the reasons only to explain a pod no node fits, which never holds while one passes.
 */
final class NodeChoice {
  private NodeChoice() {}

  /**
   * Leaves out every candidate of the filter outcome that passed but gpusched's choice (not passed, no reason).
   *
   * @return how many candidates this left out
   */
  static int narrow(DecisionPipeline pipeline, PodDemand demand, Pod pod, ClusterSnapshot snapshot, List<String> names,
      DecisionPipeline.FilterOutcome outcome) {
    boolean[] passed = outcome.passed();
    int top = -1;
    int passing = 0;
    for (int i = 0; i < passed.length; i++) {
      if (passed[i]) {
        passing++;
        top = Math.max(top, outcome.priority(i));
      }
    }
    if (passing < 2) {
      return 0;
    }
    if (statesSoftPreference(pod)) {
      return leaveOutBelow(top, outcome);
    }
    int best = -1;
    long bestRank = Long.MIN_VALUE;
    CycleState cycle = new CycleState(demand);
    for (int i = 0; i < passed.length; i++) {
      if (!passed[i] || outcome.priority(i) < top) {
        continue; // a lower priority is a lower rank
      }
      int p = outcome.position(i); // at its place in the snapshot, plugins reuse what they keep of the node's state
      long rank = pipeline.rank(cycle.at(snapshot.nodes()[p], snapshot.index(), p, snapshot.stamps()[p]));
      if (best < 0 || rank > bestRank || rank == bestRank && names.get(i).compareTo(names.get(best)) < 0) {
        best = i;
        bestRank = rank;
      }
    }
    int left = 0;
    for (int i = 0; i < passed.length; i++) {
      if (passed[i] && i != best) {
        passed[i] = false; // and no reason: the answer leaves it out
        left++;
      }
    }
    return left;
  }

  private static int leaveOutBelow(int top, DecisionPipeline.FilterOutcome outcome) {
    boolean[] passed = outcome.passed();
    int left = 0;
    for (int i = 0; i < passed.length; i++) {
      if (passed[i] && outcome.priority(i) < top) {
        passed[i] = false;
        left++;
      }
    }
    return left;
  }

  /**
   * Whether the pod asks kube-scheduler's scores to weigh something gpusched does not: preferred node affinity or
   * preferred pod (anti-)affinity terms.
   */
  static boolean statesSoftPreference(Pod pod) {
    Affinity a = pod.getSpec() == null ? null : pod.getSpec().getAffinity();
    if (a == null) {
      return false;
    }
    return a.getNodeAffinity() != null && notEmpty(a.getNodeAffinity().getPreferredDuringSchedulingIgnoredDuringExecution())
        || a.getPodAffinity() != null && notEmpty(a.getPodAffinity().getPreferredDuringSchedulingIgnoredDuringExecution())
        || a.getPodAntiAffinity() != null
            && notEmpty(a.getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution());
  }

  private static boolean notEmpty(List<?> terms) {
    return terms != null && !terms.isEmpty();
  }
}
