package dev.gpusched.bench.jmh;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link ScoringLoopBenchmark} (JMH options as for {@code org.openjdk.jmh.Main}, e.g. {@code -f 1 -wi 3 -i 5 -w 2s
 * -r 2s -p nodes=5000}) and prints nanoseconds per node: the JMH score (ns per pod) divided by the node count.
 */
public final class ScoringLoopTable {
  /** The target. */
  public static final double TARGET_NS_PER_NODE = 30.0;

  private ScoringLoopTable() {}

  public static void main(String[] args) throws Exception {
    Options options = new OptionsBuilder().parent(new CommandLineOptions(args))
        .include(ScoringLoopBenchmark.class.getName() + ".filterAndPrioritize").build();
    Collection<RunResult> results = new Runner(options).run();
    List<String> lines = new ArrayList<>();
    lines.add(String.format(Locale.ROOT, "%-14s %11s %7s %7s %14s %12s %14s %12s %s", "pod (profile)", "memo", "threads",
        "nodes",
        "mean ns/pod",
        "+-(99.9%)",
        "median ns/pod", "median ns/node", "target<=" + (int) TARGET_NS_PER_NODE));
    for (RunResult r : results) {
      String profile = r.getParams().getParam("profile");
      String pod = r.getParams().getParam("pod") + ("default".equals(profile) ? "" : " (" + profile + ")");
      String memo = r.getParams().getParam("memo");
      String threads = r.getParams().getParam("threads");
      int nodes = Integer.parseInt(r.getParams().getParam("nodes"));
      double toNanos = nanosPer(r.getPrimaryResult().getScoreUnit());
      double score = r.getPrimaryResult().getScore() * toNanos;
      double error = r.getPrimaryResult().getScoreError() * toNanos;
      double median = medianIteration(r) * toNanos;
      double perNode = median / nodes;
      lines.add(String.format(Locale.ROOT, "%-14s %11s %7s %7d %14.0f %12.0f %14.0f %12.1f %s", pod, memo, threads, nodes,
          score, error,
          median,
          perNode, perNode <= TARGET_NS_PER_NODE ? "met" : "MISSED"));
    }
    System.out.println();
    System.out.println("Scoring loop, nanoseconds per node (median of the measured iterations, in ns per pod, divided by"
        + " nodes; the mean and its error are JMH's):");
    lines.forEach(System.out::println);
  }

  /** The median of the measured iterations' scores: on a shared machine one disturbed iteration moves the mean far. */
  static double medianIteration(RunResult r) {
    List<Double> scores = new ArrayList<>();
    for (BenchmarkResult b : r.getBenchmarkResults()) {
      for (IterationResult i : b.getIterationResults()) {
        scores.add(i.getPrimaryResult().getScore());
      }
    }
    return median(scores);
  }

  static double median(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  /** Nanoseconds in one unit of an average-time score such as {@code us/op}. */
  static double nanosPer(String unit) {
    return switch (unit) {
      case "ns/op" -> 1;
      case "us/op" -> 1e3;
      case "ms/op" -> 1e6;
      case "s/op" -> 1e9;
      default -> throw new IllegalArgumentException("score unit " + unit + " is not a time per operation: run in the "
          + "default average-time mode (-bm avgt)");
    };
  }
}
