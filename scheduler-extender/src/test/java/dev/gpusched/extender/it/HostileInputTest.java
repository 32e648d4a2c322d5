package dev.gpusched.extender.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.http.ConnectionGuard;
import dev.gpusched.extender.http.ServerLimits;
import dev.gpusched.extender.it.HostileRequests.Kind;
import dev.gpusched.extender.it.HostileRequests.Request;
import dev.gpusched.extender.testing.RawHttp;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The hostile-input suite: at least 10,000 generated requests (seeded: {@code -Dgpusched.hostile.seed=N} reproduces a
 * run, {@code -Dgpusched.hostile.count=N} changes its size) against a standalone gpusched, plus slow senders and
 * oversized headers on raw sockets while the rest is served. Every answer must be a 4xx with a non-empty JSON
 * {@code Error} free of stack traces, or a valid protocol answer; no 5xx, no crash; the ledger (every node's /inspect)
 * unchanged; the heap after GC within a bound of where it started.
 */
class HostileInputTest {
  private static final long SEED = Long.getLong("gpusched.hostile.seed", 20261128L);
  private static final int COUNT = Integer.getInteger("gpusched.hostile.count", 10_000);
  private static final long MAX_BODY = 2L * 1024 * 1024;
  private static final List<String> NODES = List.of("node-a", "node-b", "node-c", "node-d");
  /**
   * What JDK 17's HTTP/1.1 client reports when the pooled connection it took was closed before any answer came (its
   * own source notes the race; later JDKs probe a pooled connection before use).
   */
  private static final String POOLED_CONNECTION_CLOSED = "header parser received no bytes";

  @Test
  void everyHostileRequestGetsAClearErrorOrAValidAnswer() throws Exception {
    List<HasMetadata> objects = new ArrayList<>();
    for (int i = 0; i < NODES.size(); i++) {
      objects.add(Standalone.gpuNode(NODES.get(i), 8, "NVIDIA-H100-80GB-HBM3"));
    }
    Pod held = Standalone.gpuPod("ml", "held", 3, Map.of("gpusched.dev/gpu-ids", "0,1,2"));
    held.getSpec().setNodeName("node-a");
    held.getStatus().setPhase("Running");
    objects.add(held);
    Pod shared = Standalone.sharedPod("ml", "shared", 500, Map.of("gpusched.dev/gpu-ids", "4"));
    shared.getSpec().setNodeName("node-b");
    shared.getStatus().setPhase("Running");
    objects.add(shared);
    try (Standalone gpusched = Standalone.start(objects, new ServerLimits(MAX_BODY, 16 * 1024, 30, 256, 2))) {
      Map<String, String> ledgerBefore = ledger(gpusched);
      long heapBefore = heapAfterGc();
      List<Request> requests = new HostileRequests(SEED, NODES, MAX_BODY).generate(COUNT);

      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10)).build();
      Map<Kind, Map<String, AtomicInteger>> outcomes = new ConcurrentHashMap<>();
      List<String> violations = java.util.Collections.synchronizedList(new ArrayList<>());
      List<String> pooledCloses = java.util.Collections.synchronizedList(new ArrayList<>());
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<Future<?>> slow = startSlowSenders(gpusched.app.port(), Executors.newFixedThreadPool(4), violations);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
          Request r = requests.get(i);
          int index = i;
          done.add(pool.submit(() -> {
            String outcome;
            try {
              outcome = check(r, send(http, gpusched.base(), r));
            } catch (java.io.IOException e) {
              if (!String.valueOf(e.getMessage()).contains(POOLED_CONNECTION_CLOSED)) {
                outcome = "transport error: " + e;
              } else {
                // JDK 17's client can take a pooled connection the server is closing (see POOLED_CONNECTION_CLOSED);
                // the request itself must still be answered properly on a connection of its own.
                pooledCloses.add("#" + index + " " + r.kind() + " " + r.method() + " " + r.path());
                outcome = answerOnFreshConnection(gpusched.base(), r);
              }
            } catch (Exception e) {
              outcome = "transport error: " + e;
            }
            outcomes.computeIfAbsent(r.kind(), k -> new ConcurrentHashMap<>())
                .computeIfAbsent(outcome.startsWith("VIOLATION") || outcome.startsWith("transport") ? "violation" : outcome,
                    k -> new AtomicInteger()).incrementAndGet();
            if (outcome.startsWith("VIOLATION") || outcome.startsWith("transport")) {
              violations.add("#" + index + " " + r.kind() + " " + r.method() + " " + r.path() + ": " + outcome);
            }
          }));
        }
        for (Future<?> f : done) {
          f.get();
        }
        done.clear();
        requests.clear(); // the bodies (hundreds of MiB in all) must not count against gpusched's heap
        for (Future<?> f : slow) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
      rawHeaderAbuse(gpusched.app.port(), violations);

      Map<String, Map<String, Integer>> table = new TreeMap<>();
      int total = 0;
      for (Map.Entry<Kind, Map<String, AtomicInteger>> e : new EnumMap<>(outcomes).entrySet()) {
        Map<String, Integer> row = new TreeMap<>();
        e.getValue().forEach((k, v) -> row.put(k, v.get()));
        table.put(e.getKey().name(), row);
        total += row.values().stream().mapToInt(Integer::intValue).sum();
      }
      long heapAfter = heapAfterGc();
      System.out.println("hostile suite seed " + SEED + ": " + total + " requests + slow senders + header abuse; outcomes by "
          + "class: " + table);
      ConnectionGuard guard = gpusched.app.server().guard();
      System.out.println("hostile suite: pooled connections found closed (answered again on a fresh one) " + pooledCloses
          + "; gpusched closed " + guard.timedOut() + " slow requests (4 slow senders), refused "
          + guard.refusedConnections() + " connections over the limit");
      System.out.println("hostile suite: violations " + violations.size() + ", heap after GC before "
          + heapBefore / (1024 * 1024) + " MiB, after " + heapAfter / (1024 * 1024) + " MiB, gpusched still healthy: "
          + (gpusched.get("/healthz").statusCode() == 200));
      assertThat(total).isGreaterThanOrEqualTo(COUNT);
      assertThat(violations).as("answers that are neither a clear 4xx error nor a valid result (seed " + SEED + ")")
          .isEmpty();
      // A timing race, rare (one request of 10,000 in one CI run so far); many would mean gpusched drops kept-alive
      // connections, which everyHostileRequestLeavesItsConnectionUsable checks on raw connections.
      assertThat(pooledCloses).as("requests that met a pooled connection already closed").hasSizeLessThanOrEqualTo(3);
      assertThat(ledger(gpusched)).as("ledger after every rejected request").isEqualTo(ledgerBefore);
      assertThat(gpusched.get("/healthz").statusCode()).isEqualTo(200);
      assertThat(gpusched.get("/readyz").statusCode()).isEqualTo(200);
      // Generous: the suite must not leave the heap holding request data (it pushed several hundred MiB through).
      assertThat(heapAfter - heapBefore).as("heap growth after GC, bytes").isLessThan(96L * 1024 * 1024);
    }
  }

  /**
   * Each class of hostile request, sent on one raw connection (no client pool): an answer without
   * {@code Connection: close} must leave the connection open (0.2 s later) and serving the next request, and one with it
   * must be followed by the close. This is what lets the suite above answer a request again when the JDK client reports a pooled
   * connection closed: gpusched itself never drops a kept-alive connection after any of these requests.
   */
  @Test
  void everyHostileRequestLeavesItsConnectionUsable() throws Exception {
    List<HasMetadata> objects = new ArrayList<>();
    for (String node : NODES) {
      objects.add(Standalone.gpuNode(node, 8, "NVIDIA-H100-80GB-HBM3"));
    }
    byte[] next = RawHttp.request("POST", "/scheduler/filter", "application/json",
        Standalone.filterBody(Standalone.gpuPod("ml", "next", 1, Map.of()), List.of("node-a", "node-b"))
            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    List<String> problems = new ArrayList<>();
    Map<Kind, Integer> tried = new EnumMap<>(Kind.class);
    try (Standalone gpusched = Standalone.start(objects, new ServerLimits(MAX_BODY, 16 * 1024, 30, 256, 10))) {
      for (Request r : new HostileRequests(SEED, NODES, MAX_BODY).generate(3_000)) {
        if (tried.merge(r.kind(), 1, Integer::sum) > 2) {
          continue;
        }
        try (RawHttp raw = new RawHttp(gpusched.app.port())) {
          raw.send(RawHttp.request(r.method(), r.path(), r.contentType(), r.body()));
          String answer = raw.readResponse(30_000);
          String what = r.kind() + " " + r.path() + " (" + r.body().length + " bytes)";
          if (answer.isEmpty()) {
            problems.add(what + ": connection closed without an answer");
          } else if (answer.toLowerCase().contains("\r\nconnection: close\r\n")) {
            if (!raw.closedWithin(5_000)) {
              problems.add(what + ": answered Connection: close but kept the connection open");
            }
          } else if (raw.closedWithin(200)) {
            problems.add(what + " answered " + RawHttp.statusLine(answer) + " without Connection: close, then closed the "
                + "connection");
          } else {
            String second = raw.send(next).readResponse(30_000);
            if (!RawHttp.statusLine(second).equals("HTTP/1.1 200 OK") || !RawHttp.body(second).contains("\"NodeNames\"")) {
              problems.add(what + " answered " + RawHttp.statusLine(answer) + ", then the next request on the connection got "
                  + (second.isEmpty() ? "a close" : abbreviate(second)));
            }
          }
        }
      }
    }
    assertThat(tried.keySet()).as("classes tried").containsExactlyInAnyOrder(Kind.values());
    assertThat(problems).as("connections left unusable after a hostile request (seed " + SEED + ")").isEmpty();
  }

  private static Map<String, String> ledger(Standalone gpusched) throws Exception {
    Map<String, String> out = new TreeMap<>();
    for (String n : NODES) {
      out.put(n, gpusched.get("/inspect/" + n).body());
    }
    return out;
  }

  private static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** The request sent once more on a client of its own (a new connection), and its answer classified. */
  private static String answerOnFreshConnection(String base, Request r) {
    try {
      return check(r, send(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(), base, r));
    } catch (Exception e) {
      return "transport error on a fresh connection too: " + e;
    }
  }

  private static HttpResponse<String> send(HttpClient http, String base, Request r) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + r.path())).timeout(Duration.ofSeconds(60));
    if (r.contentType() != null && !r.contentType().isEmpty()) {
      b.header("Content-Type", r.contentType());
    }
    b.method(r.method(), r.body().length == 0 && r.method().equals("GET") ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofByteArray(r.body()));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Classifies one answer: "200 valid", "4xx <status>", or "VIOLATION: why". */
  static String check(Request r, HttpResponse<String> resp) {
    int status = resp.statusCode();
    String body = resp.body();
    if (body.contains("Exception") || body.contains("\tat ") || body.contains(".java:")) {
      return "VIOLATION: stack trace or exception name in the answer (" + status + "): " + abbreviate(body);
    }
    JsonNode json;
    try {
      json = Standalone.JSON.readTree(body);
    } catch (RuntimeException e) {
      return "VIOLATION: answer " + status + " is not JSON: " + abbreviate(body);
    }
    if (status >= 400 && status < 500) {
      if (!json.isObject() || json.path("Error").asString("").isBlank()) {
        return "VIOLATION: " + status + " without a non-empty Error: " + abbreviate(body);
      }
      return "4xx " + status;
    }
    if (status != 200) {
      return "VIOLATION: status " + status + ": " + abbreviate(body);
    }
    String verb = r.path().substring(r.path().lastIndexOf('/') + 1);
    switch (verb) {
      case "filter" -> {
        if (!json.isObject() || !json.path("Error").isString() || !json.path("FailedNodes").isObject()) {
          return "VIOLATION: filter answer is not an ExtenderFilterResult: " + abbreviate(body);
        }
        if (json.path("Error").asString().isEmpty() && !json.path("NodeNames").isArray() && !json.path("Nodes").isObject()) {
          return "VIOLATION: filter result without Error and without nodes: " + abbreviate(body);
        }
        return json.path("Error").asString().isEmpty() ? "200 result" : "200 Error";
      }
      case "prioritize" -> {
        if (!json.isArray()) {
          return "VIOLATION: prioritize answer is not a HostPriorityList: " + abbreviate(body);
        }
        for (JsonNode hp : json) {
          int score = hp.path("Score").asInt(-1);
          if (!hp.path("Host").isString() || score < 0 || score > 10) {
            return "VIOLATION: bad HostPriority " + hp;
          }
        }
        return "200 result";
      }
      case "bind" -> {
        String error = json.path("Error").asString("");
        return error.isEmpty() ? "VIOLATION: a bind of a pod that does not exist succeeded: " + abbreviate(body)
            : "200 Error";
      }
      case "preempt" -> {
        return json.path("NodeNameToMetaVictims").isObject() ? "200 result"
            : "VIOLATION: preempt answer without NodeNameToMetaVictims: " + abbreviate(body);
      }
      default -> {
        return "200 " + verb;
      }
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }

  /** Slow senders: bodies dribbled a few bytes at a time, slower than the request timeout allows. */
  private static List<Future<?>> startSlowSenders(int port, ExecutorService pool, List<String> violations) {
    List<Future<?>> out = new ArrayList<>();
    for (int s = 0; s < 4; s++) {
      int id = s;
      out.add(pool.submit(() -> {
        String body = "{\"Pod\":{\"metadata\":{\"name\":\"slow\"}},\"NodeNames\":[\"node-a\"]}";
        String head = "POST /scheduler/filter HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: " + body.length() + "\r\n\r\n";
        try (RawHttp raw = new RawHttp(port)) {
          raw.send(head);
          String answer = "";
          for (int i = 0; i < body.length() && answer.isEmpty(); i++) {
            try {
              raw.send(body.substring(i, i + 1));
            } catch (java.io.IOException closed) {
              answer = "closed";
              break;
            }
            answer = raw.readUntilClosed(500); // 0.5 s per byte: the whole body would take ~30 s
          }
          if (!answer.equals("closed") && !RawHttp.statusLine(answer).equals("HTTP/1.1 408 Request Timeout")) {
            violations.add("slow sender " + id + " got " + abbreviate(answer) + " instead of 408 or a close");
          }
        } catch (Exception e) {
          violations.add("slow sender " + id + ": " + e);
        }
        pool.shutdown();
        return null;
      }));
    }
    return out;
  }

  /** Oversized and malformed header sections on raw sockets: refused with a 4xx or the connection closed. */
  private static void rawHeaderAbuse(int port, List<String> violations) throws Exception {
    String[] requests = {
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(64 * 1024) + "\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\n" + "X-Many: b\r\n".repeat(5000) + "\r\n",
        "GET /" + "p".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
        "BREW /coffee HTCPCP/1.0\r\n\r\n",
        "POST /scheduler/filter HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -5\r\n\r\n{}",
        "POST /scheduler/filter HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n{}",
        "POST /scheduler/filter HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n",
    };
    for (String req : requests) {
      try (RawHttp raw = new RawHttp(port)) {
        try {
          raw.send(req);
        } catch (java.io.IOException closed) {
          continue; // refused mid-send: a close
        }
        String answer = raw.readUntilClosed(5_000);
        String status = RawHttp.statusLine(answer);
        if (status.matches("HTTP/1\\.[01] 4\\d\\d .*") && !RawHttp.body(answer).contains("\"Error\":\"")) {
          violations.add("raw request " + abbreviate(req) + " got a 4xx without a JSON Error: " + abbreviate(answer));
        }
        // A request line that is not HTTP at all is refused by the HTTP decoder itself (501, as RFC 9110 asks for an
        // unrecognised method or protocol); everything that is HTTP gets a 4xx.
        boolean notHttp = !req.contains("HTTP/1.");
        if (!answer.isEmpty() && !status.matches("HTTP/1\\.[01] 4\\d\\d .*") && !(notHttp && status.contains(" 501 "))) {
          violations.add("raw request " + abbreviate(req).replace("\r\n", "\\r\\n") + " got "
              + abbreviate(answer).replace("\r\n", "\\r\\n"));
        }
      }
    }
  }
}
