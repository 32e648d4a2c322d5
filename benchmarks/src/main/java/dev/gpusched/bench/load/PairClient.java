package dev.gpusched.bench.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * Sends filter + prioritize pairs to one extender over HTTP/1.1 as kube-scheduler does: filter with every candidate, then
 * prioritize with the names filter let through. A pair fails (exception) on a non-200 status, a filter {@code Error} or
 * a prioritize answer that is not a JSON array.
 */
public final class PairClient {
  private final HttpClient http;
  private final URI filter;
  private final URI prioritize;
  private final RequestBodies bodies;
  private final byte[] filterBody;
  private final List<String> candidates;
  private final PodShapes shapes;
  private final java.util.concurrent.atomic.AtomicLong pairs = new java.util.concurrent.atomic.AtomicLong();

  public PairClient(HttpClient http, int port, RequestBodies bodies, List<String> candidates) {
    this(http, port, bodies, candidates, PodShapes.SAME);
  }

  /** @param shapes what each pair's pod varies (a varied pod's bodies are built per pair, on the client) */
  public PairClient(HttpClient http, int port, RequestBodies bodies, List<String> candidates, PodShapes shapes) {
    this.http = http;
    this.filter = URI.create("http://127.0.0.1:" + port + "/scheduler/filter");
    this.prioritize = URI.create("http://127.0.0.1:" + port + "/scheduler/prioritize");
    this.bodies = bodies;
    this.filterBody = bodies.body(candidates);
    this.candidates = candidates;
    this.shapes = shapes;
  }

  /** The client both targets share: HTTP/1.1 (as kube-scheduler's Go client speaks to a plain-http extender). */
  public static HttpClient newHttpClient() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** One pair, blocking; returns how many nodes survived filter. */
  public int pair() throws IOException, InterruptedException {
    RequestBodies pod = shapes.pod(bodies, pairs.incrementAndGet());
    byte[] body = pod == bodies ? filterBody : pod.body(candidates);
    HttpResponse<byte[]> f = http.send(request(filter, body), HttpResponse.BodyHandlers.ofByteArray());
    List<String> survivors = RequestBodies.survivors(checked(f, "filter"));
    HttpResponse<byte[]> p = http.send(request(prioritize, pod.body(survivors)), HttpResponse.BodyHandlers.ofByteArray());
    checkPriorities(checked(p, "prioritize"));
    return survivors.size();
  }

  private static HttpRequest request(URI uri, byte[] body) {
    return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
  }

  private static byte[] checked(HttpResponse<byte[]> r, String verb) {
    if (r.statusCode() != 200) {
      String body = new String(r.body(), 0, Math.min(r.body().length, 300), java.nio.charset.StandardCharsets.UTF_8);
      throw new IllegalStateException(verb + " answered HTTP " + r.statusCode() + ": " + body);
    }
    return r.body();
  }

  private static void checkPriorities(byte[] body) {
    if (body.length < 2 || body[0] != '[') {
      throw new IllegalStateException("prioritize answer is not a HostPriorityList array");
    }
  }
}
