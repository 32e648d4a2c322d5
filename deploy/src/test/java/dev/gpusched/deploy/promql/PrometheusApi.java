package dev.gpusched.deploy.promql;

import dev.gpusched.deploy.Yaml;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.json.JsonMapper;

/** A small client of Prometheus's HTTP API: instant queries and the list of stored metric names. */
public final class PrometheusApi {
  /** The answer to an instant query: success with its result type and series count, or Prometheus's error. */
  public record QueryResult(boolean success, String resultType, int seriesCount, String errorType, String error) {}

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private final URI base;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** A client of the Prometheus at this base URL (e.g. http://127.0.0.1:9090). */
  public PrometheusApi(URI base) {
    this.base = base;
  }

  /** Runs an instant query (/api/v1/query). Prometheus's own errors (bad_data...) come back as a result, not thrown. */
  @SuppressWarnings("unchecked")
  public QueryResult query(String promql) {
    Map<String, Object> body = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    if (!"success".equals(body.get("status"))) {
      return new QueryResult(false, null, 0, String.valueOf(body.get("errorType")), String.valueOf(body.get("error")));
    }
    Object data = body.get("data");
    String resultType = String.valueOf(Yaml.at(data, "resultType"));
    Object result = Yaml.at(data, "result");
    int count = result instanceof List<?> list ? list.size() : 1;
    return new QueryResult(true, resultType, count, null, null);
  }

  /** Every metric name Prometheus holds (/api/v1/label/__name__/values). */
  @SuppressWarnings("unchecked")
  public Set<String> metricNames() {
    Map<String, Object> body = get("/api/v1/label/__name__/values");
    if (!"success".equals(body.get("status"))) {
      throw new IllegalStateException("Prometheus at " + base + " refused the metric name list: " + body.get("error"));
    }
    return new LinkedHashSet<>((List<String>) body.get("data"));
  }

  private Map<String, Object> get(String pathAndQuery) {
    URI uri = URI.create(base.toString().replaceAll("/$", "") + pathAndQuery);
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      // Prometheus answers 400/422 with a JSON error body: read it rather than failing on the status.
      if (response.statusCode() >= 500 || !response.body().startsWith("{")) {
        throw new IllegalStateException("Prometheus at " + uri + " answered " + response.statusCode() + ": " + response.body());
      }
      return Yaml.asMap(JSON.readValue(response.body(), Object.class));
    } catch (IOException e) {
      throw new IllegalStateException("cannot reach Prometheus at " + uri + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while querying " + uri, e);
    }
  }
}
