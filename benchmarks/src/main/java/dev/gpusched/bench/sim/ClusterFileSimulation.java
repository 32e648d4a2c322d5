package dev.gpusched.bench.sim;

import dev.gpusched.extender.cycle.FilterAnswer;
import dev.gpusched.extender.kube.EmbeddedApiServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code gpusched simulate --cluster-file FILE [--compare RESULT.json ...]}: the offline replay of a cluster file over
 * seeds 1..N ({@link ClusterFileReplay}), and next to it what real runs of the same file left (the real-cluster
 * harness's result JSON), both counted by {@link Placements}.
 */
final class ClusterFileSimulation {
  private ClusterFileSimulation() {}

  static int run(Path clusterFile, List<Path> compare, int seeds, FilterAnswer answer, boolean json, PrintWriter out,
      PrintWriter err) throws Exception {
    List<HasMetadata> objects;
    try {
      objects = EmbeddedApiServer.readClusterFile(clusterFile);
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      return 2;
    }
    Placements.ClusterFile file = Placements.ClusterFile.of(objects);
    List<ClusterFileReplay.Result> replays = new ArrayList<>();
    for (long seed = 1; seed <= seeds; seed++) {
      replays.add(ClusterFileReplay.run(objects, seed, answer));
    }
    Map<String, Placements> runs = new LinkedHashMap<>();
    for (Path result : compare) {
      try {
        runs.put(result.toString(), Placements.of(file, Placements.fromRunResult(result)));
      } catch (IllegalArgumentException | java.io.IOException e) {
        err.println("--compare " + result + ": " + e.getMessage());
        return 2;
      }
    }
    double meanStranded = replays.stream().mapToLong(r -> r.placements().strandedGpus()).average().orElse(0);
    if (json) {
      out.println(json(clusterFile, file, replays, runs, meanStranded));
      out.flush();
      return 0;
    }
    long gpus = file.nodeGpus().values().stream().mapToLong(Integer::longValue).sum();
    out.printf("Cluster file %s: %d nodes (%d GPUs), %d pending pods%n", clusterFile, file.nodeGpus().size(), gpus,
        replays.get(0).placements().pending());
    out.printf("%-44s %8s %10s %14s %10s%n", "", "bound", "nodes used", "stranded GPUs", "vs replay");
    for (ClusterFileReplay.Result r : replays) {
      row(out, "replay, seed " + r.seed(), r.placements(), meanStranded);
    }
    for (Map.Entry<String, Placements> e : runs.entrySet()) {
      row(out, "run " + e.getKey(), e.getValue(), meanStranded);
    }
    out.println("Replay: the pending pods in file order through gpusched's filter (answering " + answer.option()
        + "), prioritize and bind, kube-scheduler's"
        + " pick under the shipped profile (gpusched's score x 1000 + MostAllocated GPU, random among equals). Stranded:"
        + " free GPUs on partly used nodes. 'vs replay': against the replays' mean (in GPUs where that mean is 0).");
    for (String why : replays.get(0).unplaced()) {
      out.println("  not placed (seed 1): " + why);
    }
    out.flush();
    return 0;
  }

  private static void row(PrintWriter out, String label, Placements p, double meanStranded) {
    // against a mean of 0 a percentage means nothing: the difference in GPUs instead
    String vs = meanStranded == 0 ? String.format("%+d GPUs", p.strandedGpus())
        : String.format("%+.1f%%", 100 * (p.strandedGpus() - meanStranded) / meanStranded);
    out.printf("%-44s %8s %10d %14d %10s%n", label.length() > 44 ? "..." + label.substring(label.length() - 41) : label,
        p.bound() + "/" + p.pending(), p.nodesUsed(), p.strandedGpus(), vs);
  }

  private static String json(Path clusterFile, Placements.ClusterFile file, List<ClusterFileReplay.Result> replays,
      Map<String, Placements> runs, double meanStranded) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("clusterFile", clusterFile.toString());
    root.put("nodes", file.nodeGpus().size());
    root.put("replayMeanStrandedGpus", meanStranded);
    List<Object> rs = new ArrayList<>();
    for (ClusterFileReplay.Result r : replays) {
      rs.add(Map.of("seed", r.seed(), "placements", r.placements()));
    }
    root.put("replays", rs);
    root.put("runs", runs);
    return tools.jackson.databind.json.JsonMapper.builder().build().writeValueAsString(root);
  }
}
