package dev.gpusched.extender.gang;

import dev.gpusched.extender.bind.ClusterWriter;
import dev.gpusched.extender.it.Standalone;
import dev.gpusched.extender.kube.KubeRecords;
import dev.gpusched.extender.metrics.ExtenderMetrics;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.model.PodDemandParser;
import dev.gpusched.extender.retry.RetryNudges;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.ClusterState;
import dev.gpusched.extender.testing.FixedPods;
import dev.gpusched.gang.GangAnnotations;
import dev.gpusched.gang.GangCoordinator;
import dev.gpusched.gang.GangPlanner;
import dev.gpusched.gang.GangSpec;
import dev.gpusched.gang.StarvationGuard;
import dev.gpusched.topology.cluster.ClusterTopology;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The gang adapters over fakes of their ports: pods in a {@link FixedPods} cache, a {@link GangWriter} and a
 * {@link ClusterWriter} that record what they are asked (and refuse pods a test names), a real ledger and coordinator,
 * and a clock the test moves. The filter and bind adapters are built here; a test builds the one it is about.
 */
final class GangRig implements AutoCloseable {
  static final Instant T0 = Instant.parse("2026-01-31T12:00:00Z");

  /** A clock the test moves by hand. */
  static final class TestClock implements InstantSource {
    volatile Instant now = T0;

    @Override
    public Instant instant() {
      return now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }
  }

  /** The gang port, recording each write as {@code "annotate ns/name {k=v}"} or {@code "delete ns/name"}. */
  static final class RecordingGangWriter implements GangWriter {
    final List<String> writes = java.util.Collections.synchronizedList(new ArrayList<>());
    final Set<String> refusing = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Override
    public void annotate(PodRef pod, Map<String, String> annotations) {
      if (refusing.contains(pod.name())) {
        throw new IllegalStateException("patching annotations of " + pod.key() + " failed (HTTP 500): refused by test");
      }
      writes.add("annotate " + pod.key() + " " + new java.util.TreeMap<>(annotations));
    }

    @Override
    public boolean delete(PodRef pod) {
      writes.add("delete " + pod.key());
      return true;
    }

    List<String> startingWith(String prefix) {
      synchronized (writes) {
        return writes.stream().filter(w -> w.startsWith(prefix)).toList();
      }
    }
  }

  /** The bind port: records {@code "bind ns/name node 0,1"} (node, then GPU ids); fails binds of named pods. */
  static final class RecordingBinds implements ClusterWriter {
    final List<String> writes = java.util.Collections.synchronizedList(new ArrayList<>());
    final Set<String> failingBinds = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Override
    public void bind(String namespace, String name, String uid, String node, String gpuIds) {
      if (failingBinds.contains(name)) {
        throw new IllegalStateException("Failure executing: POST bindings. Message: etcd timeout");
      }
      writes.add("bind " + namespace + "/" + name + " " + node + " " + gpuIds);
    }
  }

  final TestClock clock = new TestClock();
  final ClusterState state = new ClusterState();
  final FixedPods pods = new FixedPods();
  final RecordingGangWriter api = new RecordingGangWriter();
  final RecordingBinds binds = new RecordingBinds();
  final ExtenderMetrics metrics = new ExtenderMetrics(state::snapshot, () -> true, () -> true);
  final GangCoordinator coordinator;
  final GangPods gangPods = new GangPods(pods);
  final ExecutorService writer = Executors.newSingleThreadExecutor();
  /** Retry nudges through {@link #api}, stamped with {@link #clock}; unpaced for the test's speed. */
  final RetryNudges nudges = new RetryNudges(api::annotate, clock, 1e6);
  final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  final GangHandle gangs;
  final TopologyCache topologies = new TopologyCache(ClusterTopology.DEFAULT_LEVEL_KEYS);
  final GangFilter filter;
  final GangRelease release;
  final BarrierBinds barrierBinds;
  final GangBindHold bindHold;
  private int uids;

  /** @param holdBound how long a bind call waits at its gang's barrier */
  GangRig(Duration holdBound) {
    coordinator = new GangCoordinator(new GangPlanner(), clock, holdBound,
        StarvationGuard.create(Duration.ofSeconds(60), Duration.ofMinutes(15), Duration.ofMinutes(5)));
    gangs = new GangHandle(coordinator, gangPods, new GangLedger(state, coordinator),
        new MemberWrites(api, writer, writer), nudges, new HeldCalls(), new ServingGate(), new GangWaits(metrics),
        metrics, clock);
    filter = new GangFilter(gangs, topologies);
    release = new GangRelease(gangs);
    barrierBinds = new BarrierBinds(gangs, new MemberBinder(state, gangPods, binds), release);
    bindHold = new GangBindHold(gangs, barrierBinds, timer);
  }

  /** Opens the gate, as a finished recovery does. */
  GangRig serving() {
    gangs.gate().recovered();
    return this;
  }

  /** Adds an 8-GPU node to the ledger. */
  GangRig node(String name) {
    state.submit(l -> l.upsertNode(KubeRecords.nodeInfo(Standalone.gpuNode(name, 8, "NVIDIA-H100"))));
    return this;
  }

  /** The ledger synced and every change so far applied: the snapshot a call would read. */
  ClusterSnapshot snapshot() {
    state.markSynced();
    state.apply(l -> null).join();
    return state.snapshot();
  }

  /** A pending member of gang {@code gang} (size {@code size}, namespace ml) asking for {@code gpus} GPUs, in the cache. */
  Pod member(String name, String gang, int size, int gpus) {
    return member(name, gang, size, gpus, Map.of());
  }

  Pod member(String name, String gang, int size, int gpus, Map<String, String> more) {
    Map<String, String> ann = new HashMap<>(more);
    ann.put(GangAnnotations.GANG, gang);
    ann.put(GangAnnotations.GANG_SIZE, Integer.toString(size));
    Pod pod = Standalone.gpuPod("ml", name, gpus, ann);
    pod.getMetadata().setUid("uid-" + name + "-" + (++uids));
    pods.put(pod);
    return pod;
  }

  /** A pod outside gangs running on {@code node} on GPUs {@code ids} ("0,1"), in the cache and the ledger. */
  Pod running(String name, String node, String ids) {
    Pod pod = Standalone.gpuPod("ml", name, ids.split(",").length, Map.of("gpusched.dev/gpu-ids", ids));
    pod.getMetadata().setUid("uid-" + name + "-" + (++uids));
    pod.getSpec().setNodeName(node);
    pod.getStatus().setPhase("Running");
    pods.put(pod);
    state.submit(l -> l.upsertPod(KubeRecords.podRecord(pod)));
    return pod;
  }

  /** The pod is gone from the cache and the ledger. */
  void finished(Pod pod) {
    pods.remove(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
    String uid = pod.getMetadata().getUid();
    state.submit(l -> l.removePod(uid));
  }

  static GangSpec spec(Pod pod) {
    return GangScheduling.specOf(pod, Map.of());
  }

  static PodDemand demand(Pod pod) {
    return PodDemandParser.parse(pod);
  }

  /** Waits until every write and nudge queued so far reached the gang port. */
  void flushWrites() {
    nudges.awaitQueued();
    try {
      writer.submit(() -> { }).get();
    } catch (InterruptedException | ExecutionException e) {
      throw new AssertionError(e);
    }
  }

  /** The reserved GPU mask the ledger holds per node. */
  Map<String, Long> reservedInLedger() {
    return state.apply(l -> {
      Map<String, Long> out = new HashMap<>();
      for (String n : new HashSet<>(l.nodeNames())) {
        if (l.reservedOn(n) != 0) {
          out.put(n, l.reservedOn(n));
        }
      }
      return out;
    }).join();
  }

  @Override
  public void close() {
    timer.shutdownNow();
    barrierBinds.close();
    gangs.writes().close();
    nudges.close();
    state.close();
  }
}
