package dev.gpusched.extender.ha;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.GpuschedApp;
import dev.gpusched.extender.http.ServerLimits;
import dev.gpusched.extender.it.Standalone;
import dev.gpusched.extender.kube.EmbeddedApiServer;
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
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
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
 * <p>Gangs: about one pod in seven belongs to a gang of 2..4 whole-GPU members ({@code gpusched.dev/gang},
 * {@code gang-size}, a short {@code gang-timeout} of 5..10 s so gangs time out within the run), created together. Each
 * member goes filter -> bind to the current leader on a thread of its own (binds are held at the barrier up to 4 s, so
 * they run concurrently), is retried on every error as kube-scheduler would, and its filter must pass exactly one node
 * (its planned one); one gang in three has a straggler member that starts 50..99% of the timeout late, so gangs wait
 * at the barrier and time out. The driver retries a gang for its timeout after creation; a gang not fully bound by then is given
 * up: its unbound members are deleted, its bound ones are left for gpusched to delete when the gang's reservation
 * times out. Complete gangs are evicted as a whole. "Partial gangs past their timeout", from the API alone: gangs (not
 * being evicted by the driver) created more than twice their timeout + {@value #GANG_MARGIN_SECONDS} s ago (a plan
 * made at the end of the driver's retry window expires a timeout later; the margin covers the sweep and a leader
 * hand-over; time with no leader at all, during which nobody may release a gang, is added: see {@link #LEADERLESS})
 * with some but not all members bound. Gang binds that gpusched makes at the barrier count as bindings the
 * extender made: a member of a gang that completed must stay bound where its bind was answered.
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
  private static final String GANG = "gpusched.dev/gang";
  private static final String CREATED_AT = "chaos.gpusched.dev/created-at-ms";
  private static final String TIMEOUT_S = "chaos.gpusched.dev/gang-timeout-s";
  static final int GANG_MARGIN_SECONDS = 10;

  /**
   * Wall-clock ms to the cumulative ms during which no replica acted as leader, sampled every 100 ms. Only a leader
   * releases gangs, so a gang's audit bound is extended by the leaderless time within its life: on a loaded machine
   * a hand-over (lease expiry, catch-up, the mock API server's stalls) can take far longer than the margin.
   */
  static final java.util.concurrent.ConcurrentSkipListMap<Long, Long> LEADERLESS =
      new java.util.concurrent.ConcurrentSkipListMap<>();

  /** Leaderless ms between two wall-clock times, from {@link #LEADERLESS}. */
  static long leaderlessBetween(long fromMs, long toMs) {
    var from = LEADERLESS.floorEntry(fromMs);
    var to = LEADERLESS.floorEntry(toMs);
    return (to == null ? 0 : to.getValue()) - (from == null ? 0 : from.getValue());
  }
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
  private final AtomicLong maxPartialGangs = new AtomicLong();
  private final AtomicInteger gangsCreated = new AtomicInteger();
  private final AtomicInteger gangsComplete = new AtomicInteger();
  private final AtomicInteger gangsWithStraggler = new AtomicInteger();
  private final AtomicInteger gangsGivenUp = new AtomicInteger();
  private final AtomicInteger gangsEvicted = new AtomicInteger();
  private final AtomicInteger gangsBoundDuringGiveUp = new AtomicInteger();
  private final AtomicInteger gangBindsOk = new AtomicInteger();
  private final AtomicInteger gangFilterNotOneNode = new AtomicInteger();
  private final Map<String, List<Pod>> gangMembers = new ConcurrentHashMap<>(); // gang name -> its live pods
  private final Set<String> completeGangs = ConcurrentHashMap.newKeySet();
  private final Set<String> evictedGangs = ConcurrentHashMap.newKeySet(); // deleted by the driver: not audited
  private final ExecutorService gangMemberPool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "chaos-gang-member");
    t.setDaemon(true);
    return t;
  });

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
    LEADERLESS.clear();
    java.util.concurrent.ScheduledExecutorService leaderWatch = Executors.newSingleThreadScheduledExecutor();
    long[] leaderless = {0};
    leaderWatch.scheduleAtFixedRate(() -> {
      if (replicas.leader() == null) {
        leaderless[0] += 100;
      }
      LEADERLESS.put(System.currentTimeMillis(), leaderless[0]);
    }, 0, 100, java.util.concurrent.TimeUnit.MILLISECONDS);
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
            String name = "w" + worker + "-" + n++;
            if (r.nextInt(18) == 0) { // ~5.5% of creations, 3 members on average: ~15% of pods
              scheduleGang(api, replicas, nodes, newGang(name, r), r, deadline);
            } else {
              schedule(api, replicas, nodes, newPod(name, r), r, deadline);
            }
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
          Audit now = audit(admin, evictedGangs);
          maxDoubleBooked.accumulateAndGet(now.doubleBooked, Math::max);
          maxPartialGangs.accumulateAndGet(now.partialGangs, Math::max);
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
      gangMemberPool.shutdownNow();
    }

    // Every bind answered success must be in the API, for the pods still there.
    for (Pod p : bound) {
      verifyBinding(admin, p);
    }
    // Gangs still in flight (some members bound, younger than the audit bound) must be resolved by gpusched: wait
    // until none is, at most the audit bound of the longest timeout.
    Audit end = audit(admin, evictedGangs);
    long settleUntil = System.nanoTime() + Duration.ofSeconds(2 * 10 + GANG_MARGIN_SECONDS + 2).toNanos();
    while (end.partialYoung > 0 && System.nanoTime() < settleUntil) {
      sleep(500);
      end = audit(admin, evictedGangs);
    }
    maxDoubleBooked.accumulateAndGet(end.doubleBooked, Math::max);
    maxPartialGangs.accumulateAndGet(end.partialGangs, Math::max);
    int deletedAtTimeout = 0;
    for (Map.Entry<String, List<Pod>> g : gangMembers.entrySet()) {
      if (completeGangs.contains(g.getKey()) || evictedGangs.contains(g.getKey())) {
        continue;
      }
      for (Pod p : g.getValue()) {
        if (boundByUid.containsKey(p.getMetadata().getUid())
            && admin.pods().inNamespace(NS).withName(p.getMetadata().getName()).get() == null) {
          deletedAtTimeout++;
        }
      }
    }
    System.out.println("chaos: pods created " + created.get() + ", binds answered success " + bindsOk.get()
        + ", deleted " + deleted.get() + ", unschedulable (deleted unbound) " + unschedulable.get() + ", still bound "
        + end.boundPods + "; kills " + kills.get() + " (" + crashes.get() + " crashes) " + actions
        + "; driver retries by reason " + retryCounts());
    System.out.println("chaos: gangs created " + gangsCreated.get() + " (" + gangMembersCreated() + " member pods, "
        + gangsWithStraggler.get() + " with a straggler), complete "
        + gangsComplete.get() + ", given up by the driver " + gangsGivenUp.get() + " (of which completed while given up, then evicted: "
        + gangsBoundDuringGiveUp.get() + "), evicted whole " + gangsEvicted.get()
        + ", gang binds answered success " + gangBindsOk.get() + ", members whose bind was answered success then "
        + "deleted by gpusched at the gang's timeout " + deletedAtTimeout + ", gang filters passing other than one node "
        + gangFilterNotOneNode.get() + "; gangs past their audit bound at the end " + end.gangsPastBound
        + ", still partial but younger " + end.partialYoung);
    System.out.println("chaos: GPUs double-booked " + maxDoubleBooked.get() + " (max over " + (kills.get() + 1)
        + " audits), bindings lost " + lostBindings.get() + ", bound GPU pods without gpu-ids " + end.withoutIds
        + ", partial gangs past their timeout " + maxPartialGangs.get() + " (max over the same audits)");
    leaderWatch.shutdownNow();
    replicas.close();
    api.close();

    // The short CI version stops at its time bound on a slow runner; a run with explicit settings must reach its target.
    boolean explicit = System.getProperty("gpusched.chaos.pods", System.getenv("GPUSCHED_CHAOS_PODS")) != null;
    assertThat(created.get()).as("pods churned").isGreaterThanOrEqualTo(explicit ? PODS : Math.min(PODS, 100));
    assertThat(kills.get()).as("replicas killed or stopped").isGreaterThanOrEqualTo(2);
    assertThat(maxDoubleBooked.get()).as("GPUs double-booked").isZero();
    assertThat(lostBindings.get()).as("bindings lost").isZero();
    assertThat(end.withoutIds).as("bound GPU pods without gpu-ids").isZero();
    assertThat(gangsCreated.get()).as("gangs churned").isPositive();
    assertThat(gangFilterNotOneNode.get()).as("gang member filters passing other than exactly its planned node").isZero();
    assertThat(maxPartialGangs.get()).as("partial gangs past their timeout").isZero();
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

  /** A whole-GPU pod (1, 2, 4 or 8 GPUs) or a shared one (250..750 milli-GPU). */
  static Pod newPod(String name, Random r) {
    int kind = r.nextInt(10);
    if (kind < 3) {
      return Standalone.sharedPod(NS, name, 250 * (1 + r.nextInt(3)), Map.of());
    }
    int[] sizes = {1, 1, 2, 2, 4, 8};
    return Standalone.gpuPod(NS, name, sizes[r.nextInt(sizes.length)], Map.of());
  }

  /** The members of one gang: 2..4 pods of 1 or 2 whole GPUs each, with a gang timeout of 5..10 s. */
  static List<Pod> newGang(String name, Random r) {
    int size = 2 + r.nextInt(3);
    int gpus = 1 + r.nextInt(2);
    int timeoutSeconds = 5 + r.nextInt(6);
    List<Pod> members = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      Map<String, String> ann = new HashMap<>();
      ann.put(GANG, name);
      ann.put("gpusched.dev/gang-size", Integer.toString(size));
      ann.put("gpusched.dev/gang-timeout", timeoutSeconds + "s");
      ann.put(TIMEOUT_S, Integer.toString(timeoutSeconds));
      members.add(Standalone.gpuPod(NS, name + "-m" + i, gpus, ann));
    }
    return members;
  }

  private int gangMembersCreated() {
    int n = 0;
    for (List<Pod> g : gangMembers.values()) {
      n += g.size();
    }
    return n;
  }

  /** Creates the pod (stamped with its creation time) and counts it. */
  private Pod createPod(KubernetesClient admin, Pod pod) {
    pod.getMetadata().getAnnotations().put(CREATED_AT, Long.toString(System.currentTimeMillis()));
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
    return live;
  }

  /**
   * A gang, as kube-scheduler and a job controller would handle it: all members created together, each member
   * scheduled on a thread of its own (its bind may be held at the barrier) for up to the gang's timeout; a gang not
   * fully bound by then is given up (its unbound members deleted; its bound ones are gpusched's to delete).
   */
  private void scheduleGang(EmbeddedApiServer api, Replicas replicas, List<String> nodes, List<Pod> members, Random r,
      long deadline) throws Exception {
    KubernetesClient admin = api.client();
    String gang = members.get(0).getMetadata().getAnnotations().get(GANG);
    int timeoutSeconds = Integer.parseInt(members.get(0).getMetadata().getAnnotations().get(TIMEOUT_S));
    List<Pod> live = new ArrayList<>(members.size());
    for (Pod m : members) {
      live.add(createPod(admin, m));
    }
    gangMembers.put(gang, List.copyOf(live));
    gangsCreated.incrementAndGet();
    long windowEnd = Math.min(deadline, System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos());
    AtomicBoolean evictedForRoom = new AtomicBoolean();
    // One gang in three has a straggler: its last member reaches the scheduler 50..99% of the timeout late, so the
    // others wait at the barrier and the gang often times out (and is planned again) within the run.
    long stragglerDelayMs = r.nextInt(3) == 0 ? timeoutSeconds * (500L + r.nextInt(500)) : 0;
    List<CompletableFuture<Boolean>> futures = new ArrayList<>(live.size());
    for (int i = 0; i < live.size(); i++) {
      Pod p = live.get(i);
      long seed = r.nextLong();
      long delay = i == live.size() - 1 ? stragglerDelayMs : 0;
      futures.add(CompletableFuture.supplyAsync(() -> {
        sleep(delay);
        return scheduleMember(api, replicas, nodes, p, new Random(seed), windowEnd, evictedForRoom);
      }, gangMemberPool));
    }
    if (stragglerDelayMs > 0) {
      gangsWithStraggler.incrementAndGet();
    }
    boolean allBound = true;
    for (CompletableFuture<Boolean> f : futures) {
      allBound &= f.get();
    }
    if (allBound) {
      gangsComplete.incrementAndGet();
      completeGangs.add(gang);
      bound.addAll(live);
      while (bound.size() > MAX_BOUND) {
        evictOne(admin, r);
      }
      return;
    }
    gangsGivenUp.incrementAndGet();
    for (Pod p : live) {
      Pod now = admin.pods().inNamespace(NS).withName(p.getMetadata().getName()).get();
      if (now != null && (now.getSpec().getNodeName() == null || now.getSpec().getNodeName().isEmpty())) {
        String boundWhenDeleted = deleteAndReadNode(admin, p);
        if (boundWhenDeleted != null) {
          // The barrier opened between the read and the delete: the driver itself broke a complete gang, as a job
          // controller deleting a pod it believed pending would. Not gpusched's partial gang: evict the rest.
          gangsBoundDuringGiveUp.incrementAndGet();
          evictGang(admin, gang);
          return;
        }
      }
    }
  }

  /**
   * Deletes a pod and returns the node it was bound to at deletion (from the object the DELETE answers with, as the
   * API server returns it), or null when it was unbound or already gone.
   */
  private String deleteAndReadNode(KubernetesClient admin, Pod p) {
    String url = admin.getMasterUrl().toString().replaceAll("/$", "") + "/api/v1/namespaces/" + NS + "/pods/"
        + p.getMetadata().getName();
    String body;
    try {
      body = admin.raw(url, "DELETE", null);
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      if (e.getCode() == 404) {
        return null;
      }
      throw e;
    }
    deleted.incrementAndGet();
    if (body == null) {
      return null;
    }
    String node = Standalone.JSON.readTree(body).path("spec").path("nodeName").asString("");
    return node.isEmpty() ? null : node;
  }

  /** What a filter at the current Lease holder answered: the holder's verb URL prefix and the nodes that passed. */
  private record Filtered(String base, List<String> fit) {}

  /**
   * One filter at the replica that holds the Lease now, as kube-scheduler's next attempt would send it; null after a
   * counted retry (no holder running, or an Error answer) and a short pause, so the caller tries again.
   */
  private Filtered filterAtLeader(Replicas replicas, String filter, String what)
      throws java.io.IOException, InterruptedException {
    GpuschedApp leader = replicas.app(replicas.holder());
    if (leader == null) {
      retry(what + "no running Lease holder");
      sleep(50);
      return null;
    }
    String base = "http://127.0.0.1:" + leader.port() + "/scheduler/";
    JsonNode f = post(base + "filter", filter);
    if (f == null || !f.path("Error").asString("").isEmpty()) {
      retry(what + (f == null ? "filter transport" : reason(f.path("Error").asString())));
      sleep(30);
      return null;
    }
    List<String> fit = new ArrayList<>();
    for (JsonNode n : f.path("NodeNames")) {
      fit.add(n.asString());
    }
    return new Filtered(base, fit);
  }

  /** One gang member: filter (exactly its planned node) -> bind at the leader until bound or the window ends. */
  private boolean scheduleMember(EmbeddedApiServer api, Replicas replicas, List<String> nodes, Pod live, Random r,
      long windowEnd, AtomicBoolean evictedForRoom) {
    KubernetesClient admin = api.client();
    String filter = Standalone.filterBody(live, nodes);
    String name = live.getMetadata().getName();
    while (System.nanoTime() < windowEnd) {
      try {
        Filtered filtered = filterAtLeader(replicas, filter, "gang: ");
        if (filtered == null) {
          continue;
        }
        String base = filtered.base();
        List<String> fit = filtered.fit();
        if (fit.isEmpty()) {
          retry("gang: filter passed no node (waiting for room or a release)");
          if (evictedForRoom.compareAndSet(false, true)) {
            evictOne(admin, r);
          }
          sleep(200);
          continue;
        }
        if (fit.size() != 1) {
          gangFilterNotOneNode.incrementAndGet();
          System.out.println("chaos: gang member " + name + " passed " + fit + ", not exactly its planned node");
        }
        // One feasible node: kube-scheduler skips scoring and binds there.
        String node = fit.get(0);
        String bind = "{\"PodName\":\"" + name + "\",\"PodNamespace\":\"" + NS + "\",\"PodUID\":\""
            + live.getMetadata().getUid() + "\",\"Node\":\"" + node + "\"}";
        JsonNode b = post(base + "bind", bind);
        if (b != null && b.path("Error").asString("x").isEmpty()) {
          bindsOk.incrementAndGet();
          gangBindsOk.incrementAndGet();
          boundByUid.put(live.getMetadata().getUid(), node);
          return true;
        }
        retry("gang: " + (b == null ? "bind transport" : reason(b.path("Error").asString())));
        Pod now = admin.pods().inNamespace(NS).withName(name).get();
        if (now != null && now.getSpec().getNodeName() != null && !now.getSpec().getNodeName().isEmpty()) {
          retry("gang: found bound after a failed bind answer");
          return true;
        }
        if (now == null) {
          retry("gang: member deleted (by gpusched at the gang's timeout)");
          return false;
        }
        sleep(30);
      } catch (java.io.IOException e) {
        retry("gang: transport: " + e.getClass().getSimpleName());
        sleep(30);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    Pod now = admin.pods().inNamespace(NS).withName(name).get();
    return now != null && now.getSpec().getNodeName() != null && !now.getSpec().getNodeName().isEmpty();
  }

  private void schedule(EmbeddedApiServer api, Replicas replicas, List<String> nodes, Pod pod, Random r, long deadline)
      throws Exception {
    KubernetesClient admin = api.client();
    Pod live = createPod(admin, pod);
    String filter = Standalone.filterBody(live, nodes);
    while (System.nanoTime() < deadline) {
      try {
        Filtered filtered = filterAtLeader(replicas, filter, "");
        if (filtered == null) {
          continue;
        }
        String base = filtered.base();
        List<String> fit = filtered.fit();
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
      } catch (java.io.IOException e) {
        retry("transport: " + e.getClass().getSimpleName());
        sleep(30);
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
    if (error.contains("is waiting for") && error.contains("members to reach bind")) {
      return "held at the barrier, answered at the hold bound";
    }
    if (error.contains("timed out")) {
      return "gang timed out";
    }
    if (error.contains("holds no reservation") || error.contains("no longer holds a place")
        || error.contains("holds no place")) {
      return "gang holds no place for it (released)";
    }
    if (error.contains("rebuilding gang reservations")) {
      return "gang recovery in progress";
    }
    if (error.contains("shutting down")) {
      return "replica shutting down";
    }
    String generic = error.replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uid>")
        .replaceAll("[0-9]+", "N");
    return generic.length() > 60 ? generic.substring(0, 60) : generic;
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
    String gang = victim.getMetadata().getAnnotations() == null ? null : victim.getMetadata().getAnnotations().get(GANG);
    if (gang != null) {
      evictGang(admin, gang);
      return;
    }
    verifyBinding(admin, victim);
    admin.pods().inNamespace(NS).withName(victim.getMetadata().getName()).delete();
    deleted.incrementAndGet();
  }

  /** A complete gang is evicted as a whole (a job ends or is preempted whole); the audit skips it from now on. */
  private void evictGang(KubernetesClient admin, String gang) {
    if (!evictedGangs.add(gang)) {
      return;
    }
    gangsEvicted.incrementAndGet();
    List<Pod> members = gangMembers.getOrDefault(gang, List.of());
    for (Pod m : members) {
      bound.removeIf(p -> p.getMetadata().getUid().equals(m.getMetadata().getUid()));
      verifyBinding(admin, m);
    }
    for (Pod m : members) {
      admin.pods().inNamespace(NS).withName(m.getMetadata().getName()).delete();
      deleted.incrementAndGet();
    }
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

  /**
   * @param partialGangs gangs past their audit bound with some but not all members bound
   * @param partialYoung gangs with some but not all members bound, not yet past their audit bound (in flight)
   * @param gangsPastBound gangs past their audit bound (audited)
   */
  record Audit(long doubleBooked, int boundPods, int withoutIds, int partialGangs, int partialYoung, int gangsPastBound) {
  }

  /**
   * From the API alone: GPUs held by more than one whole-GPU pod, by whole and shared pods, or shared beyond 1000m;
   * and gangs (other than those in {@code evictedGangs}) with some but not all of their members bound.
   */
  static Audit audit(KubernetesClient admin, Set<String> evictedGangs) {
    Map<String, int[]> whole = new HashMap<>();
    Map<String, int[]> milli = new HashMap<>();
    Map<String, long[]> gangs = new HashMap<>(); // name -> {size, bound, oldest created ms, timeout s}
    int boundPods = 0;
    int withoutIds = 0;
    for (Pod p : admin.pods().inNamespace(NS).list().getItems()) {
      Map<String, String> ann = p.getMetadata().getAnnotations() == null ? Map.of() : p.getMetadata().getAnnotations();
      String gang = ann.get(GANG);
      boolean isBound = p.getSpec().getNodeName() != null && !p.getSpec().getNodeName().isEmpty()
          && p.getMetadata().getDeletionTimestamp() == null;
      if (gang != null && !evictedGangs.contains(gang)) {
        long[] g = gangs.computeIfAbsent(gang, k -> new long[] {Long.parseLong(ann.get("gpusched.dev/gang-size")), 0,
            Long.MAX_VALUE, Long.parseLong(ann.get(TIMEOUT_S))});
        g[1] += isBound ? 1 : 0;
        g[2] = Math.min(g[2], Long.parseLong(ann.get(CREATED_AT)));
      }
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
    long now = System.currentTimeMillis();
    int partial = 0;
    int young = 0;
    int pastBound = 0;
    for (Map.Entry<String, long[]> e : gangs.entrySet()) {
      long[] g = e.getValue();
      boolean isPartial = g[1] > 0 && g[1] < g[0];
      boolean past = now - g[2] > (2 * g[3] + GANG_MARGIN_SECONDS) * 1000 + leaderlessBetween(g[2], now);
      pastBound += past ? 1 : 0;
      if (isPartial && past) {
        partial++;
        System.out.println("chaos: PARTIAL gang " + e.getKey() + ": " + g[1] + " of " + g[0] + " members bound, created "
            + (now - g[2]) + " ms ago, timeout " + g[3] + " s");
      } else if (isPartial) {
        young++;
      }
    }
    return new Audit(conflicts, boundPods, withoutIds, partial, young, pastBound);
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
