package dev.gpusched.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Keeps the load tool working: a few seconds at a small size, as the documented command line parses it. Asserts that
 * every phase recorded pairs without failures and produced a ratio; never a latency (this is not a benchmark).
 */
class LoadCommandSmokeTest {
  @Test
  void comparisonRunRecordsBothTargetsInBothModesWithChildJvmServers(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("load.json");
    LoadCommand cmd = parse("--nodes", "200", "--mode", "closed,rate", "--duration", "1s", "--warmup", "500ms",
        "--rate", "50", "--connections", "2", "--server-jvm-opts", "-Xmx256m", "--json", json.toString());
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    cmd.output(new PrintStream(text, true, StandardCharsets.UTF_8));
    List<LoadResult> results = cmd.run();

    assertThat(results).extracting(r -> r.target() + "/" + r.mode())
        .containsExactly("gpusched/closed", "null/closed", "gpusched/rate", "null/rate");
    for (LoadResult r : results) {
      assertThat(r.micros().getTotalCount()).as(r.target() + " " + r.mode()).isPositive();
      assertThat(r.failures()).as(r.target() + " " + r.mode()).isZero();
      assertThat(r.nodes()).isEqualTo(200);
    }
    List<LoadReport.Ratio> ratios = LoadReport.ratios(results);
    assertThat(ratios).hasSize(2);
    for (LoadReport.Ratio q : ratios) {
      assertThat(q.p99()).isPositive().isFinite();
    }
    String out = text.toString(StandardCharsets.UTF_8);
    assertThat(out).contains("child JVM").contains("ratio gpusched/null").contains("filter lets");
    JsonNode written = JsonMapper.builder().build().readTree(Files.readString(json));
    assertThat(written.path("results")).hasSize(4);
    assertThat(written.path("ratios")).hasSize(2);
    assertThat(written.path("settings").path("nodes").get(0).asInt()).isEqualTo(200);
  }

  @Test
  void sustainedRunReportsEachIntervalWithTheServersHeapAfterGc() throws Exception {
    LoadCommand cmd = parse("--sustained", "2s", "--interval", "1s", "--rate", "40", "--nodes", "100", "--warmup",
        "500ms", "--in-process", "--pod-shapes", "new-gpu");
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    cmd.output(new PrintStream(text, true, StandardCharsets.UTF_8));
    List<LoadResult> results = cmd.run();

    assertThat(results).hasSize(1);
    assertThat(results.get(0).target()).isEqualTo("gpusched");
    assertThat(results.get(0).micros().getTotalCount()).isPositive();
    assertThat(results.get(0).failures()).isZero();
    assertThat(text.toString(StandardCharsets.UTF_8)).contains("pod shapes: new-gpu");
    List<String> intervals = text.toString(StandardCharsets.UTF_8).lines()
        .filter(l -> l.matches("^[12] +\\d+ .*")).toList();
    assertThat(intervals).hasSize(2);
    // Every answered pair is in exactly one interval; on a stalled machine one interval may hold none of them.
    long pairsInIntervals = 0;
    for (String line : intervals) {
      String[] cols = line.trim().split("\\s+");
      pairsInIntervals += Long.parseLong(cols[1]);
      assertThat(Double.parseDouble(cols[cols.length - 1])).as("heap MiB in " + line).isPositive();
    }
    assertThat(pairsInIntervals).as("pairs over the intervals").isEqualTo(results.get(0).micros().getTotalCount());
  }

  @Test
  void badOptionsSayWhatWouldBeRight() {
    LoadCommand cmd = parse("--mode", "open");
    org.assertj.core.api.Assertions.assertThatThrownBy(cmd::run).hasMessageContaining("use closed, rate or closed,rate");
    LoadCommand targets = parse("--targets", "gpusched,noop");
    org.assertj.core.api.Assertions.assertThatThrownBy(targets::run).hasMessageContaining("use gpusched, null or gpusched,null");
    LoadCommand shapes = parse("--pod-shapes", "random");
    org.assertj.core.api.Assertions.assertThatThrownBy(shapes::run).hasMessageContaining("use same, new-cpu or new-gpu");
    LoadCommand interval = parse("--sustained", "10s", "--interval", "1m");
    org.assertj.core.api.Assertions.assertThatThrownBy(interval::run).hasMessageContaining("no interval would be reported");
    CommandLine cl = new CommandLine(new LoadCommand());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> cl.parseArgs("--duration", "30 seconds"))
        .hasMessageContaining("e.g. 30s or 10m");
  }

  private static LoadCommand parse(String... args) {
    LoadCommand cmd = new LoadCommand();
    new CommandLine(cmd).parseArgs(args);
    return cmd;
  }
}
