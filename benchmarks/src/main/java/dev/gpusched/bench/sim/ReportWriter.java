package dev.gpusched.bench.sim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The simulator's outputs: the summary table, the JSON summary, the curves as CSV, and a self-contained HTML report. */
public final class ReportWriter {
  private static final String[] COLORS = {"#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#7f7f7f", "#ff7f0e", "#8c564b",
      "#e377c2"};

  private ReportWriter() {}

  public static String table(List<PolicySummary> results, int seeds) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "Unallocated GPU %% at 100%% arrived workload (%d seed%s)%n", seeds,
        seeds == 1 ? "" : "s"));
    sb.append(String.format(Locale.ROOT, "%-22s %8s %7s %7s %7s %14s%n", "policy", "mean", "std", "min", "max",
        "failed GPU pods"));
    for (PolicySummary r : results) {
      sb.append(String.format(Locale.ROOT, "%-22s %8.2f %7.2f %7.2f %7.2f %14.1f%n", r.policy(), r.mean(), r.std(),
          r.min(), r.max(), r.meanFailedGpuPods()));
    }
    return sb.toString();
  }

  /** One JSON object, a key per policy, each with {@code unallocatedGpuPctAt100} (the mean over seeds). */
  public static String json(List<PolicySummary> results) {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < results.size(); i++) {
      PolicySummary r = results.get(i);
      if (i > 0) {
        sb.append(',');
      }
      sb.append('"').append(escape(r.policy())).append("\":{")
          .append("\"unallocatedGpuPctAt100\":").append(num(r.mean()))
          .append(",\"std\":").append(num(r.std()))
          .append(",\"min\":").append(num(r.min()))
          .append(",\"max\":").append(num(r.max()))
          .append(",\"seeds\":").append(r.runs().size())
          .append(",\"meanFailedGpuPods\":").append(num(r.meanFailedGpuPods()))
          .append(",\"perSeed\":[");
      for (int s = 0; s < r.runs().size(); s++) {
        sb.append(s > 0 ? "," : "").append(num(r.runs().get(s).unallocatedPctAt100()));
      }
      sb.append("],\"description\":\"").append(escape(r.description())).append("\"}");
    }
    return sb.append('}').toString();
  }

  /** Writes curves.csv (every seed), curves-mean.csv, summary.json and report.html into {@code dir}. */
  public static void writeAll(Path dir, List<PolicySummary> results, String command) throws IOException {
    Files.createDirectories(dir);
    StringBuilder all = new StringBuilder("policy,seed,arrived_pct,allocated_pct,unallocated_pct,fragmented_pct\n");
    StringBuilder mean = new StringBuilder("policy,arrived_pct,allocated_pct,unallocated_pct,fragmented_pct\n");
    for (PolicySummary r : results) {
      for (Curve c : r.runs()) {
        for (int i = 0; i < c.allocatedPct().length; i++) {
          all.append(r.policy()).append(',').append(c.seed()).append(',').append(num(i * c.step())).append(',')
              .append(num(c.allocatedPct()[i])).append(',').append(num(100 - c.allocatedPct()[i])).append(',')
              .append(num(c.fragmentedPct()[i])).append('\n');
        }
      }
      double step = r.runs().get(0).step();
      for (int i = 0; i < r.meanAllocatedPct().length; i++) {
        mean.append(r.policy()).append(',').append(num(i * step)).append(',').append(num(r.meanAllocatedPct()[i]))
            .append(',').append(num(100 - r.meanAllocatedPct()[i])).append(',').append(num(r.meanFragmentedPct()[i]))
            .append('\n');
      }
    }
    Files.writeString(dir.resolve("curves.csv"), all, StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("curves-mean.csv"), mean, StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("summary.json"), json(results) + "\n", StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("report.html"), html(results, command), StandardCharsets.UTF_8);
  }

  static String html(List<PolicySummary> results, String command) {
    StringBuilder sb = new StringBuilder();
    sb.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>gpusched simulate</title><style>")
        .append("body{font-family:sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse}")
        .append("td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}td:first-child,th:first-child{text-align:left}")
        .append("code{background:#f4f4f4;padding:2px 4px}</style></head><body>")
        .append("<h1>Trace replay: unallocated GPU at 100% arrived workload</h1>")
        .append("<p>Command: <code>").append(escapeHtml(command)).append("</code></p>")
        .append("<table><tr><th>policy</th><th>mean %</th><th>std</th><th>min</th><th>max</th>")
        .append("<th>failed GPU pods (mean)</th><th>definition</th></tr>");
    for (PolicySummary r : results) {
      sb.append(String.format(Locale.ROOT,
          "<tr><td>%s</td><td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%.1f</td><td style=\"text-align:left\">%s</td></tr>",
          escapeHtml(r.policy()), r.mean(), r.std(), r.min(), r.max(), r.meanFailedGpuPods(), escapeHtml(r.description())));
    }
    sb.append("</table>");
    sb.append("<h2>GPU allocation ratio against arrived workload (mean over seeds)</h2>");
    sb.append(chart(results, true));
    sb.append("<h2>Fragmented GPU against arrived workload (mean over seeds)</h2>");
    sb.append("<p>Expected fragmentation (FGD's measure): free milli-GPU the expected next pod could not use, summed over"
        + " nodes, % of cluster GPUs.</p>");
    sb.append(chart(results, false));
    sb.append("</body></html>\n");
    return sb.toString();
  }

  private static String chart(List<PolicySummary> results, boolean allocation) {
    int w = 900;
    int h = 420;
    int left = 60;
    int bottom = 40;
    int top = 15;
    int right = 160;
    double xMax = 0;
    double yMax = allocation ? 100 : 1;
    for (PolicySummary r : results) {
      double step = r.runs().get(0).step();
      xMax = Math.max(xMax, (r.meanAllocatedPct().length - 1) * step);
      if (!allocation) {
        for (double v : r.meanFragmentedPct()) {
          yMax = Math.max(yMax, v);
        }
      }
    }
    if (!allocation) {
      yMax = Math.ceil(yMax / 5) * 5;
    }
    double pw = w - left - right;
    double ph = h - top - bottom;
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
        + "style=\"font:12px sans-serif\">", w, h));
    for (int t = 0; t <= 5; t++) {
      double y = top + ph - ph * t / 5;
      double v = yMax * t / 5;
      sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
          + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f%%</text>", left, y, left + pw, y, left - 5, y + 4, v));
    }
    for (int t = 0; t <= (int) (xMax / 10); t++) {
      double x = left + pw * t * 10 / xMax;
      sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
          + "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%d%%</text>", x, top, x, top + ph, x, top + ph + 15, t * 10));
    }
    sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">arrived workload (%% of cluster GPUs)</text>",
        left + pw / 2, h - 5));
    sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\" stroke-dasharray=\"4\"/>",
        left + pw * 100 / xMax, top, left + pw * 100 / xMax, top + ph));
    for (int i = 0; i < results.size(); i++) {
      PolicySummary r = results.get(i);
      double[] ys = allocation ? r.meanAllocatedPct() : r.meanFragmentedPct();
      double step = r.runs().get(0).step();
      StringBuilder pts = new StringBuilder();
      for (int p = 0; p < ys.length; p++) {
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", left + pw * p * step / xMax, top + ph - ph * ys[p] / yMax));
      }
      String color = COLORS[i % COLORS.length];
      sb.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"")
          .append(i == 0 ? "2.5" : "1.5").append("\" points=\"").append(pts).append("\"/>");
      sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"12\" height=\"3\" fill=\"%s\"/>"
          + "<text x=\"%.1f\" y=\"%d\">%s</text>", left + pw + 10, top + 10 + i * 18, color, left + pw + 26,
          top + 14 + i * 18, escapeHtml(r.policy())));
    }
    sb.append("</svg>");
    return sb.toString();
  }

  private static String num(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return "null";
    }
    return String.format(Locale.ROOT, "%.4f", v);
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  private static String escapeHtml(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
