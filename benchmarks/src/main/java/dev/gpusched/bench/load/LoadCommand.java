package dev.gpusched.bench.load;

import dev.gpusched.bench.TestData;
import dev.gpusched.bench.jmh.SyntheticCluster;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code gpusched load}: HTTP latency of filter + prioritize pairs against gpusched and, in the same run, against the null
 * extender on the same server stack (the floor: HTTP and JSON alone). With {@code --sustained} it instead holds a fixed
 * rate on gpusched alone and prints p99 and the server's heap after GC once per interval.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
    description = {
      "Measures filter + prioritize pairs over HTTP against gpusched and a null extender (same Vert.x stack, pass-through"
          + " answers), both on 127.0.0.1 in a child JVM, on a generated cluster (nvidia-smi fixture topologies, about"
          + " 70%% of GPUs taken). Bodies are kube-scheduler's (NodeNames mode, captured Pod). Prints p50/p99/p99.9 per pair"
          + " and the ratio gpusched/null.",
      "With --sustained: gpusched alone at --rate for that long; per --interval: p99 and the server's heap after GC."})
public final class LoadCommand implements Callable<Integer> {
  @Option(names = "--nodes", split = ",", description = "cluster sizes, one run each (default: ${DEFAULT-VALUE})")
  List<Integer> nodes = new ArrayList<>(List.of(1000, 5000));

  @Option(names = "--mode", split = ",", description = "closed (--connections senders, each waiting for its answer) and/or"
      + " rate (--rate pairs/s per target, latency from each pair's scheduled start) (default: ${DEFAULT-VALUE})")
  List<String> modes = new ArrayList<>(List.of("closed", "rate"));

  @Option(names = "--rate", description = "pairs per second per target in rate mode and --sustained (default: ${DEFAULT-VALUE})")
  double rate = 200;

  @Option(names = "--duration", converter = DurationText.class, description = "measured time per mode (default: 30s)")
  Duration duration = Duration.ofSeconds(30);

  @Option(names = "--warmup", converter = DurationText.class, description = "unrecorded closed-loop warm-up (JIT) before each "
      + "measurement; a rate phase then runs 2 s at its rate unrecorded before it counts (default: 10s)")
  Duration warmup = Duration.ofSeconds(10);

  @Option(names = "--connections", description = "concurrent senders in closed mode (default: ${DEFAULT-VALUE})")
  int connections = 4;

  @Option(names = "--sustained", converter = DurationText.class, description = "instead of the comparison: hold --rate on "
      + "gpusched at the first --nodes for this long, e.g. 10m")
  Duration sustained;

  @Option(names = "--interval", converter = DurationText.class, description = "report interval of --sustained (default: 1m)")
  Duration interval = Duration.ofMinutes(1);

  @Option(names = "--in-process", description = "run the servers in this JVM instead of a child JVM (they then share "
      + "CPU, heap and GC with the load generator)")
  boolean inProcess;

  @Option(names = "--server-jvm-opts", description = "JVM options of the server JVM, space-separated (default: ${DEFAULT-VALUE})")
  String serverJvmOptions = "-Xmx1g";

  @Option(names = "--decision-threads", description = "threads gpusched computes one call's new verdicts on, as "
      + "gpusched serve --decision-threads (default: the machine's CPUs, at most 16: ${DEFAULT-VALUE})")
  int decisionThreads = dev.gpusched.extender.decide.ParallelChunks.DEFAULT_THREADS;

  @Option(names = "--seed", description = "seed of the generated cluster (default: ${DEFAULT-VALUE})")
  long seed = 42;

  @Option(names = "--template", description = "captured filter request whose Pod is sent (default: "
      + "testdata/kube-scheduler/nodecache-true/001-filter-request.raw.json)")
  Path template;

  @Option(names = "--pod-shapes", description = "same: every pair sends the same pod (replicas of one workload: after the "
      + "first, gpusched answers unchanged nodes from its verdict memo); new-cpu: every pair's pod has a CPU request no "
      + "earlier pair had (a new workload of a known GPU demand); new-gpu: every pair's pod has a GPU demand no earlier "
      + "pair had (a gpusched.dev/gpu-model list all products match), so every node is computed. A varied body is built "
      + "per pair, for both targets (default: ${DEFAULT-VALUE})")
  String podShapes = "same";

  @Option(names = "--json", description = "also write the results as JSON to this file")
  Path json;

  private PrintStream out = System.out;

  @Option(names = "--targets", split = ",", description = "which servers the comparison sends to: gpusched and/or null "
      + "(default: ${DEFAULT-VALUE}); --sustained always uses gpusched alone")
  List<String> targetNames = new ArrayList<>(List.of("gpusched", "null"));

  private PodShapes shapes() {
    return PodShapes.of(podShapes);
  }

  @Override
  public Integer call() throws Exception {
    try {
      run();
      return 0;
    } catch (IllegalArgumentException | IllegalStateException e) {
      System.err.println("gpusched load: " + e.getMessage());
      return 1;
    }
  }

  /** Runs what the options say, prints the report, and returns the results (the smoke test reads them). */
  public List<LoadResult> run() throws Exception {
    validate();
    RequestBodies bodies = RequestBodies.fromTemplate(template != null ? template
        : RequestBodies.defaultTemplate(TestData.dir()));
    HttpClient http = PairClient.newHttpClient();
    out.println(machine());
    out.println("pod: " + bodies.podName() + " (from " + (template != null ? template : "the captured kube-scheduler request")
        + "); pair = filter with all nodes, then prioritize with the survivors; pod shapes: " + podShapes
        + "; latencies in ms per pair");
    List<LoadResult> results = new ArrayList<>();
    if (sustained != null) {
      int n = nodes.get(0);
      try (Servers servers = servers(n)) {
        out.println(String.format(Locale.ROOT, "sustained: gpusched alone, %d nodes, %.0f pairs/s, %s after %s warm-up, "
            + "servers in %s", n, rate, DurationText.format(sustained), DurationText.format(warmup), servers.where()));
        out.println(String.format(Locale.ROOT, "%-8s %8s %9s %9s %9s %9s %6s %12s", "interval", "pairs", "p50 ms",
            "p99 ms", "p99.9 ms", "max ms", "failed", "heap MiB"));
        List<LoadDriver.Target> target = List.of(new LoadDriver.Target("gpusched",
            new PairClient(http, servers.gpuschedPort(), bodies, SyntheticCluster.nodeNames(n), shapes())));
        LoadDriver.closedLoop(target, n, connections, warmup, Duration.ZERO); // JIT warm-up, not recorded
        results.addAll(LoadDriver.fixedRate(target, n, rate, RATE_SETTLE, sustained, interval, i -> out.println(
            String.format(Locale.ROOT, "%-8d %8d %9.3f %9.3f %9.3f %9.3f %6d %12.1f", i.index(), i.micros().getTotalCount(),
                i.micros().getValueAtPercentile(50) / 1000.0, i.micros().getValueAtPercentile(99) / 1000.0,
                i.micros().getValueAtPercentile(99.9) / 1000.0, i.micros().getMaxValue() / 1000.0, i.failures(),
                i.heapAfterGcBytes() / (1024.0 * 1024.0))), servers::heapAfterGc));
      }
    } else {
      for (int n : nodes) {
        try (Servers servers = servers(n)) {
          List<String> candidates = SyntheticCluster.nodeNames(n);
          List<LoadDriver.Target> targets = new ArrayList<>();
          for (String t : targetNames) {
            targets.add(new LoadDriver.Target(t,
                new PairClient(http, t.equals("null") ? servers.nullPort() : servers.gpuschedPort(), bodies, candidates,
                    shapes())));
          }
          for (LoadDriver.Target t : targets) {
            int survivors = t.client().pair(); // fail fast, with the server's message, before measuring
            out.println(String.format(Locale.ROOT, "%d nodes, %s (servers in %s): filter lets %d of %d through", n,
                t.name(), servers.where(), survivors, n));
          }
          for (String mode : modes) {
            LoadDriver.closedLoop(targets, n, connections, warmup, Duration.ZERO); // JIT warm-up, not recorded
            long serverCpu = servers.cpuNanos();
            long clientCpu = clientCpuNanos();
            List<LoadResult> phase = mode.equals("closed")
                ? LoadDriver.closedLoop(targets, n, connections, Duration.ZERO, duration)
                : LoadDriver.fixedRate(targets, n, rate, RATE_SETTLE, duration, null, null, null);
            results.addAll(phase);
            long pairs = 0;
            for (LoadResult r : phase) {
              pairs += r.micros().getTotalCount();
            }
            printCpu(n, mode, pairs, serverCpu < 0 ? -1 : servers.cpuNanos() - serverCpu, clientCpuNanos() - clientCpu);
          }
        }
      }
    }
    out.println();
    LoadReport.print(results, out);
    if (json != null) {
      try {
        Files.writeString(json, LoadReport.json(results, settings()));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write --json " + json, e);
      }
      out.println("JSON written to " + json);
    }
    return results;
  }

  /** Unrecorded start of a fixed-rate phase (after the closed-loop warm-up), so connections are open when it counts. */
  static final Duration RATE_SETTLE = Duration.ofSeconds(2);

  private void validate() {
    shapes();
    dev.gpusched.extender.decide.ParallelChunks.checkThreads(decisionThreads);
    for (String t : targetNames) {
      if (!t.equals("gpusched") && !t.equals("null")) {
        throw new IllegalArgumentException("--targets " + t + " is not known: use gpusched, null or gpusched,null");
      }
    }
    for (String m : modes) {
      if (!m.equals("closed") && !m.equals("rate")) {
        throw new IllegalArgumentException("--mode " + m + " is not known: use closed, rate or closed,rate");
      }
    }
    for (int n : nodes) {
      if (n < 1 || n > 50_000) {
        throw new IllegalArgumentException("--nodes " + n + " is out of range: use 1 to 50000 nodes");
      }
    }
    if (connections < 1) {
      throw new IllegalArgumentException("--connections must be at least 1, got " + connections);
    }
    if (duration.isZero() || duration.isNegative()) {
      throw new IllegalArgumentException("--duration must be more than 0, e.g. 30s");
    }
    if (sustained != null && interval.compareTo(sustained) > 0) {
      throw new IllegalArgumentException("--interval " + DurationText.format(interval) + " is longer than --sustained "
          + DurationText.format(sustained) + ": no interval would be reported");
    }
  }

  /**
   * CPU per pair of the phase (all targets together; a rate phase's 2 s settling time included, so slightly high): what
   * each pair costs in CPU, whatever the neighbours on a shared machine do to wall time.
   */
  private void printCpu(int n, String mode, long pairs, long serverNanos, long clientNanos) {
    if (pairs == 0) {
      return;
    }
    out.println(String.format(Locale.ROOT, "%d nodes, %s: CPU per pair: server JVM %s, load generator %.3f ms", n, mode,
        serverNanos < 0 ? "n/a (in process)" : String.format(Locale.ROOT, "%.3f ms", serverNanos / 1e6 / pairs),
        clientNanos / 1e6 / pairs));
  }

  private static long clientCpuNanos() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
  }

  private Servers servers(int n) {
    if (inProcess) {
      return Servers.inProcess(n, seed, decisionThreads);
    }
    List<String> opts = serverJvmOptions.isBlank() ? List.of() : Arrays.asList(serverJvmOptions.trim().split("\\s+"));
    return ServerProcess.start(n, seed, decisionThreads, opts);
  }

  private static String machine() {
    return String.format(Locale.ROOT, "machine: %d CPUs, %s %s, Java %s; %s", Runtime.getRuntime().availableProcessors(),
        System.getProperty("os.name"), System.getProperty("os.arch"), System.getProperty("java.version"),
        Instant.now().toString().substring(0, 19) + "Z");
  }

  private ObjectNode settings() {
    ObjectNode s = JsonMapper.builder().build().createObjectNode();
    s.put("rate", rate).put("duration", DurationText.format(duration)).put("warmup", DurationText.format(warmup))
        .put("connections", connections).put("seed", seed).put("inProcess", inProcess)
        .put("cpus", Runtime.getRuntime().availableProcessors()).put("java", System.getProperty("java.version"))
        .put("jvm", ManagementFactory.getRuntimeMXBean().getVmName());
    s.putPOJO("nodes", nodes);
    s.putPOJO("modes", modes);
    return s;
  }

  /** For tests: where the report goes. */
  void output(PrintStream stream) {
    this.out = stream;
  }
}
