package dev.gpusched.extender.dcgm;

import dev.gpusched.extender.dcgm.DcgmQueryException.Kind;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Fallback source: scrapes dcgm-exporter's {@code /metrics} directly (one URL per node) and reads the four metrics
 * with {@link DcgmTextParser}. For clusters without Prometheus; Prometheus stays the primary source.
 *
 * <p>An exporter that cannot be read is noted in {@link GpuTelemetry#problems()} (its node then has no data and is
 * decided by the ledger alone); the poll fails only when no exporter could be read.
 */
public final class DcgmTextScraper implements DcgmSource {

  private final List<URI> exporters;
  private final Duration requestTimeout;
  private final HostnameMapping mapping;
  private final Clock clock;
  private final HttpClient http;

  /**
   * @param exporterUrls dcgm-exporter metrics URLs, e.g. "http://10.0.3.7:9400/metrics"
   * @throws IllegalArgumentException when the list is empty or a URL is not absolute http(s)
   */
  public DcgmTextScraper(List<String> exporterUrls, Duration requestTimeout, HostnameMapping mapping, Clock clock) {
    if (exporterUrls.isEmpty()) {
      throw new IllegalArgumentException("dcgm-exporter scrape: no URL given; expected e.g. http://node:9400/metrics");
    }
    this.exporters = exporterUrls.stream().map(DcgmTextScraper::toUri).toList();
    this.requestTimeout = requestTimeout;
    this.mapping = mapping;
    this.clock = clock;
    this.http = HttpClient.newBuilder().connectTimeout(requestTimeout).build();
  }

  private static URI toUri(String url) {
    URI uri;
    try {
      uri = URI.create(url.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("dcgm-exporter URL '" + url + "' is not a valid URL: " + e.getMessage(), e);
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
      throw new IllegalArgumentException("dcgm-exporter URL '" + url
          + "' must be an absolute http(s) URL, e.g. http://node:9400/metrics");
    }
    return uri;
  }

  @Override
  public String describe() {
    return "dcgm-exporter scrape of " + exporters.size() + " URL(s)";
  }

  @Override
  public GpuTelemetry fetch() throws DcgmQueryException {
    TelemetryBuilder builder = new TelemetryBuilder(mapping);
    DcgmQueryException firstFailure = null;
    int readable = 0;
    for (URI uri : exporters) {
      try {
        DcgmTextParser.parseInto(builder, get(uri), uri.toString());
        readable++;
      } catch (DcgmQueryException e) {
        if (e.kind() == Kind.INTERRUPTED) {
          throw e;
        }
        builder.problem(e.getMessage());
        firstFailure = firstFailure == null ? e : firstFailure;
      }
    }
    if (readable == 0) {
      throw new DcgmQueryException(firstFailure.kind(), "no dcgm-exporter could be read; first: "
          + firstFailure.getMessage(), firstFailure);
    }
    return builder.build(clock.instant());
  }

  private String get(URI uri) throws DcgmQueryException {
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(requestTimeout)
        .header("Accept", "text/plain;version=0.0.4").GET().build();
    try {
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      if (r.statusCode() < 200 || r.statusCode() >= 300) {
        throw new DcgmQueryException(Kind.HTTP_STATUS, uri + " answered HTTP " + r.statusCode() + "; body starts with: "
            + PrometheusResponseParser.excerpt(r.body()));
      }
      return r.body();
    } catch (HttpTimeoutException e) {
      throw new DcgmQueryException(Kind.UNREACHABLE, uri + " did not answer within " + requestTimeout.toMillis()
          + " ms", e);
    } catch (IOException e) {
      throw new DcgmQueryException(Kind.UNREACHABLE, uri + " is unreachable: "
          + PrometheusDcgmClient.describeIo(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DcgmQueryException(Kind.INTERRUPTED, "interrupted while scraping " + uri, e);
    }
  }
}
