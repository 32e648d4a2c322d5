package dev.gpusched.extender.metrics;

import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.NodeGpuState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * gpusched's own meters (names {@code gpusched_*}), served on {@code /metrics} in Prometheus text. Per-node GPU gauges
 * are refreshed from the current snapshot when scraped, so the hot path never touches a gauge.
 */
public final class ExtenderMetrics {
  private static final int[] FRAGMENT_SIZES = {2, 4, 8};

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();
  private final Map<String, Counter> rejections = new ConcurrentHashMap<>();
  private final Map<String, Counter> binds = new ConcurrentHashMap<>();
  private final MultiGauge nodeGpus;
  private final MultiGauge fragmented;
  private final Supplier<ClusterSnapshot> snapshots;
  private final Timer gangWait;
  private final Counter gangTimeouts;
  private final Counter gangReplans;
  private final Counter verdictsFromMemo;
  private final Counter verdictsFromGpuRows;
  private final Counter verdictsComputed;

  public ExtenderMetrics(Supplier<ClusterSnapshot> snapshots, BooleanSupplier ready, BooleanSupplier leader) {
    this.snapshots = snapshots;
    Gauge.builder("gpusched.ready", () -> ready.getAsBoolean() ? 1 : 0)
        .description("1 when gpusched has synced with the API server and answers decisions").register(registry);
    Gauge.builder("gpusched.leader", () -> leader.getAsBoolean() ? 1 : 0)
        .description("1 on the replica that holds the leader lease (the one that binds)").register(registry);
    nodeGpus = MultiGauge.builder("gpusched.node.gpus")
        .description("GPUs per node, model and state (allocated, free, unhealthy, reserved) as gpusched's ledger sees them")
        .register(registry);
    fragmented = MultiGauge.builder("gpusched.fragmented.gpus")
        .description("free GPUs that cannot serve a request of request_size GPUs on their node").register(registry);
    Gauge.builder("gpusched.ledger.conflicts", () -> conflicts(snapshots.get()))
        .description("double bookings and over-commitments found in the ledger").register(registry);
    Gauge.builder("gpusched.ledger.disagreements", () -> disagreements(snapshots.get()))
        .description("GPUs where gpusched.dev/gpu-ids and dcgm-exporter's pod labels disagree (observed wins)")
        .register(registry);
    Gauge.builder("gpusched.reserved.gpus", () -> reservedGpus(snapshots.get()))
        .description("GPUs reserved for gang members not bound yet; they count as used for every other pod")
        .register(registry);
    gangWait = Timer.builder("gpusched.gang.wait")
        .description("time from a gang's first filter (refused or planned) until all its members were bound")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(10))
        .maximumExpectedValue(Duration.ofHours(1))
        .register(registry);
    gangTimeouts = Counter.builder("gpusched.gang.timeouts")
        .description("gangs released because not every member reached bind before gang-timeout").register(registry);
    gangReplans = Counter.builder("gpusched.gang.replans")
        .description("gangs released at their barrier, none of them bound, because a reserved place was taken "
            + "meanwhile (planned on a cache that had not yet seen another binding); they are planned again")
        .register(registry);
    verdictsFromMemo = verdicts("memo");
    verdictsFromGpuRows = verdicts("gpu_row");
    verdictsComputed = verdicts("computed");
  }

  private Counter verdicts(String source) {
    return Counter.builder("gpusched.verdicts")
        .description("filter verdicts on known nodes by source: memo (a pod of the same shape before, on the same node "
            + "state), gpu_row (the same GPU demand before; only a CPU step ran), computed (the plugins ran)")
        .tag("source", source).register(registry);
  }

  /** Where one filter call's verdicts came from. */
  public void recordVerdicts(int fromMemo, int fromGpuRows, int computed) {
    verdictsFromMemo.increment(fromMemo);
    verdictsFromGpuRows.increment(fromGpuRows);
    verdictsComputed.increment(computed);
  }

  /** Registers {@code gpusched_gangs{state}} (state waiting, reserved, bound), read from {@code count} when scraped. */
  public void registerGangs(java.util.function.ToDoubleFunction<String> count) {
    for (String state : new String[] {"waiting", "reserved", "bound"}) {
      Gauge.builder("gpusched.gangs", () -> count.applyAsDouble(state))
          .description("gangs by state: waiting (plan failed), reserved (placed, not all bound), bound (all running)")
          .tag("state", state).register(registry);
    }
  }

  /** A gang got all its members bound, {@code waited} after its first filter. */
  public void recordGangWait(Duration waited) {
    gangWait.record(waited.isNegative() ? Duration.ZERO : waited);
  }

  /** A gang's barrier opened on a place taken meanwhile: released unbound, to be planned again. */
  public void recordGangReplan() {
    gangReplans.increment();
  }

  /** A gang timed out and was released. */
  public void recordGangTimeout() {
    gangTimeouts.increment();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Records one extender call. */
  public void recordRequest(String verb, boolean ok, long nanos) {
    String key = verb + (ok ? "/ok" : "/error");
    timers.computeIfAbsent(key, k -> Timer.builder("gpusched.extender.request")
        .description("extender verb latency, from request decoded to answer encoded")
        .tags("verb", verb, "outcome", ok ? "ok" : "error")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(10_000))
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry)).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  public void recordRejections(String reason, int count) {
    if (count > 0) {
      rejections.computeIfAbsent(reason, r -> Counter.builder("gpusched.filter.rejections")
          .description("nodes rejected by filter, by the plugin that rejected them").tag("reason", r).register(registry))
          .increment(count);
    }
  }

  public void recordBind(String result) {
    binds.computeIfAbsent(result, r -> Counter.builder("gpusched.bind")
        .description("bind calls by result").tag("result", r).register(registry)).increment();
  }

  /** Prometheus text exposition, with the per-node gauges refreshed from the current snapshot. */
  public String scrape() {
    refreshNodeGauges(snapshots.get());
    return registry.scrape();
  }

  private void refreshNodeGauges(ClusterSnapshot s) {
    List<MultiGauge.Row<?>> rows = new ArrayList<>(s.nodes().length * 3);
    long[] frag = new long[FRAGMENT_SIZES.length];
    for (NodeGpuState n : s.nodes()) {
      if (n.gpuCount() == 0) {
        continue;
      }
      String model = n.info().product().isEmpty() ? "unknown" : n.info().product();
      int free = n.freeWholeCount();
      int unhealthy = Long.bitCount(n.unusableMask() & ~(n.wholeMask() | n.sharedMask()));
      int allocated = Long.bitCount(n.wholeMask() | n.sharedMask());
      int reserved = Long.bitCount(n.reservedMask() & n.freeWholeMaskIgnoringReservations());
      rows.add(MultiGauge.Row.of(Tags.of("node", n.name(), "model", model, "state", "allocated"), allocated));
      rows.add(MultiGauge.Row.of(Tags.of("node", n.name(), "model", model, "state", "free"), free));
      rows.add(MultiGauge.Row.of(Tags.of("node", n.name(), "model", model, "state", "unhealthy"), unhealthy));
      rows.add(MultiGauge.Row.of(Tags.of("node", n.name(), "model", model, "state", "reserved"), reserved));
      for (int i = 0; i < FRAGMENT_SIZES.length; i++) {
        if (free < FRAGMENT_SIZES[i]) {
          frag[i] += free;
        }
      }
    }
    nodeGpus.register(rows, true);
    List<MultiGauge.Row<?>> fragRows = new ArrayList<>(FRAGMENT_SIZES.length);
    for (int i = 0; i < FRAGMENT_SIZES.length; i++) {
      fragRows.add(MultiGauge.Row.of(Tags.of("request_size", Integer.toString(FRAGMENT_SIZES[i])), frag[i]));
    }
    fragmented.register(fragRows, true);
  }

  private static double reservedGpus(ClusterSnapshot s) {
    long c = 0;
    for (NodeGpuState n : s.nodes()) {
      c += Long.bitCount(n.reservedMask() & n.freeWholeMaskIgnoringReservations());
    }
    return c;
  }

  private static double disagreements(ClusterSnapshot s) {
    long c = 0;
    for (NodeGpuState n : s.nodes()) {
      c += n.disagreements().size();
    }
    return c;
  }

  private static double conflicts(ClusterSnapshot s) {
    long c = 0;
    for (NodeGpuState n : s.nodes()) {
      c += n.conflicts().size();
    }
    return c;
  }
}
