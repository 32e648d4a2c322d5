package dev.gpusched.bench.load;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The load tool's table (milliseconds per filter + prioritize pair) and its JSON form. */
public final class LoadReport {
  /** Issue targets at 5,000 nodes. */
  static final double TARGET_P99_MILLIS = 1.5;
  static final double TARGET_RATIO = 1.3;

  private LoadReport() {}

  /** gpusched's percentile over the null extender's, for each (nodes, mode) that has both; NaN when one is missing. */
  public record Ratio(int nodes, String mode, double p50, double p99, double p999) {}

  public static List<Ratio> ratios(List<LoadResult> results) {
    List<Ratio> out = new ArrayList<>();
    for (LoadResult g : results) {
      if (!g.target().equals("gpusched")) {
        continue;
      }
      for (LoadResult z : results) {
        if (z.target().equals("null") && z.nodes() == g.nodes() && z.mode().equals(g.mode())) {
          out.add(new Ratio(g.nodes(), g.mode(), g.p50Millis() / z.p50Millis(), g.p99Millis() / z.p99Millis(),
              g.p999Millis() / z.p999Millis()));
        }
      }
    }
    return out;
  }

  static final int SATURATION_FACTOR = 10;
  static final double SATURATION_MILLIS = 1000;

  /**
   * A rate phase whose median pair waited in a queue: p50 over {@value #SATURATION_MILLIS} ms, or over
   * {@value #SATURATION_FACTOR}x the same target's closed-loop p50 at the same size.
   */
  static boolean saturated(LoadResult r, List<LoadResult> all) {
    if (!r.mode().equals("rate")) {
      return false;
    }
    if (r.p50Millis() > SATURATION_MILLIS) {
      return true;
    }
    for (LoadResult c : all) {
      if (c.mode().equals("closed") && c.target().equals(r.target()) && c.nodes() == r.nodes()
          && r.p50Millis() > SATURATION_FACTOR * c.p50Millis()) {
        return true;
      }
    }
    return false;
  }

  public static void print(List<LoadResult> results, PrintStream out) {
    out.println(String.format(Locale.ROOT, "%-9s %6s %-7s %8s %9s %9s %9s %9s %9s %6s", "target", "nodes", "mode",
        "pairs", "pairs/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "failed"));
    for (LoadResult r : results) {
      out.println(String.format(Locale.ROOT, "%-9s %6d %-7s %8d %9.0f %9.3f %9.3f %9.3f %9.3f %6d", r.target(), r.nodes(),
          r.mode(), r.micros().getTotalCount(), r.pairsPerSecond(), r.p50Millis(), r.p99Millis(), r.p999Millis(),
          r.maxMillis(), r.failures()));
    }
    List<Ratio> ratios = ratios(results);
    if (!ratios.isEmpty()) {
      out.println();
      out.println(String.format(Locale.ROOT, "%-20s %6s %-7s %7s %7s %7s", "ratio gpusched/null", "nodes", "mode", "p50",
          "p99", "p99.9"));
      for (Ratio q : ratios) {
        out.println(String.format(Locale.ROOT, "%-20s %6d %-7s %7.2f %7.2f %7.2f", "", q.nodes(), q.mode(), q.p50(),
            q.p99(), q.p999()));
      }
    }
    for (LoadResult r : results) {
      if (r.target().equals("gpusched") && r.nodes() == 5000) {
        if (saturated(r, results)) {
          out.println(String.format(Locale.ROOT, "target at 5000 nodes, %s: no verdict: the phase queued (p50 %.0f ms, over"
              + " %dx the closed loop's or over %.0f ms), so the machine could not serve this rate and its latencies and"
              + " ratio measure the queue; lower --rate", r.mode(), r.p50Millis(), SATURATION_FACTOR, SATURATION_MILLIS));
          continue;
        }
        Ratio q = ratios.stream().filter(x -> x.nodes() == r.nodes() && x.mode().equals(r.mode())).findFirst().orElse(null);
        out.println(String.format(Locale.ROOT, "target at 5000 nodes, %s: p99 %.3f ms (<= %.1f: %s)%s", r.mode(),
            r.p99Millis(), TARGET_P99_MILLIS, r.p99Millis() <= TARGET_P99_MILLIS ? "met" : "MISSED",
            q == null ? "" : String.format(Locale.ROOT, ", p99 ratio %.2f (<= %.1f: %s)", q.p99(), TARGET_RATIO,
                q.p99() <= TARGET_RATIO ? "met" : "MISSED")));
      }
    }
  }

  public static String json(List<LoadResult> results, ObjectNode settings) {
    JsonMapper json = JsonMapper.builder().build();
    ObjectNode root = json.createObjectNode();
    root.set("settings", settings);
    ArrayNode rows = root.putArray("results");
    for (LoadResult r : results) {
      ObjectNode o = rows.addObject();
      o.put("target", r.target()).put("nodes", r.nodes()).put("mode", r.mode()).put("pairs", r.micros().getTotalCount())
          .put("pairsPerSecond", r.pairsPerSecond()).put("p50Millis", r.p50Millis()).put("p99Millis", r.p99Millis())
          .put("p999Millis", r.p999Millis()).put("maxMillis", r.maxMillis()).put("failures", r.failures());
    }
    ArrayNode ratios = root.putArray("ratios");
    for (Ratio q : ratios(results)) {
      ratios.addObject().put("nodes", q.nodes()).put("mode", q.mode()).put("p50", q.p50()).put("p99", q.p99())
          .put("p999", q.p999());
    }
    return json.writerWithDefaultPrettyPrinter().writeValueAsString(root);
  }
}
