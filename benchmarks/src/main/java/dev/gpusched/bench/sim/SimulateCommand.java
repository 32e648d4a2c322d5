package dev.gpusched.bench.sim;

import dev.gpusched.bench.TestData;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.IntConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gpusched simulate}: replays an openb-format GPU cluster trace with the FGD paper's protocol through gpusched's
 * own filter and score plugins and through baseline policies, and reports unallocated GPU at 100% arrived workload.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
    description = {"Replay a GPU cluster trace (openb format) with the FGD protocol: pods arrive in a seeded random order"
        + " (the list plus random copies up to 130%% of the cluster's GPUs), never leave, and are dropped when they fit"
        + " nowhere. Reports unallocated GPU %% at 100%% arrived workload per policy (mean over seeds), curves as CSV and"
        + " an HTML report."})
public final class SimulateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--nodes", paramLabel = "FILE",
      description = "Node list (sn,cpu_milli,memory_mib,gpu,model). Default: testdata/openb/openb_node_list_gpu_node.csv"
          + " from the project root.")
  Path nodes;

  @Option(names = "--pods", paramLabel = "FILE",
      description = "Pod list (name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,...). Default:"
          + " testdata/openb/openb_pod_list_default.csv from the project root.")
  Path pods;

  @Option(names = "--seeds", defaultValue = "10", description = "Seeds 1..N (default: ${DEFAULT-VALUE}).")
  int seeds;

  @Option(names = "--policy", paramLabel = "P", split = ",",
      description = "Policies to run (repeatable or comma-separated); default: gpusched, bestfit, packing, dotprod,"
          + " random, kube-default. Also: gpusched-gpuonly, gpusched-today, gpusched-priority10, fgd.")
  List<String> policies;

  @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: target/sim under the project root).")
  Path out;

  @Option(names = "--inflation", defaultValue = "1.3",
      description = "Arrivals stop once their GPU request reaches this multiple of the cluster's GPUs (default: ${DEFAULT-VALUE}).")
  double inflation;

  @Option(names = "--threads", description = "Replays run in parallel (default: min(2, available processors)).")
  Integer threads;

  @Option(names = "--profile", defaultValue = "trace",
      description = "Where gpusched's workload profile comes from: trace (the whole pod list, as FGD uses it) or arrived"
          + " (learned online from the pods arrived so far, as the server learns it). Default: ${DEFAULT-VALUE}.")
  String profileSource;

  @Option(names = "--synthetic",
      description = "Instead of a trace: a seeded ML workload (inference shares and whole GPUs, multi-GPU training,"
          + " gangs of 2-64) with arrivals and departures on a generated cluster of leaves with DGX NVSwitch, NVLink-pair"
          + " and PCIe-only nodes. gpusched plans each gang whole with its GangPlanner; other policies place members one by"
          + " one, all or nothing. Policies default to gpusched, kube-default, bestfit.")
  boolean synthetic;

  @Option(names = "--jobs", defaultValue = "3000", description = "Synthetic jobs per seed (default: ${DEFAULT-VALUE}).")
  int jobs;

  @Option(names = "--load", defaultValue = "0.9",
      description = "Synthetic offered GPU load, fraction of the cluster (default: ${DEFAULT-VALUE}).")
  double load;

  @Option(names = "--leaves", defaultValue = "8", description = "Synthetic leaf switches (default: ${DEFAULT-VALUE}).")
  int leaves;

  @Option(names = "--cluster-file", paramLabel = "FILE",
      description = "Instead of a trace: replay the pending pods of this kind: List of Nodes and Pods (the real-cluster"
          + " harness's scenario) in file order through gpusched's own filter, prioritize and bind, the shipped scheduler"
          + " profile picking the node, one replay per seed; reports nodes used and stranded GPUs.")
  Path clusterFile;

  @Option(names = "--compare", paramLabel = "RESULT.json",
      description = "With --cluster-file: a real run's result JSON (realcluster.py --out) of the same file, reported"
          + " beside the replay (repeatable).")
  List<Path> compare = new ArrayList<>();

  @Option(names = "--filter-answer", paramLabel = "best|all-fitting", defaultValue = "best",
      description = "With --cluster-file: which fitting nodes gpusched's filter answers, as gpusched serve's option of"
          + " that name (default: ${DEFAULT-VALUE}, serve's).")
  String filterAnswer;

  @Option(names = "--json", description = "Print the summary as one JSON object (a key per policy) instead of the table.")
  boolean json;

  @Option(names = "--progress", negatable = true,
      description = "Progress bar on stderr (default: only when stderr is a terminal).")
  Boolean progress;

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();
    if (seeds < 1) {
      stderr.println("--seeds must be at least 1, got " + seeds);
      return 2;
    }
    if (!(inflation >= 1)) {
      stderr.println("--inflation must be at least 1 (the headline is read at 100% arrived), got " + inflation);
      return 2;
    }
    if (!profileSource.equals("trace") && !profileSource.equals("arrived")) {
      stderr.println("--profile must be trace or arrived, got \"" + profileSource + "\"");
      return 2;
    }
    if (synthetic) {
      return synthetic(stdout, stderr);
    }
    if (clusterFile != null) {
      dev.gpusched.extender.cycle.FilterAnswer answer;
      try {
        answer = dev.gpusched.extender.cycle.FilterAnswer.ofOption(filterAnswer);
      } catch (IllegalArgumentException e) {
        stderr.println(e.getMessage());
        return 2;
      }
      return ClusterFileSimulation.run(clusterFile, compare, seeds, answer, json, stdout, stderr);
    }
    Path nodeFile = nodes != null ? nodes : TestData.openbNodes();
    Path podFile = pods != null ? pods : TestData.openbPods();
    Path outDir = out != null ? out : TestData.projectRoot().resolve("target/sim");
    List<String> names = policies == null || policies.isEmpty() ? Policies.DEFAULT : policies;
    for (String n : names) {
      if (!Policies.all().contains(n)) {
        stderr.println("unknown policy \"" + n + "\"; known: " + String.join(", ", Policies.all()));
        return 2;
      }
    }
    for (Path f : List.of(nodeFile, podFile)) {
      if (!Files.isRegularFile(f)) {
        stderr.println("trace file not found: " + f + " (give --nodes FILE and --pods FILE)");
        return 2;
      }
    }
    Trace trace;
    try {
      trace = OpenbCsv.read(nodeFile, podFile);
    } catch (TraceFormatException e) {
      stderr.println(e.getMessage());
      return 2;
    }
    int threadCount = threads != null ? Math.max(1, threads) : Math.min(2, Runtime.getRuntime().availableProcessors());
    boolean showProgress = progress != null ? progress : System.console() != null;
    ProgressBar bar = showProgress
        ? new ProgressBar(System.err, (long) names.size() * seeds * Simulation.arrivalsPerReplay(trace, inflation)) : null;
    IntConsumer tick = bar == null ? null : bar::advance;
    long start = System.nanoTime();
    List<PolicySummary> results = Simulation.run(trace, names, seeds, inflation, threadCount,
        profileSource.equals("arrived"), tick);
    if (bar != null) {
      bar.finish();
    }
    double secs = (System.nanoTime() - start) / 1e9;
    String command = commandLine(nodeFile, podFile, names);
    ReportWriter.writeAll(outDir, results, command);
    if (json) {
      stdout.println(ReportWriter.json(results));
    } else {
      stdout.printf("Trace: %d nodes (%d GPUs), %d pods; %s%n", trace.nodes().size(), trace.totalGpuMilli() / 1000,
          trace.pods().size(), nodeFile.getFileName() + " + " + podFile.getFileName());
      stdout.print(ReportWriter.table(results, seeds));
      stdout.printf("%.1f s on %d thread(s). Curves: %s, %s; report: %s%n", secs, threadCount,
          outDir.resolve("curves.csv"), outDir.resolve("curves-mean.csv"), outDir.resolve("report.html"));
    }
    stdout.flush();
    return 0;
  }

  private int synthetic(PrintWriter stdout, PrintWriter stderr) throws Exception {
    if (jobs < 1 || !(load > 0) || leaves < 1) {
      stderr.println("--jobs and --leaves must be at least 1 and --load above 0; got jobs=" + jobs + " leaves=" + leaves
          + " load=" + load);
      return 2;
    }
    List<String> names = policies == null || policies.isEmpty() ? SyntheticSimulation.DEFAULT : policies;
    for (String n : names) {
      if (!Policies.all().contains(n)) {
        stderr.println("unknown policy \"" + n + "\"; known: " + String.join(", ", Policies.all()));
        return 2;
      }
    }
    SyntheticSimulation.Settings settings = new SyntheticSimulation.Settings(leaves, 3, 3, 2, jobs, load);
    SyntheticCluster cluster = SyntheticCluster.generate(leaves, 3, 3, 2);
    int threadCount = threads != null ? Math.max(1, threads) : Math.min(2, Runtime.getRuntime().availableProcessors());
    long start = System.nanoTime();
    List<SyntheticSimulation.Summary> results = SyntheticSimulation.run(settings, names, seeds, threadCount);
    double secs = (System.nanoTime() - start) / 1e9;
    Path outDir = out != null ? out : TestData.projectRoot().resolve("target/sim");
    Files.createDirectories(outDir);
    Files.writeString(outDir.resolve("synthetic.json"), SyntheticSimulation.json(results) + "\n");
    if (json) {
      stdout.println(SyntheticSimulation.json(results));
    } else {
      stdout.print(SyntheticSimulation.table(results, settings, seeds, cluster));
      stdout.println("idle-waiting%: GPUs unallocated while some job waits (time-weighted); nvlink%: multi-GPU pods on a"
          + " fully NVLink-connected GPU set (single: pods of no gang; gang: gang members); gang-leaf%: gangs placed within one leaf; gang-wait: start - arrival;"
          + " starved: gangs never started; frag%: expected fragmented GPU. Gangs: gpusched* by GangPlanner, others"
          + " member by member (all or nothing).");
      stdout.printf("%.1f s on %d thread(s); %s%n", secs, threadCount, outDir.resolve("synthetic.json"));
    }
    stdout.flush();
    return 0;
  }

  private String commandLine(Path nodeFile, Path podFile, List<String> names) {
    List<String> parts = new ArrayList<>(List.of("gpusched simulate", "--nodes " + nodeFile, "--pods " + podFile,
        "--seeds " + seeds, "--policy " + String.join(",", names)));
    if (profileSource.equals("arrived")) {
      parts.add("--profile arrived");
    }
    if (inflation != 1.3) {
      parts.add("--inflation " + inflation);
    }
    return String.join(" ", parts);
  }
}
