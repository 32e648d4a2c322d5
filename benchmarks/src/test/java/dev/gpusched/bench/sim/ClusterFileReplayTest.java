package dev.gpusched.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.cycle.FilterAnswer;
import dev.gpusched.extender.kube.EmbeddedApiServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The offline replay of a cluster file (the real-cluster harness's scenario format) and how placements are counted:
 * hand-computed examples.
 */
class ClusterFileReplayTest {
  @TempDir Path dir;

  private static String node(String name, int gpus, String product) {
    return "- apiVersion: v1\n  kind: Node\n  metadata:\n    name: " + name + "\n    labels:\n"
        + "      nvidia.com/gpu.product: " + product + "\n  status:\n    allocatable: &" + name + "\n"
        + "      cpu: '96'\n      memory: 1Ti\n      nvidia.com/gpu: '" + gpus + "'\n    capacity: *" + name + "\n";
  }

  /** A pod as PyYAML writes it: its equal requests and limits as an anchor and an alias. */
  private static String pod(String name, int gpus, String node) {
    return "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: " + name + "\n    namespace: ml\n  spec:\n"
        + (node == null ? "" : "    nodeName: " + node + "\n")
        + "    containers:\n    - name: main\n      image: x\n      resources:\n        limits: &" + name + "\n"
        + "          cpu: '2'\n          nvidia.com/gpu: '" + gpus + "'\n        requests: *" + name + "\n";
  }

  private Path file(String items) throws Exception {
    return Files.writeString(dir.resolve("cluster.yaml"), "apiVersion: v1\nkind: List\nitems:\n" + items);
  }

  @Test
  void strandedGpusAreTheFreeGpusOfPartlyUsedNodes() throws Exception {
    Path f = file(node("a", 8, "NVIDIA-H100-80GB-HBM3") + node("b", 8, "NVIDIA-H100-80GB-HBM3")
        + node("c", 4, "NVIDIA-L40S") + pod("running", 1, "c") + pod("p1", 2, null) + pod("p2", 8, null)
        + pod("p3", 4, null));
    Placements.ClusterFile file = Placements.ClusterFile.of(EmbeddedApiServer.readClusterFile(f));
    Placements p = Placements.of(file, Map.of("ml/p1", "a", "ml/p2", "b")); // p3 unplaced
    // a: 2 of 8 used, 6 stranded; b: full; c: 1 of 4 used (by the running pod), 3 stranded
    assertThat(p).isEqualTo(new Placements(3, 2, 2, 9, 11));
  }

  @Test
  void theReplayPacksAsGpuschedScoresAndTheSchedulerProfileBreaksTies() throws Exception {
    Path f = file(node("a", 8, "NVIDIA-H100-80GB-HBM3") + node("b", 8, "NVIDIA-H100-80GB-HBM3")
        + node("c", 4, "NVIDIA-L40S") + pod("four", 4, null) + pod("two", 2, null) + pod("two-more", 2, null)
        + pod("eight", 8, null));
    for (long seed = 1; seed <= 3; seed++) {
      ClusterFileReplay.Result r = ClusterFileReplay.run(EmbeddedApiServer.readClusterFile(f), seed,
          FilterAnswer.ALL_FITTING);
      assertThat(r.unplaced()).isEmpty();
      // the 4-GPU pod takes an NVSwitch H100 (NVLink outranks the L40S's fit); the 2-GPU pods fill that node; the
      // 8-GPU pod takes the other: both full, the L40S untouched
      String first = r.placed().get("ml/four");
      assertThat(first).isIn("a", "b");
      assertThat(r.placed()).containsEntry("ml/two", first).containsEntry("ml/two-more", first)
          .containsEntry("ml/eight", first.equals("a") ? "b" : "a");
      assertThat(r.placements()).isEqualTo(new Placements(4, 4, 2, 0, 16));
    }
  }

  @Test
  void answeringTheBestNodeTheReplayPlacesAlikeForEverySeed() throws Exception {
    Path f = file(node("a", 8, "NVIDIA-H100-80GB-HBM3") + node("b", 8, "NVIDIA-H100-80GB-HBM3")
        + node("c", 4, "NVIDIA-L40S") + pod("four", 4, null) + pod("two", 2, null) + pod("two-more", 2, null)
        + pod("eight", 8, null));
    for (long seed = 1; seed <= 3; seed++) {
      ClusterFileReplay.Result r = ClusterFileReplay.run(EmbeddedApiServer.readClusterFile(f), seed, FilterAnswer.BEST);
      // gpusched's own choice, kube-scheduler's random tie-break never reached: a and b rank alike for the first pod,
      // and the smaller name wins
      assertThat(r.placed()).containsExactlyInAnyOrderEntriesOf(
          Map.of("ml/four", "a", "ml/two", "a", "ml/two-more", "a", "ml/eight", "b"));
    }
  }

  @Test
  void theCommandReportsTheReplayAndARealRunOfTheSameFile() throws Exception {
    Path f = file(node("a", 8, "NVIDIA-H100-80GB-HBM3") + node("b", 8, "NVIDIA-H100-80GB-HBM3")
        + pod("p1", 2, null) + pod("p2", 2, null));
    assertThat(simulate(f, 2, runOnAAndB("run.json"))).contains("2 nodes (16 GPUs), 2 pending pods")
        .containsPattern("replay, seed 1 +2/2 +1 +4 ")
        .containsPattern("run .*run.json +2/2 +2 +12 +\\+200.0%");
  }

  @Test
  void aRunBesideAReplayThatStrandsNothingIsComparedInGpus() throws Exception {
    // two 4-GPU pods: the replay fills one node (0 stranded); the run spread them, 4 free on each of two nodes
    Path f = file(node("a", 8, "NVIDIA-H100-80GB-HBM3") + node("b", 8, "NVIDIA-H100-80GB-HBM3")
        + pod("p1", 4, null) + pod("p2", 4, null));
    assertThat(simulate(f, 1, runOnAAndB("spread.json"))).containsPattern("replay, seed 1 +2/2 +1 +0 +\\+0 GPUs")
        .containsPattern("spread.json +2/2 +2 +8 +\\+8 GPUs");
  }

  /** The harness's result JSON (realcluster.py --out), as much of it as is read: p1 went to node a, p2 to node b. */
  private Path runOnAAndB(String name) throws Exception {
    return Files.writeString(dir.resolve(name),
        "{\"pods\": {\"ml/p1\": {\"node\": \"a\"}, \"ml/p2\": {\"node\": \"b\"}}, \"summary\": {}}");
  }

  /** What {@code simulate --cluster-file f --seeds N --compare run} prints; fails on a non-zero exit. */
  private static String simulate(Path f, int seeds, Path run) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new SimulateCommand());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute("--cluster-file", f.toString(), "--seeds", Integer.toString(seeds),
        "--compare", run.toString());
    assertThat(code).as(err.toString()).isZero();
    return out.toString();
  }
}
