package dev.gpusched.extender.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny HTTP server on 127.0.0.1 (ephemeral port) that answers GETs on given paths with given content, for tests:
 * dcgm-exporter fixtures for a real Prometheus to scrape, or canned answers standing in for an API.
 *
 * <p>Content can be replaced while running ({@link #serve}) to simulate a change (a GPU's XID clearing); paths not
 * served answer 404. The query string is ignored for matching and remembered ({@link #lastQuery}).
 */
public final class FixtureHttpServer implements AutoCloseable {

  /** The content type Prometheus expects from an exporter. */
  public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private record Response(int status, String contentType, byte[] body) {}

  private final HttpServer server;
  private final ExecutorService executor;
  private final Map<String, Response> responses = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  private final Map<String, String> lastQueries = new ConcurrentHashMap<>();

  private FixtureHttpServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /** Starts an empty server on 127.0.0.1 and a free port. */
  public static FixtureHttpServer start() {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "fixture-http");
        t.setDaemon(true);
        return t;
      });
      FixtureHttpServer fixture = new FixtureHttpServer(server, executor);
      server.createContext("/", fixture::handle);
      server.setExecutor(executor);
      server.start();
      return fixture;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the fixture HTTP server on 127.0.0.1", e);
    }
  }

  /** Serves {@code body} with HTTP 200 as Prometheus text at {@code path} (replacing what was there). */
  public FixtureHttpServer serve(String path, String body) {
    return respond(path, 200, PROMETHEUS_TEXT, body);
  }

  /** Serves the file's current content with HTTP 200 as Prometheus text at {@code path}. */
  public FixtureHttpServer serveFile(String path, Path file) {
    try {
      return serve(path, Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read fixture " + file, e);
    }
  }

  /** Serves an arbitrary answer at {@code path}: any status, content type and body. */
  public FixtureHttpServer respond(String path, int status, String contentType, String body) {
    requirePath(path);
    responses.put(path, new Response(status, contentType, body.getBytes(StandardCharsets.UTF_8)));
    return this;
  }

  /** Stops serving {@code path}: it answers 404 from now on. */
  public FixtureHttpServer remove(String path) {
    responses.remove(path);
    return this;
  }

  /** The port the server listens on. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** "127.0.0.1:port", as a Prometheus scrape target. */
  public String hostPort() {
    return "127.0.0.1:" + port();
  }

  /** The base URL, "http://127.0.0.1:port" (no trailing slash). */
  public String baseUrl() {
    return "http://" + hostPort();
  }

  /** The full URL of a path, e.g. "http://127.0.0.1:port/node-a/metrics". */
  public String url(String path) {
    requirePath(path);
    return baseUrl() + path;
  }

  /** How many requests arrived for {@code path}. */
  public int requestCount(String path) {
    AtomicInteger n = hits.get(path);
    return n == null ? 0 : n.get();
  }

  /** The raw query string of the last request for {@code path}, or null. */
  public String lastQuery(String path) {
    return lastQueries.get(path);
  }

  /** Stops the server at once; later requests are refused. Idempotent. */
  public void stop() {
    server.stop(0);
    executor.shutdownNow();
  }

  @Override
  public void close() {
    stop();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      hits.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
      String query = exchange.getRequestURI().getRawQuery();
      if (query != null) {
        lastQueries.put(path, query);
      }
      Response r = responses.get(path);
      if (r == null) {
        r = new Response(404, "text/plain; charset=utf-8",
            ("no fixture at " + path + "\n").getBytes(StandardCharsets.UTF_8));
      }
      exchange.getResponseHeaders().set("Content-Type", r.contentType());
      boolean head = "HEAD".equals(exchange.getRequestMethod());
      exchange.sendResponseHeaders(r.status(), head || r.body().length == 0 ? -1 : r.body().length);
      if (!head && r.body().length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(r.body());
        }
      }
    }
  }

  private static void requirePath(String path) {
    if (path == null || !path.startsWith("/")) {
      throw new IllegalArgumentException("fixture path must start with '/', got " + path);
    }
  }
}
