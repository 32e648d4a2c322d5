package dev.gpusched.extender.dcgm;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Compares the GPUs gpusched recorded for pods (gpusched.dev/gpu-ids) with the pods dcgm-exporter observes on each
 * GPU, and says which holders to account for. Pure.
 *
 * <p>Only pods dcgm-exporter attributes to a GPU on the node are judged: a recorded pod that dcgm does not see
 * anywhere on the node (bound, not started yet) is neither a disagreement nor moved. For every pod dcgm sees, the
 * observed GPU wins for accounting, and each GPU where the recorded and observed holders differ is one
 * {@link Disagreement}.
 */
public final class GroundTruth {

  /**
   * One GPU where the ledger and dcgm-exporter disagree about who holds it.
   *
   * @param node node name
   * @param gpu GPU index
   * @param recordedPods "namespace/name" of pods the ledger places on this GPU (sorted)
   * @param observedPods "namespace/name" of pods dcgm-exporter attributes this GPU to (sorted)
   */
  public record Disagreement(String node, int gpu, Set<String> recordedPods, Set<String> observedPods) {

    /** One line for logs and /inspect. */
    public String describe() {
      return node + " GPU " + gpu + ": gpusched recorded " + (recordedPods.isEmpty() ? "no pod" : recordedPods)
          + ", dcgm-exporter observes " + (observedPods.isEmpty() ? "no pod" : observedPods);
    }
  }

  /**
   * The result for one node.
   *
   * @param disagreements every GPU where the records and the observation differ, by GPU index
   * @param holders GPU index to the pods to account for on it (observed wins for pods dcgm sees), sorted
   */
  public record Result(List<Disagreement> disagreements, Map<Integer, Set<String>> holders) {}

  private GroundTruth() {}

  /**
   * Compares one node.
   *
   * @param node node name (copied into each disagreement)
   * @param recorded GPU index to "namespace/name" pods, from gpusched.dev/gpu-ids
   * @param observed GPU index to "namespace/name" pods, from {@link GpuTelemetry#observedPods(String)}
   */
  public static Result compare(String node, Map<Integer, Set<String>> recorded, Map<Integer, Set<String>> observed) {
    Set<String> seenByDcgm = new HashSet<>();
    for (Set<String> pods : observed.values()) {
      seenByDcgm.addAll(pods);
    }
    TreeMap<Integer, Set<String>> holders = new TreeMap<>();
    TreeSet<Integer> gpus = new TreeSet<>(recorded.keySet());
    gpus.addAll(observed.keySet());
    List<Disagreement> disagreements = new ArrayList<>();
    for (int gpu : gpus) {
      Set<String> rec = new TreeSet<>(recorded.getOrDefault(gpu, Set.of()));
      Set<String> obs = new TreeSet<>(observed.getOrDefault(gpu, Set.of()));
      // The judged part of the record: pods dcgm sees somewhere on this node.
      Set<String> recJudged = new TreeSet<>(rec);
      recJudged.retainAll(seenByDcgm);
      if (!recJudged.equals(obs)) {
        disagreements.add(new Disagreement(node, gpu, java.util.Collections.unmodifiableSet(rec),
            java.util.Collections.unmodifiableSet(obs)));
      }
      Set<String> hold = new TreeSet<>(rec);
      hold.removeAll(seenByDcgm);
      hold.addAll(obs);
      if (!hold.isEmpty()) {
        holders.put(gpu, java.util.Collections.unmodifiableSet(hold));
      }
    }
    return new Result(List.copyOf(disagreements), java.util.Collections.unmodifiableMap(holders));
  }
}
