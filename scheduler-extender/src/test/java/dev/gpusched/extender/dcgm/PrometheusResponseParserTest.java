package dev.gpusched.extender.dcgm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpusched.extender.dcgm.DcgmQueryException.Kind;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PrometheusResponseParserTest {

  private static final Instant AT = Instant.parse("2026-11-28T12:00:00Z");
  private final PrometheusResponseParser parser = new PrometheusResponseParser(HostnameMapping.IDENTITY);

  private static String series(String name, String host, int gpu, String pod, String value) {
    String podLabels = pod == null ? "" : ",\"namespace\":\"ml-prod\",\"pod\":\"" + pod + "\"";
    return "{\"metric\":{\"__name__\":\"" + name + "\",\"Hostname\":\"" + host + "\",\"gpu\":\"" + gpu
        + "\",\"UUID\":\"GPU-" + host + "-" + gpu + "\",\"modelName\":\"NVIDIA A100-PCIE-40GB\",\"instance\":\"x:9400\""
        + podLabels + "},\"value\":[1764331200.123,\"" + value + "\"]}";
  }

  private static String vector(String... series) {
    return "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[" + String.join(",", series)
        + "]}}";
  }

  @Test
  void readsAllFourMetricsPerGpuKeyedByHostnameAndIndex() throws Exception {
    String body = vector(
        series("DCGM_FI_DEV_FB_USED", "gpu-node-b", 2, "llama-serve-2-7d9f", "38870"),
        series("DCGM_FI_DEV_FB_FREE", "gpu-node-b", 2, "llama-serve-2-7d9f", "2090"),
        series("DCGM_FI_DEV_GPU_UTIL", "gpu-node-b", 2, "llama-serve-2-7d9f", "97"),
        series("DCGM_FI_DEV_XID_ERRORS", "gpu-node-b", 2, "llama-serve-2-7d9f", "0"),
        series("DCGM_FI_DEV_FB_FREE", "gpu-node-b", 5, null, "40960"),
        series("DCGM_FI_DEV_XID_ERRORS", "gpu-node-b", 5, null, "79"),
        series("DCGM_FI_DEV_FB_FREE", "gpu-node-a", 0, "llama-serve-0-7d9f", "10325"));

    GpuTelemetry t = parser.parse(body, AT);

    assertThat(t.observedAt()).isEqualTo(AT);
    assertThat(t.problems()).isEmpty();
    assertThat(t.nodeNames()).containsExactlyInAnyOrder("gpu-node-a", "gpu-node-b");
    GpuSample[] b = t.node("gpu-node-b");
    assertThat(b).hasSize(6);
    assertThat(b[0]).isNull();
    assertThat(b[2]).isEqualTo(new GpuSample(2, "GPU-gpu-node-b-2", "NVIDIA A100-PCIE-40GB", 38870, 2090, 97.0, 0,
        "ml-prod", "llama-serve-2-7d9f"));
    assertThat(b[5].lastXid()).isEqualTo(79);
    assertThat(b[5].podName()).isNull();
    assertThat(b[5].fbUsedMiB()).isEqualTo(GpuSample.UNKNOWN_MIB);
    assertThat(b[5].utilPct()).isNaN();
    assertThat(t.observedPods("gpu-node-b")).containsOnlyKeys(2);
    assertThat(t.observedPods("gpu-node-b").get(2)).containsExactly("ml-prod/llama-serve-2-7d9f");
    assertThat(t.node("gpu-node-c")).isNull();
    assertThat(t.gpuCount()).isEqualTo(3);
  }

  @Test
  void appliesTheHostnameMapping() throws Exception {
    PrometheusResponseParser mapped = new PrometheusResponseParser(HostnameMapping.parse("strip-domain,dgx7=gpu-node-x"));
    GpuTelemetry t = mapped.parse(vector(
        series("DCGM_FI_DEV_FB_FREE", "gpu-node-b.cluster.local", 0, null, "1"),
        series("DCGM_FI_DEV_FB_FREE", "dgx7", 1, null, "2")), AT);
    assertThat(t.nodeNames()).containsExactlyInAnyOrder("gpu-node-b", "gpu-node-x");
  }

  @Test
  void statusErrorSaysErrorTypeAndError() {
    String body = "{\"status\":\"error\",\"errorType\":\"bad_data\","
        + "\"error\":\"invalid parameter \\\"query\\\": 1:1: parse error: unexpected character\"}";
    assertThatThrownBy(() -> parser.parse(body, AT))
        .isInstanceOfSatisfying(DcgmQueryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.PROMETHEUS_ERROR))
        .hasMessageContaining("errorType=bad_data")
        .hasMessageContaining("parse error: unexpected character");
  }

  @Test
  void malformedJsonIsReportedWithTheBodyStart() {
    String body = "<html><body>502 Bad Gateway</body></html>";
    assertThatThrownBy(() -> parser.parse(body, AT))
        .isInstanceOfSatisfying(DcgmQueryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.MALFORMED))
        .hasMessageContaining("not JSON")
        .hasMessageContaining("502 Bad Gateway");
  }

  @Test
  void truncatedJsonIsMalformed() {
    String body = vector(series("DCGM_FI_DEV_FB_FREE", "gpu-node-b", 0, null, "1")).substring(0, 80);
    assertThatThrownBy(() -> parser.parse(body, AT))
        .isInstanceOfSatisfying(DcgmQueryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.MALFORMED));
  }

  @Test
  void wrongShapesSayWhatWasExpected() {
    assertThatThrownBy(() -> parser.parse("[1,2]", AT)).hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> parser.parse("{\"data\":{}}", AT))
        .hasMessageContaining("status missing").hasMessageContaining("expected \"status\":\"success\"");
    assertThatThrownBy(() -> parser.parse("{\"status\":\"success\"}", AT)).hasMessageContaining("no \"data\" object");
    assertThatThrownBy(() -> parser.parse(
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}", AT))
        .hasMessageContaining("resultType 'matrix'").hasMessageContaining("expected 'vector'");
    assertThatThrownBy(() -> parser.parse(
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":{}}}", AT))
        .isInstanceOfSatisfying(DcgmQueryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNEXPECTED_SHAPE))
        .hasMessageContaining("no data.result array");
  }

  @Test
  void partialAnswerSkipsSeriesWithoutHostnameAndKeepsTheRest() throws Exception {
    String noHostname = "{\"metric\":{\"__name__\":\"DCGM_FI_DEV_FB_FREE\",\"gpu\":\"4\"},\"value\":[1,\"100\"]}";
    GpuTelemetry t = parser.parse(vector(
        series("DCGM_FI_DEV_FB_FREE", "gpu-node-b", 0, null, "40960"), noHostname), AT);
    assertThat(t.node("gpu-node-b")[0].fbFreeMiB()).isEqualTo(40960);
    assertThat(t.gpuCount()).isEqualTo(1);
    assertThat(t.problems()).singleElement().asString()
        .contains("data.result[1]").contains("DCGM_FI_DEV_FB_FREE has no Hostname label");
  }

  @Test
  void nanValueLeavesTheFieldUnknownAndIsNoted() throws Exception {
    GpuTelemetry t = parser.parse(vector(
        series("DCGM_FI_DEV_FB_FREE", "gpu-node-b", 0, null, "NaN"),
        series("DCGM_FI_DEV_FB_USED", "gpu-node-b", 0, null, "12"),
        series("DCGM_FI_DEV_GPU_UTIL", "gpu-node-b", 0, null, "+Inf")), AT);
    GpuSample s = t.node("gpu-node-b")[0];
    assertThat(s.hasFreeMemory()).isFalse();
    assertThat(s.fbUsedMiB()).isEqualTo(12);
    assertThat(s.utilPct()).isNaN();
    assertThat(t.problems()).hasSize(2);
    assertThat(t.problems().get(0)).contains("DCGM_FI_DEV_FB_FREE on gpu-node-b GPU 0 has value 'NaN'")
        .contains("expected a finite number");
  }

  @Test
  void wrongTypesInsideTheVectorAreSkippedWithAReason() throws Exception {
    String numericValue = "{\"metric\":{\"__name__\":\"DCGM_FI_DEV_FB_FREE\",\"Hostname\":\"n\",\"gpu\":\"0\"},"
        + "\"value\":[1,100]}";
    String badGpu = "{\"metric\":{\"__name__\":\"DCGM_FI_DEV_FB_FREE\",\"Hostname\":\"n\",\"gpu\":\"GPU-0\"},"
        + "\"value\":[1,\"100\"]}";
    String otherMetric = "{\"metric\":{\"__name__\":\"DCGM_FI_DEV_SM_CLOCK\",\"Hostname\":\"n\",\"gpu\":\"0\"},"
        + "\"value\":[1,\"1980\"]}";
    GpuTelemetry t = parser.parse(vector(numericValue, badGpu, otherMetric, "42"), AT);
    assertThat(t.gpuCount()).isZero();
    assertThat(t.problems()).hasSize(4);
    assertThat(t.problems().get(0)).contains("expected [unixTime, \"number\"]");
    assertThat(t.problems().get(1)).contains("gpu label 'GPU-0'").contains("expected an integer");
    assertThat(t.problems().get(2)).contains("DCGM_FI_DEV_SM_CLOCK");
    assertThat(t.problems().get(3)).contains("data.result[3] is not an object");
  }

  @Test
  void aGpuSharedByTwoPodsKeepsBothPods() throws Exception {
    GpuTelemetry t = parser.parse(vector(
        series("DCGM_FI_DEV_FB_FREE", "gpu-node-b", 1, "b-pod", "100"),
        series("DCGM_FI_DEV_FB_FREE", "gpu-node-b", 1, "a-pod", "100")), AT);
    assertThat(t.observedPods("gpu-node-b").get(1)).containsExactlyInAnyOrder("ml-prod/a-pod", "ml-prod/b-pod");
    assertThat(t.node("gpu-node-b")[1].podKey()).isEqualTo("ml-prod/a-pod");
  }
}
