package dev.gpusched.deploy.promql;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client and the check against a local HTTP server that answers as Prometheus's API does (the same JSON shapes,
 * including its 400 error body); the live run against a real Prometheus that scraped gpusched needs a running gpusched.
 */
class ExpressionCheckTest {
  private HttpServer server;
  private PrometheusApi prometheus;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/v1/query", exchange -> {
      String query = URLDecoder.decode(exchange.getRequestURI().getRawQuery().substring("query=".length()), StandardCharsets.UTF_8);
      boolean bad = query.contains("((");
      String body = bad
          ? "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"1:2: parse error: unexpected left parenthesis\"}"
          : "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"1\"]}]}}";
      reply(exchange, bad ? 400 : 200, body);
    });
    server.createContext("/api/v1/label/__name__/values", exchange ->
        reply(exchange, 200, "{\"status\":\"success\",\"data\":[\"gpusched_leader\",\"gpusched_ready\",\"up\"]}"));
    server.start();
    prometheus = new PrometheusApi(URI.create("http://127.0.0.1:" + server.getAddress().getPort()));
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private static void reply(com.sun.net.httpserver.HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Test
  void readsTheStoredMetricNames() {
    assertThat(prometheus.metricNames()).containsExactly("gpusched_leader", "gpusched_ready", "up");
  }

  @Test
  void reportsRejectedQueriesAndUnscrapedNamesWithTheirOrigin() {
    List<PromQlExpression> expressions = List.of(
        new PromQlExpression("panel A", "sum(gpusched_leader)"),
        new PromQlExpression("panel B", "sum(rate(gpusched_bind_total[$__rate_interval]))"),
        new PromQlExpression("rule C", "((gpusched_ready"),
        new PromQlExpression("rule D", "up == 0"));
    Set<String> scraped = prometheus.metricNames();
    List<String> problems = ExpressionCheck.problems(prometheus, expressions, scraped);
    assertThat(problems).hasSize(2);
    assertThat(problems.get(0)).startsWith("panel B: metric gpusched_bind_total is not in what Prometheus scraped");
    assertThat(problems.get(1)).startsWith("rule C: Prometheus rejected it (bad_data: 1:2: parse error");
  }

  @Test
  void aRunnableQueryHasItsResultTypeAndSeries() {
    PrometheusApi.QueryResult result = prometheus.query("gpusched_leader");
    assertThat(result.success()).isTrue();
    assertThat(result.resultType()).isEqualTo("vector");
    assertThat(result.seriesCount()).isEqualTo(1);
  }
}
