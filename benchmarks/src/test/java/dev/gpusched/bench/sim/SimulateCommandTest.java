package dev.gpusched.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class SimulateCommandTest {
  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new SimulateCommand());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  private Path write(String name, String text) throws Exception {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  @Test
  void jsonHasAKeyPerPolicyWithTheHeadlineMean() throws Exception {
    Path nodes = write("n.csv", TinyTraces.NODE_HEADER + "one,64000,100000,1,T4\ntwo,64000,100000,2,T4\n");
    Path pods = write("p.csv", TinyTraces.POD_HEADER
        + "s1,1000,10,1,500,,,,,,\ns2,1000,10,1,500,,,,,,\nw2,1000,10,2,1000,,,,,,\nc,1000,10,0,0,,,,,,\n");
    Run r = run("--nodes", nodes.toString(), "--pods", pods.toString(), "--seeds", "3", "--inflation", "1.0", "--json", "--no-progress",
        "--out", dir.resolve("out").toString());
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode json = JsonMapper.builder().build().readTree(r.out());
    assertThat(json.isObject()).isTrue();
    assertThat(json.propertyNames()).containsExactlyElementsOf(Policies.DEFAULT);
    for (String p : Policies.DEFAULT) {
      JsonNode v = json.get(p);
      assertThat(v.get("unallocatedGpuPctAt100").isNumber()).as(p).isTrue();
      assertThat(v.get("perSeed")).hasSize(3);
      double mean = 0;
      for (JsonNode s : v.get("perSeed")) {
        mean += s.asDouble() / 3;
      }
      assertThat(v.get("unallocatedGpuPctAt100").asDouble()).isCloseTo(mean, org.assertj.core.data.Offset.offset(1e-3));
    }
    assertThat(json.get("gpusched").get("unallocatedGpuPctAt100").asDouble()).isEqualTo(0.0);
    assertThat(dir.resolve("out/curves.csv")).exists();
    assertThat(Files.readAllLines(dir.resolve("out/curves-mean.csv")).get(0))
        .isEqualTo("policy,arrived_pct,allocated_pct,unallocated_pct,fragmented_pct");
    String html = Files.readString(dir.resolve("out/report.html"));
    assertThat(html).contains("<svg").contains("gpusched").doesNotContain("http://cdn").doesNotContain("<script src");
  }

  @Test
  void tableNamesEveryRequestedPolicy() throws Exception {
    Path nodes = write("n.csv", TinyTraces.NODE_HEADER + "one,64000,100000,2,T4\n");
    Path pods = write("p.csv", TinyTraces.POD_HEADER + "a,1000,10,1,1000,,,,,,\n");
    Run r = run("--nodes", nodes.toString(), "--pods", pods.toString(), "--seeds", "1", "--policy", "gpusched,bestfit",
        "--no-progress", "--out", dir.resolve("o").toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("gpusched").contains("bestfit").doesNotContain("dotprod");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void badTraceAndBadOptionsGiveClearErrors() throws Exception {
    Path nodes = write("n.csv", TinyTraces.NODE_HEADER + "one,64000,100000,two,T4\n");
    Path pods = write("p.csv", TinyTraces.POD_HEADER + "a,1000,10,1,1000,,,,,,\n");
    Run bad = run("--nodes", nodes.toString(), "--pods", pods.toString(), "--no-progress");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("n.csv line 2: column gpu is \"two\"; expected a whole number");

    Run unknown = run("--nodes", nodes.toString(), "--pods", pods.toString(), "--policy", "magic");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("unknown policy \"magic\"; known: gpusched");

    Run missing = run("--nodes", dir.resolve("nope.csv").toString(), "--pods", pods.toString());
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("trace file not found").contains("nope.csv");
  }
}
