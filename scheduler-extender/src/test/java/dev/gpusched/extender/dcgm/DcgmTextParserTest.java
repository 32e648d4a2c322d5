package dev.gpusched.extender.dcgm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpusched.extender.dcgm.DcgmQueryException.Kind;
import dev.gpusched.extender.testing.TestData;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DcgmTextParserTest {

  private static final Instant AT = Instant.parse("2026-11-28T12:00:00Z");

  private static GpuTelemetry parse(String body) throws DcgmQueryException {
    TelemetryBuilder b = new TelemetryBuilder(HostnameMapping.IDENTITY);
    DcgmTextParser.parseInto(b, body, "test");
    return b.build(AT);
  }

  @Test
  void readsTheSharedNodeBFixture() throws Exception {
    GpuTelemetry t = parse(TestData.read("dcgm/gpu-node-b-a100.prom"));
    assertThat(t.problems()).isEmpty();
    GpuSample[] b = t.node("gpu-node-b");
    assertThat(b).hasSize(8).doesNotContainNull();
    assertThat(b[2]).isEqualTo(new GpuSample(2, "GPU-ab73738f-da94-4ee2-4067-36539b1f282e", "NVIDIA A100-PCIE-40GB",
        38870, 2090, b[2].utilPct(), 0, "ml-prod", "llama-serve-2-7d9f"));
    assertThat(b[5].lastXid()).isEqualTo(79);
    assertThat(b[5].podName()).isNull();
    assertThat(b[0].fbFreeMiB()).isEqualTo(40960);
  }

  @Test
  void readsBothFixturesIntoOneTelemetry() throws Exception {
    TelemetryBuilder b = new TelemetryBuilder(HostnameMapping.IDENTITY);
    DcgmTextParser.parseInto(b, TestData.read("dcgm/gpu-node-a-h100.prom"), "a");
    DcgmTextParser.parseInto(b, TestData.read("dcgm/gpu-node-b-a100.prom"), "b");
    GpuTelemetry t = b.build(AT);
    assertThat(t.gpuCount()).isEqualTo(16);
    assertThat(t.node("gpu-node-a")[4].fbFreeMiB()).isEqualTo(1349);
    assertThat(t.node("gpu-node-a")[0].utilPct()).isEqualTo(87.0);
  }

  @Test
  void handlesEscapesTimestampsSpacesAndNoLabels() throws Exception {
    GpuTelemetry t = parse(String.join("\n",
        "# a comment",
        "",
        "DCGM_FI_DEV_FB_FREE{Hostname=\"n\", gpu=\"0\",pod=\"we\\\"ird\\\\pod\\n\",namespace=\"ns\",} 100 1764331200000",
        "DCGM_FI_DEV_FB_USED{Hostname=\"n\",gpu=\"0\"}   5\r",
        "DCGM_FI_DEV_FB_USED 7",
        "DCGM_FI_DEV_SM_CLOCK{this is not parsed} x"));
    GpuSample s = t.node("n")[0];
    assertThat(s.fbFreeMiB()).isEqualTo(100);
    assertThat(s.fbUsedMiB()).isEqualTo(5);
    assertThat(s.podName()).isEqualTo("we\"ird\\pod\n");
    // The label-less FB_USED has no Hostname: noted, not fatal.
    assertThat(t.problems()).singleElement().asString().contains("line 5").contains("no Hostname label");
  }

  @Test
  void malformedLinesAreNotedWithTheirLineNumber() throws Exception {
    GpuTelemetry t = parse(String.join("\n",
        "DCGM_FI_DEV_FB_FREE{Hostname=\"n\",gpu=\"0\"} 100",
        "DCGM_FI_DEV_FB_FREE{Hostname=\"n\",gpu=\"1} 100",
        "DCGM_FI_DEV_FB_FREE{Hostname=\"n\",gpu=\"2\",gpu=\"3\"} 100",
        "DCGM_FI_DEV_FB_FREE{Hostname=\"n\",gpu=\"4\" 100",
        "DCGM_FI_DEV_FB_FREE{Hostname=\"n\\q\",gpu=\"5\"} 100",
        "DCGM_FI_DEV_FB_FREE{Hostname=\"n\",gpu=\"6\"}100",
        "DCGM_FI_DEV_FB_FREE{Hostname=\"n\",gpu=\"7\"} 100 soon"));
    assertThat(t.gpuCount()).isEqualTo(1);
    assertThat(t.problems()).hasSize(6);
    assertThat(t.problems().get(0)).contains("test line 2").contains("no closing quote");
    assertThat(t.problems().get(1)).contains("line 3").contains("appears twice");
    assertThat(t.problems().get(2)).contains("line 4").contains("expected ',' or '}'");
    assertThat(t.problems().get(3)).contains("line 5").contains("unknown escape \\q");
    assertThat(t.problems().get(4)).contains("line 6").contains("expected a space and a value");
    assertThat(t.problems().get(5)).contains("line 7").contains("integer timestamp");
  }

  @Test
  void aBodyThatIsNotTheExpositionFormatFails() {
    assertThatThrownBy(() -> parse("<html>\n<body>oops</body>\n</html>\n"))
        .isInstanceOfSatisfying(DcgmQueryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.MALFORMED))
        .hasMessageContaining("test line 1: expected a metric name, found '<html>'");
  }

  @Test
  void anEmptyBodyIsAnEmptyTelemetry() throws Exception {
    assertThat(parse("").gpuCount()).isZero();
  }
}
