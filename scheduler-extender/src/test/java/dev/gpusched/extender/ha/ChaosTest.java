package dev.gpusched.extender.ha;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.GpuschedApp;
import dev.gpusched.extender.http.ServerLimits;
import dev.gpusched.extender.it.Standalone;
import dev.gpusched.extender.state.EmbeddedApiServer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Restarts and failover under churn: two gpusched replicas under leader election on one embedded API server; drivers
 * acting as kube-scheduler create pods (whole-GPU and shared), send filter, prioritize and bind to whichever replica
 * holds the Lease, retry on errors, and delete pods at random; a chaos thread kills (crash: the lease must expire) or
 * stops (graceful: the lease is released) the leader, or the follower, at random points and restarts it. Afterwards,
 * from the API alone: GPUs double-booked, bindings lost (a bind answered success whose pod is not bound there), bound
 * GPU pods without gpusched.dev/gpu-ids. All must be 0.
 *
 * <p>CI runs the short version: up to 1,000 pods, bounded by {@code gpusched.chaos.seconds} (default 60 s; on a slow
 * runner it stops earlier, and asserts at least 100 pods and 2 kills). A longer
 * run: {@code -Dgpusched.chaos.pods=5000 -Dgpusched.chaos.seconds=600} (or env GPUSCHED_CHAOS_PODS /
 * GPUSCHED_CHAOS_SECONDS). {@code -Dgpusched.chaos.seed=N} fixes the driver's and the chaos thread's choices (thread
 * interleavings still vary).
 *
 * <p>Kills come after a random 20..59 further successful binds, 0..499 ms into whatever is in flight.
 *
 * <p>The mock API server adds chaos of its own: when a replica stops, closing its WebSocket watches can block the mock's
 * event loop for seconds (fabric8 mock WatchEventsListener.onClosed waits for its sender), so the whole API server
 * stalls now and then; lease renewals then fail and leadership moves. That is a realistic failure (a slow API server)
 * and stays in; it makes throughput vary with the machine's load.
 *
 * <p>Gangs: EXTENSION POINT. Gang scheduling is not wired into the extender on this branch; once it is, the driver adds
 * gang pods (gpusched.dev/gang, gang-size, gang-timeout) in {@link #newPod} and the check adds "partial gangs past their
 * timeout" in {@link #audit} (members bound while others are not, for gangs older than their timeout). Until then that
 * figure is reported as "not measured", never as 0.
 */
class ChaosTest {
  private static final int PODS = intSetting("gpusched.chaos.pods", "GPUSCHED_CHAOS_PODS", 1000);
  private static final int SECONDS = intSetting("gpusched.chaos.seconds", "GPUSCHED_CHAOS_SECONDS", 60);
  private static final long SEED = Long.getLong("gpusched.chaos.seed", System.nanoTime());
  private static final int WORKERS = 6;
  private static final int NODES = 6;
  private static final int GPUS_PER_NODE = 8;
  private static final int MAX_BOUND = 24;
  private static final String NS = "ml";
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  private static int intSetting(String property, String env, int fallback) {
    String v = System.getProperty(property, System.getenv(env));
    return v == null || v.isBlank() ? fallback : Integer.parseInt(v.trim());
  }

  private final Map<String, String> boundByUid = new ConcurrentHashMap<>(); // uid -> node bind answered success for
  private final List<Pod> bound = new CopyOnWriteArrayList<>();
  private final AtomicInteger created = new AtomicInteger();
  private final AtomicInteger deleted = new AtomicInteger();
  private final AtomicInteger unschedulable = new AtomicInteger();
  private final AtomicInteger bindsOk = new AtomicInteger();
  private final AtomicInteger lostBindings = new AtomicInteger();
  private final Map<String, AtomicInteger> retries = new ConcurrentHashMap<>();
  private final AtomicLong maxDoubleBooked = new AtomicLong();

  @Test
  void churnWithKilledAndRestartedLeaders() throws Exception {
    System.out.println("chaos: seed " + SEED + ", target " + PODS + " pods, bound " + SECONDS + " s");
    EmbeddedApiServer api = EmbeddedApiServer.start();
    KubernetesClient admin = api.client();
    List<String> nodes = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      nodes.add("node-" + i);
      admin.nodes().resource(Standalone.gpuNode("node-" + i, GPUS_PER_NODE, "NVIDIA-H100-80GB-HBM3")).create();
    }
    admin.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName(NS)
        .endMetadata().build()).create();
    Replicas replicas = new Replicas(api, ServerLimits.DEFAULT);
    Random chaosRandom = new Random(SEED);
    for (String id : List.of("gpusched-0", "gpusched-1")) {
      boolean releases = chaosRandom.nextBoolean();
      releaseMode.put(id, releases);
      replicas.start(id, releases);
    }

    long deadline = System.nanoTime() + Duration.ofSeconds(SECONDS).toNanos();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(WORKERS + 1);
    AtomicInteger kills = new AtomicInteger();
    AtomicInteger crashes = new AtomicInteger();
    Map<String, Integer> actions = new TreeMap<>();
    try {
      List<Future<?>> drivers = new ArrayList<>();
      for (int w = 0; w < WORKERS; w++) {
        Random r = new Random(SEED * 31 + w);
        int worker = w;
        drivers.add(pool.submit(() -> {
          int n = 0;
          while (!stop.get() && System.nanoTime() < deadline && created.get() < PODS) {
            schedule(api, replicas, nodes, newPod("w" + worker + "-" + n++, r), r, deadline);
          }
          return null;
        }));
      }
      Future<?> chaos = pool.submit(() -> {
        while (!stop.get() && System.nanoTime() < deadline && created.get() < PODS) {
          // Kill at a random point of the pod stream (after 20..59 more successful binds, then 0..499 ms into whatever
          // is in flight), so the run makes progress however slow the machine is.
          int nextKillAt = bindsOk.get() + 20 + chaosRandom.nextInt(40);
          while (bindsOk.get() < nextKillAt && !stop.get() && System.nanoTime() < deadline && created.get() < PODS) {
            sleep(20);
          }
          sleep(chaosRandom.nextInt(500));
          if (stop.get() || created.get() >= PODS || System.nanoTime() >= deadline) {
            break;
          }
          String leaderId = replicas.holder();
          boolean hitLeader = chaosRandom.nextInt(4) != 0;
          String victim = hitLeader && replicas.app(leaderId) != null ? leaderId
              : replicas.running().keySet().stream().filter(id -> !id.equals(leaderId)).findFirst().orElse(null);
          if (victim == null) {
            continue;
          }
          boolean releases = releaseMode.getOrDefault(victim, Boolean.FALSE);
          replicas.stop(victim);
          kills.incrementAndGet();
          if (!releases) {
            crashes.incrementAndGet();
          }
          String what = (victim.equals(leaderId) ? "leader " : "follower ") + (releases ? "stopped" : "crashed");
          synchronized (actions) {
            actions.merge(what, 1, Integer::sum);
          }
          maxDoubleBooked.accumulateAndGet(audit(admin).doubleBooked, Math::max);
          sleep(200 + chaosRandom.nextInt(1500));
          boolean nextReleases = chaosRandom.nextBoolean();
          releaseMode.put(victim, nextReleases);
          try {
            replicas.start(victim, nextReleases);
          } catch (InterruptedException e) {
            return null;
          }
        }
        return null;
      });
      for (Future<?> d : drivers) {
        d.get();
      }
      stop.set(true);
      chaos.get();
    } finally {
      stop.set(true);
      pool.shutdownNow();
    }

    // Every bind answered success must be in the API, for the pods still there.
    for (Pod p : bound) {
      verifyBinding(admin, p);
    }
    Audit end = audit(admin);
    maxDoubleBooked.accumulateAndGet(end.doubleBooked, Math::max);
    System.out.println("chaos: pods created " + created.get() + ", binds answered success " + bindsOk.get()
        + ", deleted " + deleted.get() + ", unschedulable (deleted unbound) " + unschedulable.get() + ", still bound "
        + end.boundPods + "; kills " + kills.get() + " (" + crashes.get() + " crashes) " + actions
        + "; driver retries by reason " + retryCounts());
    System.out.println("chaos: GPUs double-booked " + maxDoubleBooked.get() + " (max over " + (kills.get() + 1)
        + " audits), bindings lost " + lostBindings.get() + ", bound GPU pods without gpu-ids " + end.withoutIds
        + ", partial gangs past their timeout: not measured (gang scheduling not wired on this branch)");
    replicas.close();
    api.close();

    // The short CI version stops at its time bound on a slow runner; a run with explicit settings must reach its target.
    boolean explicit = System.getProperty("gpusched.chaos.pods", System.getenv("GPUSCHED_CHAOS_PODS")) != null;
    assertThat(created.get()).as("pods churned").isGreaterThanOrEqualTo(explicit ? PODS : Math.min(PODS, 100));
    assertThat(kills.get()).as("replicas killed or stopped").isGreaterThanOrEqualTo(2);
    assertThat(maxDoubleBooked.get()).as("GPUs double-booked").isZero();
    assertThat(lostBindings.get()).as("bindings lost").isZero();
    assertThat(end.withoutIds).as("bound GPU pods without gpu-ids").isZero();
  }

  private final Map<String, Boolean> releaseMode = new ConcurrentHashMap<>();

  private Map<String, Integer> retryCounts() {
    Map<String, Integer> out = new TreeMap<>();
    retries.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  private void retry(String reason) {
    retries.computeIfAbsent(reason, k -> new AtomicInteger()).incrementAndGet();
  }

  /** A whole-GPU pod (1, 2, 4 or 8 GPUs) or a shared one (250..750 milli-GPU). Gang pods: extension point, see above. */
  static Pod newPod(String name, Random r) {
    int kind = r.nextInt(10);
    if (kind < 3) {
      return Standalone.sharedPod(NS, name, 250 * (1 + r.nextInt(3)), Map.of());
    }
    int[] sizes = {1, 1, 2, 2, 4, 8};
    return Standalone.gpuPod(NS, name, sizes[r.nextInt(sizes.length)], Map.of());
  }

  private void schedule(EmbeddedApiServer api, Replicas replicas, List<String> nodes, Pod pod, Random r, long deadline)
      throws Exception {
    KubernetesClient admin = api.client();
    Pod live;
    try {
      live = admin.pods().inNamespace(NS).resource(pod).create();
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      // The client retried a create whose first attempt had reached the API server under load.
      live = admin.pods().inNamespace(NS).withName(pod.getMetadata().getName()).get();
    }
    created.incrementAndGet();
    String filter = Standalone.filterBody(live, nodes);
    String holder = replicas.holder();
    while (System.nanoTime() < deadline) {
      GpuschedApp leader = replicas.app(holder);
      if (leader == null) {
        retry("no running Lease holder");
        sleep(50);
        holder = replicas.holder();
        continue;
      }
      String base = "http://127.0.0.1:" + leader.port() + "/scheduler/";
      try {
        JsonNode f = post(base + "filter", filter);
        if (f == null || !f.path("Error").asString("").isEmpty()) {
          retry(f == null ? "filter transport" : reason(f.path("Error").asString()));
          sleep(30);
          holder = replicas.holder();
          continue;
        }
        List<String> fit = new ArrayList<>();
        for (JsonNode n : f.path("NodeNames")) {
          fit.add(n.asString());
        }
        if (fit.isEmpty()) {
          admin.pods().inNamespace(NS).withName(live.getMetadata().getName()).delete();
          unschedulable.incrementAndGet();
          evictOne(admin, r);
          return;
        }
        JsonNode scores = post(base + "prioritize", Standalone.filterBody(live, fit));
        String best = fit.get(0);
        if (scores != null && scores.isArray()) {
          int top = -1;
          for (JsonNode hp : scores) {
            if (hp.path("Score").asInt() > top) {
              top = hp.path("Score").asInt();
              best = hp.path("Host").asString();
            }
          }
        } else {
          retry("prioritize failed (ignored, as kube-scheduler does)");
        }
        String bind = "{\"PodName\":\"" + live.getMetadata().getName() + "\",\"PodNamespace\":\"" + NS + "\",\"PodUID\":\""
            + live.getMetadata().getUid() + "\",\"Node\":\"" + best + "\"}";
        JsonNode b = post(base + "bind", bind);
        if (b != null && b.path("Error").asString("x").isEmpty()) {
          bindsOk.incrementAndGet();
          boundByUid.put(live.getMetadata().getUid(), best);
          bound.add(live);
          if (bound.size() > MAX_BOUND) {
            evictOne(admin, r);
          }
          return;
        }
        retry(b == null ? "bind transport" : reason(b.path("Error").asString()));
        // kube-scheduler would retry the pod later; if a replica bound it before dying, the API shows it.
        Pod now = admin.pods().inNamespace(NS).withName(live.getMetadata().getName()).get();
        if (now != null && now.getSpec().getNodeName() != null) {
          retry("found bound after a failed bind answer");
          bound.add(live);
          return;
        }
        sleep(30);
        holder = replicas.holder();
      } catch (java.io.IOException e) {
        retry("transport: " + e.getClass().getSimpleName());
        sleep(30);
        holder = replicas.holder();
      }
    }
  }

  private static String reason(String error) {
    if (error.contains("is not the leader")) {
      return "not the leader";
    }
    if (error.contains("not synced") || error.contains("has not synced")) {
      return "not synced";
    }
    if (error.contains("not in gpusched's cache")) {
      return "pod not yet in cache";
    }
    if (error.contains("can no longer host")) {
      return "node can no longer host (raced)";
    }
    return error.length() > 60 ? error.substring(0, 60) : error;
  }

  private void evictOne(KubernetesClient admin, Random r) {
    if (bound.isEmpty()) {
      return;
    }
    Pod victim;
    try {
      victim = bound.remove(r.nextInt(bound.size()));
    } catch (IndexOutOfBoundsException raced) {
      return;
    }
    verifyBinding(admin, victim);
    admin.pods().inNamespace(NS).withName(victim.getMetadata().getName()).delete();
    deleted.incrementAndGet();
  }

  /** A bind answered success must show in the API as spec.nodeName on the node it was answered for. */
  private void verifyBinding(KubernetesClient admin, Pod p) {
    String expected = boundByUid.get(p.getMetadata().getUid());
    Pod now = admin.pods().inNamespace(NS).withName(p.getMetadata().getName()).get();
    if (expected == null) {
      return; // bound by a replica whose answer never arrived: not an answered success
    }
    if (now == null || !expected.equals(now.getSpec().getNodeName())) {
      lostBindings.incrementAndGet();
      System.out.println("chaos: LOST binding of " + p.getMetadata().getName() + " to " + expected + ", API has "
          + (now == null ? "no pod" : now.getSpec().getNodeName()));
    }
  }

  record Audit(long doubleBooked, int boundPods, int withoutIds) {
  }

  /** From the API alone: GPUs held by more than one whole-GPU pod, by whole and shared pods, or shared beyond 1000m. */
  static Audit audit(KubernetesClient admin) {
    Map<String, int[]> whole = new HashMap<>();
    Map<String, int[]> milli = new HashMap<>();
    int boundPods = 0;
    int withoutIds = 0;
    for (Pod p : admin.pods().inNamespace(NS).list().getItems()) {
      String node = p.getSpec().getNodeName();
      if (node == null || node.isEmpty() || p.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      boundPods++;
      String ids = p.getMetadata().getAnnotations() == null ? null
          : p.getMetadata().getAnnotations().get("gpusched.dev/gpu-ids");
      if (ids == null || ids.isBlank()) {
        withoutIds++;
        continue;
      }
      var limits = p.getSpec().getContainers().get(0).getResources().getLimits();
      Quantity m = limits == null ? null : limits.get("gpusched.dev/gpu-milli");
      for (String id : ids.split(",")) {
        String key = node + "/" + id.trim();
        if (m != null) {
          milli.computeIfAbsent(key, k -> new int[1])[0] += m.getNumericalAmount().intValue();
        } else {
          whole.computeIfAbsent(key, k -> new int[1])[0]++;
        }
      }
    }
    long conflicts = 0;
    java.util.Set<String> gpus = new java.util.HashSet<>(whole.keySet());
    gpus.addAll(milli.keySet());
    for (String gpu : gpus) {
      int w = whole.getOrDefault(gpu, new int[1])[0];
      int s = milli.getOrDefault(gpu, new int[1])[0];
      if (w > 1 || (w == 1 && s > 0) || s > 1000) {
        conflicts++;
        System.out.println("chaos: DOUBLE-BOOKED " + gpu + ": " + w + " whole-GPU pods, " + s + " milli-GPU shared");
      }
    }
    return new Audit(conflicts, boundPods, withoutIds);
  }

  private static JsonNode post(String url, String body) throws java.io.IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      return null;
    }
    return Standalone.JSON.readTree(r.body());
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
