package dev.gpusched.extender.dcgm;

import dev.gpusched.extender.dcgm.DcgmQueryException.Kind;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns the JSON of a Prometheus {@code /api/v1/query} answer (an instant vector of DCGM series) into
 * {@link GpuTelemetry}. Pure: body in, telemetry or {@link DcgmQueryException} out.
 *
 * <p>An answer that is not JSON, says {@code "status":"error"}, or lacks {@code data.resultType = "vector"} and
 * {@code data.result} fails as a whole. Inside the vector, a series without a usable Hostname/gpu label or value is
 * skipped and noted in {@link GpuTelemetry#problems()}.
 */
public final class PrometheusResponseParser {

  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final int EXCERPT = 200;

  private final HostnameMapping mapping;

  public PrometheusResponseParser(HostnameMapping mapping) {
    this.mapping = mapping;
  }

  /** Parses an answer read at {@code observedAt}. */
  public GpuTelemetry parse(String body, Instant observedAt) throws DcgmQueryException {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (JacksonException e) {
      throw new DcgmQueryException(Kind.MALFORMED, "Prometheus answer is not JSON (" + e.getOriginalMessage()
          + "); body starts with: " + excerpt(body), e);
    }
    if (root == null || !root.isObject()) {
      throw new DcgmQueryException(Kind.UNEXPECTED_SHAPE,
          "Prometheus answer is not a JSON object; body starts with: " + excerpt(body));
    }
    String status = text(root, "status");
    if ("error".equals(status)) {
      throw new DcgmQueryException(Kind.PROMETHEUS_ERROR, "Prometheus answered status 'error': errorType="
          + text(root, "errorType") + ", error=" + text(root, "error"));
    }
    if (!"success".equals(status)) {
      throw new DcgmQueryException(Kind.UNEXPECTED_SHAPE, "Prometheus answer has status "
          + (status == null ? "missing" : "'" + status + "'") + "; expected \"status\":\"success\"");
    }
    JsonNode data = root.get("data");
    if (data == null || !data.isObject()) {
      throw new DcgmQueryException(Kind.UNEXPECTED_SHAPE,
          "Prometheus answer has no \"data\" object; expected {\"status\":\"success\",\"data\":{...}}");
    }
    String resultType = text(data, "resultType");
    if (!"vector".equals(resultType)) {
      throw new DcgmQueryException(Kind.UNEXPECTED_SHAPE, "Prometheus answer has data.resultType "
          + (resultType == null ? "missing" : "'" + resultType + "'") + "; expected 'vector' (an instant query)");
    }
    JsonNode result = data.get("result");
    if (result == null || !result.isArray()) {
      throw new DcgmQueryException(Kind.UNEXPECTED_SHAPE,
          "Prometheus answer has no data.result array; expected a list of {\"metric\":{...},\"value\":[t,\"v\"]}");
    }
    TelemetryBuilder builder = new TelemetryBuilder(mapping);
    JsonNode warnings = root.get("warnings");
    if (warnings != null && warnings.isArray()) {
      for (JsonNode w : warnings) {
        builder.problem("Prometheus warning: " + w.asString());
      }
    }
    for (int i = 0; i < result.size(); i++) {
      addSeries(builder, result.get(i), "data.result[" + i + "]");
    }
    return builder.build(observedAt);
  }

  private static void addSeries(TelemetryBuilder builder, JsonNode series, String where) {
    if (series == null || !series.isObject()) {
      builder.problem(where + " is not an object; skipped");
      return;
    }
    JsonNode metric = series.get("metric");
    if (metric == null || !metric.isObject()) {
      builder.problem(where + " has no \"metric\" object; skipped");
      return;
    }
    Map<String, String> labels = new HashMap<>();
    for (Map.Entry<String, JsonNode> label : metric.properties()) {
      if (!label.getValue().isString()) {
        builder.problem(where + " label " + label.getKey() + " is not a string; skipped");
        return;
      }
      labels.put(label.getKey(), label.getValue().stringValue());
    }
    DcgmMetric which = DcgmMetric.byName(labels.get("__name__"));
    if (which == null) {
      builder.problem(where + " has __name__ " + labels.get("__name__") + ", not one of the four DCGM metrics read; skipped");
      return;
    }
    JsonNode value = series.get("value");
    if (value == null || !value.isArray() || value.size() != 2 || !value.get(1).isString()) {
      builder.problem(where + " (" + which.promName() + ") has value " + value
          + "; expected [unixTime, \"number\"]; skipped");
      return;
    }
    builder.add(which, labels, value.get(1).stringValue(), where);
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asString();
  }

  static String excerpt(String body) {
    if (body == null) {
      return "(no body)";
    }
    String oneLine = body.replace('\n', ' ').replace('\r', ' ');
    return oneLine.length() <= EXCERPT ? "'" + oneLine + "'" : "'" + oneLine.substring(0, EXCERPT) + "...'";
  }
}
