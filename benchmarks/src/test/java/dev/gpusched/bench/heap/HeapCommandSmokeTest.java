package dev.gpusched.bench.heap;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Keeps the heap benchmark working: a few dozen objects on fabric8's mock server, this build as the subject. Asserts
 * that every step was measured after the subject saw it and that the report and JSON carry the figures; never a size
 * (this is not a benchmark).
 */
class HeapCommandSmokeTest {
  @Test
  void everyStepIsMeasuredAndEachKindOfObjectGetsAFigure(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("heap.json");
    HeapCommand cmd = new HeapCommand();
    new CommandLine(cmd).parseArgs("--nodes", "10,20", "--gpu-pods", "20,40", "--cpu-pods", "20,40", "--threads", "4",
        "--top", "5", "--json", json.toString());
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    cmd.out = new PrintStream(text, true, StandardCharsets.UTF_8);

    assertThat(cmd.call()).isZero();

    JsonNode samples = JsonMapper.builder().build().readTree(Files.readString(json)).path("samples").path("gpusched");
    assertThat(samples).hasSize(7);
    assertThat(samples.get(6).path("nodes").asInt()).isEqualTo(20);
    assertThat(samples.get(6).path("gpuPods").asInt()).isEqualTo(40);
    assertThat(samples.get(6).path("cpuPods").asInt()).isEqualTo(40);
    for (JsonNode s : samples) {
      assertThat(s.path("heapMiB").asDouble()).as(s.toString()).isGreaterThan(1);
    }
    String out = text.toString(StandardCharsets.UTF_8);
    assertThat(out).contains("B per node").contains("B per GPU pod").contains("B per CPU pod")
        .contains("a restart against the full cluster: ready after").contains("largest classes at the end");
    assertThat(out.lines().filter(l -> l.matches("\\s+\\d+:\\s+\\d+\\s+\\d+\\s+.*"))).hasSize(5);
  }
}
