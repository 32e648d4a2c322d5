package dev.gpusched.extender.dcgm;

import dev.gpusched.extender.dcgm.DcgmQueryException.Kind;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Reads the four DCGM metrics from Prometheus's HTTP API with one instant query
 * ({@code GET {url}/api/v1/query?query={__name__=~"DCGM_FI_DEV_FB_USED|..."}}).
 *
 * <p>Blocking: call from {@link DcgmPoller}'s thread only. Every failure becomes a {@link DcgmQueryException}
 * saying what went wrong (unreachable, HTTP status, Prometheus error, not JSON, unexpected shape).
 */
public final class PrometheusDcgmClient implements DcgmSource {

  private final URI queryUri;
  private final String baseUrl;
  private final Duration requestTimeout;
  private final PrometheusResponseParser parser;
  private final Clock clock;
  private final HttpClient http;

  /**
   * @param prometheusUrl base URL of Prometheus, e.g. "http://prometheus.monitoring:9090" (a trailing slash or a
   *     path prefix such as "/prometheus" is fine)
   * @param requestTimeout bound on connecting and on the whole request
   * @param mapping Hostname label to node name
   * @param clock stamps {@link GpuTelemetry#observedAt()}
   * @throws IllegalArgumentException when the URL is not an absolute http(s) URL
   */
  public PrometheusDcgmClient(String prometheusUrl, Duration requestTimeout, HostnameMapping mapping, Clock clock) {
    this.baseUrl = normalize(prometheusUrl);
    this.queryUri = URI.create(baseUrl + "/api/v1/query?query="
        + URLEncoder.encode(DcgmMetric.SELECTOR, StandardCharsets.UTF_8));
    this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    this.parser = new PrometheusResponseParser(mapping);
    this.clock = clock;
    this.http = HttpClient.newBuilder()
        .connectTimeout(requestTimeout)
        .followRedirects(HttpClient.Redirect.NORMAL)
        .build();
  }

  private static String normalize(String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("Prometheus URL is empty; expected e.g. http://prometheus:9090");
    }
    String trimmed = url.trim();
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    URI uri;
    try {
      uri = URI.create(trimmed);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Prometheus URL '" + url + "' is not a valid URL (" + e.getMessage()
          + "); expected e.g. http://prometheus:9090", e);
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
        || uri.getQuery() != null) {
      throw new IllegalArgumentException("Prometheus URL '" + url
          + "' must be an absolute http(s) URL without a query; expected e.g. http://prometheus:9090");
    }
    return trimmed;
  }

  /** The full query URL this client GETs. */
  public URI queryUri() {
    return queryUri;
  }

  @Override
  public String describe() {
    return "Prometheus at " + baseUrl;
  }

  @Override
  public GpuTelemetry fetch() throws DcgmQueryException {
    HttpRequest request = HttpRequest.newBuilder(queryUri)
        .timeout(requestTimeout)
        .header("Accept", "application/json")
        .GET()
        .build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (HttpTimeoutException e) {
      throw new DcgmQueryException(Kind.UNREACHABLE, describe() + " did not answer within "
          + requestTimeout.toMillis() + " ms (" + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new DcgmQueryException(Kind.UNREACHABLE, describe() + " is unreachable: " + describeIo(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DcgmQueryException(Kind.INTERRUPTED, "interrupted while querying " + describe(), e);
    }
    int status = response.statusCode();
    String body = response.body();
    // Prometheus answers 400/422/503 with a JSON error body; surface its errorType and error when present.
    if (status < 200 || status >= 300) {
      String detail;
      try {
        parser.parse(body, clock.instant());
        detail = "body starts with: " + PrometheusResponseParser.excerpt(body);
      } catch (DcgmQueryException e) {
        detail = e.kind() == Kind.PROMETHEUS_ERROR ? e.getMessage()
            : "body starts with: " + PrometheusResponseParser.excerpt(body);
      }
      throw new DcgmQueryException(Kind.HTTP_STATUS, describe() + " answered HTTP " + status + " to "
          + queryUri.getPath() + "; " + detail);
    }
    try {
      return parser.parse(body, clock.instant());
    } catch (DcgmQueryException e) {
      throw new DcgmQueryException(e.kind(), describe() + ": " + e.getMessage(), e.getCause());
    }
  }

  /** "ConnectException: Connection refused", walking causes when the JDK leaves the outer message empty. */
  static String describeIo(Throwable e) {
    StringBuilder sb = new StringBuilder(e.getClass().getSimpleName());
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return sb.append(": ").append(t.getMessage()).toString();
      }
    }
    return sb.toString();
  }
}
