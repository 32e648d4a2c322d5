package dev.gpusched.extender.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real Prometheus server for tests: the installed binary ({@code $PROMETHEUS_BIN}, else {@code prometheus} on PATH),
 * listening on 127.0.0.1 and a free port, scraping the given targets every second with {@code honor_labels: true}
 * (so the exporter's own labels, such as dcgm-exporter's {@code pod} and {@code namespace}, are kept), with its
 * storage in a temporary directory removed on {@link #close()}.
 *
 * <p>When the binary is missing the test is skipped with a message saying how to install it, or fails where tools are
 * required, as in CI ({@link ExternalTool#required()}).
 */
public final class PrometheusServer implements AutoCloseable {

  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

  private final Process process;
  private final Path dir;
  private final Path log;
  private final int port;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private PrometheusServer(Process process, Path dir, Path log, int port) {
    this.process = process;
    this.dir = dir;
    this.log = log;
    this.port = port;
  }

  /**
   * Starts Prometheus scraping each URL (e.g. "http://127.0.0.1:41234/node-a/metrics") as its own job, and waits until
   * it is ready.
   *
   * @throws org.opentest4j.TestAbortedException when the binary is missing (the test is skipped)
   * @throws AssertionError when Prometheus does not become ready, or the binary is missing where tools are required
   */
  public static PrometheusServer start(List<String> scrapeUrls) {
    Path bin = ExternalTool.PROMETHEUS.require();
    IllegalStateException last = null;
    for (int attempt = 1; attempt <= 3; attempt++) { // a free port can be taken between probe and bind
      Path dir = null;
      try {
        dir = Files.createTempDirectory("gpusched-prometheus-");
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, config(scrapeUrls), StandardCharsets.UTF_8);
        Path log = dir.resolve("prometheus.log");
        int port = freePort();
        Process process = new ProcessBuilder(bin.toString(),
            "--config.file=" + config,
            "--storage.tsdb.path=" + dir.resolve("data"),
            "--web.listen-address=127.0.0.1:" + port,
            "--log.level=warn")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
        PrometheusServer server = new PrometheusServer(process, dir, log, port);
        try {
          server.awaitReady();
          return server;
        } catch (IllegalStateException e) {
          server.close();
          last = e;
        }
      } catch (IOException e) {
        deleteQuietly(dir);
        throw new UncheckedIOException("cannot start Prometheus from " + bin, e);
      }
    }
    throw new AssertionError("Prometheus did not start after 3 attempts: " + last.getMessage(), last);
  }

  /** The generated configuration: one job per URL, 1 s scrape interval, honor_labels. */
  static String config(List<String> scrapeUrls) {
    StringBuilder sb = new StringBuilder()
        .append("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n")
        .append("scrape_configs:\n");
    for (int i = 0; i < scrapeUrls.size(); i++) {
      URI uri = URI.create(scrapeUrls.get(i));
      sb.append("  - job_name: fixture-").append(i).append('\n')
          .append("    honor_labels: true\n")
          .append("    scheme: ").append(uri.getScheme()).append('\n')
          .append("    metrics_path: '").append(uri.getRawPath()).append("'\n")
          .append("    static_configs:\n")
          .append("      - targets: ['").append(uri.getHost()).append(':').append(uri.getPort()).append("']\n");
    }
    return sb.toString();
  }

  /** Prometheus's base URL, "http://127.0.0.1:port". */
  public String url() {
    return "http://127.0.0.1:" + port;
  }

  /** True while the process runs. */
  public boolean isRunning() {
    return process.isAlive();
  }

  /** Runs an instant query and returns {@code data.result} (a JSON array); fails on any non-success answer. */
  public JsonNode query(String promql) {
    String body = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    JsonNode root = JSON.readTree(body);
    if (!"success".equals(root.path("status").asString())) {
      throw new IllegalStateException("query " + promql + " failed: " + body);
    }
    return root.path("data").path("result");
  }

  /** Waits until {@code promql} returns at least one series; see {@link #awaitSeries(String, int, Duration)}. */
  public int awaitSeries(String promql, Duration timeout) {
    return awaitSeries(promql, 1, timeout);
  }

  /**
   * Waits until {@code promql} returns at least {@code minSeries} series, polling every 200 ms.
   *
   * @return the number of series in the last answer
   * @throws AssertionError with the last answer and Prometheus's log when the timeout passes first
   */
  public int awaitSeries(String promql, int minSeries, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String lastSeen = "(no answer)";
    while (true) {
      try {
        JsonNode result = query(promql);
        if (result.size() >= minSeries) {
          return result.size();
        }
        lastSeen = result.size() + " series";
      } catch (RuntimeException e) {
        lastSeen = e.toString();
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Prometheus did not return " + minSeries + " series for " + promql + " within "
            + timeout.toMillis() + " ms; last: " + lastSeen + "; log tail:\n" + logTail());
      }
      sleep(200);
    }
  }

  /** Stops Prometheus with SIGTERM and waits for it to exit (SIGKILL after 10 s). Idempotent. */
  public void stop() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /** Stops Prometheus and deletes its temporary directory. */
  @Override
  public void close() {
    stop();
    deleteQuietly(dir);
  }

  /** The last lines Prometheus logged, for failure messages. */
  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("Prometheus exited with " + process.exitValue() + " before it was ready;"
            + " log tail:\n" + logTail());
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/-/ready"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for Prometheus", e);
      }
      sleep(100);
    }
    throw new IllegalStateException("Prometheus was not ready within " + READY_TIMEOUT.toSeconds() + " s; log tail:\n"
        + logTail());
  }

  private String get(String pathAndQuery) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + pathAndQuery))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return r.body();
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + pathAndQuery + " from Prometheus failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      List<Path> paths = new ArrayList<>(walk.sorted(Comparator.reverseOrder()).toList());
      for (Path p : paths) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // best effort: a temp dir left behind is harmless
    }
  }
}
