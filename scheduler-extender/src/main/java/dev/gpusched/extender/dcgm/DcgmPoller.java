package dev.gpusched.extender.dcgm;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls a {@link DcgmSource} on a daemon thread and publishes each successful {@link GpuTelemetry}.
 *
 * <p>The edge between DCGM and decisions: the filter path only ever reads {@link #latest()} (a volatile), so it never
 * waits on Prometheus. A failed poll keeps the last telemetry, logs one line saying what was wrong (repeats of the
 * same failure at most once a minute) and counts it; nothing is thrown to the caller. Meters (Prometheus names):
 * <ul>
 *   <li>{@code gpusched_dcgm_poll_total{result="ok|error"}}
 *   <li>{@code gpusched_dcgm_poll_errors_total{kind}}: unreachable, http_status, prometheus_error, malformed,
 *       unexpected_shape, interrupted, partial (a usable answer with skipped series), listener, internal
 *   <li>{@code gpusched_dcgm_metrics_age_seconds}: age of the latest telemetry, +Inf before the first success
 *   <li>{@code gpusched_dcgm_stale}: 1 when that age exceeds the staleness bound (decisions use the ledger alone)
 *   <li>{@code gpusched_dcgm_gpus_observed}: GPUs in the latest telemetry
 *   <li>{@code gpusched_dcgm_skipped_series}: series skipped in the latest answer
 *   <li>{@code gpusched_gpu_observed_free_memory_bytes{node,gpu}}, {@code gpusched_gpu_utilization_ratio{node,gpu}},
 *       {@code gpusched_gpu_last_xid{node,gpu}}: per GPU, from the latest telemetry
 * </ul>
 */
public final class DcgmPoller implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DcgmPoller.class);
  private static final Duration REPEAT_LOG_EVERY = Duration.ofMinutes(1);
  private static final double BYTES_PER_MIB = 1024.0 * 1024.0;

  private final DcgmSource source;
  private final Duration interval;
  private final Duration stalenessBound;
  private final Consumer<GpuTelemetry> listener;
  private final Clock clock;

  private final Counter pollOk;
  private final Counter pollError;
  private final Map<DcgmQueryException.Kind, Counter> errorsByKind = new EnumMap<>(DcgmQueryException.Kind.class);
  private final Counter partialErrors;
  private final Counter listenerErrors;
  private final Counter internalErrors;
  private final MultiGauge freeMemory;
  private final MultiGauge utilization;
  private final MultiGauge lastXid;

  private volatile GpuTelemetry latest = GpuTelemetry.EMPTY;
  private volatile ScheduledExecutorService executor;

  // Polls are serialized on pollLock (the scheduled thread, or a caller of pollOnce); the fields below belong to it.
  private final Object pollLock = new Object();
  private String lastFailureMessage;
  private Instant lastFailureLoggedAt = Instant.EPOCH;
  private String lastPartialMessage;
  private Instant lastPartialLoggedAt = Instant.EPOCH;
  private volatile long consecutiveFailures;

  /**
   * @param source where to read DCGM metrics
   * @param interval delay between the end of one poll and the start of the next
   * @param stalenessBound metrics older than this are stale: decisions fall back to the ledger alone
   * @param registry where the meters go (a PrometheusMeterRegistry serves them on /metrics)
   * @param listener told of every successful telemetry, on the polling thread (e.g. to rebuild the snapshot)
   * @param clock for ages; the same clock the source stamps telemetry with
   */
  public DcgmPoller(DcgmSource source, Duration interval, Duration stalenessBound, MeterRegistry registry,
      Consumer<GpuTelemetry> listener, Clock clock) {
    this.source = Objects.requireNonNull(source, "source");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("DCGM poll interval must be positive, got " + interval);
    }
    if (stalenessBound.isNegative() || stalenessBound.isZero()) {
      throw new IllegalArgumentException("DCGM staleness bound must be positive, got " + stalenessBound);
    }
    this.interval = interval;
    this.stalenessBound = stalenessBound;
    this.listener = listener == null ? t -> { } : listener;
    this.clock = clock;

    this.pollOk = Counter.builder("gpusched.dcgm.poll").tag("result", "ok")
        .description("Polls of DCGM metrics, by result").register(registry);
    this.pollError = Counter.builder("gpusched.dcgm.poll").tag("result", "error")
        .description("Polls of DCGM metrics, by result").register(registry);
    for (DcgmQueryException.Kind kind : DcgmQueryException.Kind.values()) {
      errorsByKind.put(kind, errorCounter(registry, kind.label()));
    }
    this.partialErrors = errorCounter(registry, "partial");
    this.listenerErrors = errorCounter(registry, "listener");
    this.internalErrors = errorCounter(registry, "internal");
    Gauge.builder("gpusched.dcgm.metrics.age", this, DcgmPoller::ageSeconds).baseUnit("seconds")
        .description("Age of the DCGM metrics decisions would use; +Inf before the first successful poll")
        .register(registry);
    Gauge.builder("gpusched.dcgm.stale", this, p -> p.isStale() ? 1.0 : 0.0)
        .description("1 when DCGM metrics are older than the staleness bound and decisions use the ledger alone")
        .register(registry);
    Gauge.builder("gpusched.dcgm.gpus.observed", this, p -> p.latest.gpuCount())
        .description("GPUs in the latest DCGM telemetry (a node without any has no DCGM data: ledger alone)")
        .register(registry);
    Gauge.builder("gpusched.dcgm.skipped.series", this, p -> p.latest.problems().size())
        .description("Series skipped (missing label, non-numeric value) in the latest DCGM answer")
        .register(registry);
    this.freeMemory = MultiGauge.builder("gpusched.gpu.observed.free.memory").baseUnit("bytes")
        .description("Free framebuffer memory per GPU as gpusched last read it from DCGM").register(registry);
    this.utilization = MultiGauge.builder("gpusched.gpu.utilization").baseUnit("ratio")
        .description("GPU utilization (0..1) per GPU as gpusched last read it from DCGM").register(registry);
    this.lastXid = MultiGauge.builder("gpusched.gpu.last.xid")
        .description("Last XID error per GPU as gpusched last read it from DCGM (0: none)").register(registry);
  }

  private static Counter errorCounter(MeterRegistry registry, String kind) {
    return Counter.builder("gpusched.dcgm.poll.errors").tag("kind", kind)
        .description("Failed or partial DCGM polls, by what was wrong").register(registry);
  }

  /** Starts polling: the first poll runs at once, then every interval after the previous one ends. Idempotent. */
  public synchronized void start() {
    if (executor != null) {
      return;
    }
    executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "gpusched-dcgm-poller");
      t.setDaemon(true);
      return t;
    });
    executor.scheduleWithFixedDelay(this::pollSafely, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    LOG.info("Polling DCGM metrics from {} every {} ms; metrics older than {} ms are stale", source.describe(),
        interval.toMillis(), stalenessBound.toMillis());
  }

  /** Stops polling and waits briefly for a poll in flight; {@link #latest()} stays readable. */
  @Override
  public synchronized void close() {
    ScheduledExecutorService e = executor;
    if (e == null) {
      return;
    }
    e.shutdownNow();
    try {
      e.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
    }
  }

  /** The last telemetry a poll read successfully ({@link GpuTelemetry#EMPTY} before the first). Never blocks. */
  public GpuTelemetry latest() {
    return latest;
  }

  /** The telemetry a decision at {@code now} may use, with the staleness bound applied. */
  public TelemetryView view(Instant now) {
    return TelemetryView.of(latest, now, stalenessBound);
  }

  /** True when the latest telemetry is older than the staleness bound (or none was ever read). */
  public boolean isStale() {
    return !latest.isFresh(clock.instant(), stalenessBound);
  }

  /** The staleness bound this poller applies. */
  public Duration stalenessBound() {
    return stalenessBound;
  }

  /** Polls that failed in a row since the last success. */
  public long consecutiveFailures() {
    return consecutiveFailures;
  }

  /**
   * Runs one poll now, on the caller's thread: fetch, publish on success, count and log on failure.
   * Used by the scheduled task; callable directly (tests, a first poll before readiness). Never throws.
   *
   * @return true when fresh telemetry was published
   */
  public boolean pollOnce() {
    synchronized (pollLock) {
      return pollLocked();
    }
  }

  private boolean pollLocked() {
    GpuTelemetry telemetry;
    try {
      telemetry = source.fetch();
    } catch (DcgmQueryException e) {
      pollError.increment();
      errorsByKind.get(e.kind()).increment();
      onFailure(e.getMessage());
      return false;
    } catch (RuntimeException e) { // a bug in a source must not reach the caller either
      pollError.increment();
      internalErrors.increment();
      onFailure("unexpected " + e);
      LOG.debug("DCGM source failure", e);
      return false;
    }
    pollOk.increment();
    latest = telemetry;
    publishGpuGauges(telemetry);
    if (consecutiveFailures > 0) {
      LOG.info("DCGM metrics from {} readable again after {} failed poll(s)", source.describe(), consecutiveFailures);
      consecutiveFailures = 0;
      lastFailureMessage = null;
    }
    if (!telemetry.problems().isEmpty()) {
      partialErrors.increment();
      String first = telemetry.problems().get(0);
      Instant now = clock.instant();
      if (!first.equals(lastPartialMessage)
          || Duration.between(lastPartialLoggedAt, now).compareTo(REPEAT_LOG_EVERY) >= 0) {
        LOG.warn("DCGM answer from {} was partial: {} series skipped; first: {}", source.describe(),
            telemetry.problems().size(), first);
        lastPartialMessage = first;
        lastPartialLoggedAt = now;
      }
    }
    try {
      listener.accept(telemetry);
    } catch (RuntimeException e) {
      listenerErrors.increment();
      LOG.error("DCGM telemetry listener failed; the telemetry is still published as latest()", e);
    }
    return true;
  }

  private void pollSafely() {
    try {
      pollOnce();
    } catch (Throwable t) { // keep the schedule alive whatever happens; scheduleWithFixedDelay stops on a throw
      internalErrors.increment();
      LOG.error("DCGM poll failed unexpectedly; polling continues", t);
    }
  }

  private void onFailure(String message) {
    consecutiveFailures++;
    Instant now = clock.instant();
    boolean repeat = message.equals(lastFailureMessage);
    if (!repeat || Duration.between(lastFailureLoggedAt, now).compareTo(REPEAT_LOG_EVERY) >= 0) {
      GpuTelemetry last = latest;
      String fallback = last == GpuTelemetry.EMPTY ? "no DCGM metrics read yet"
          : "keeping metrics from " + last.ageMillis(now) + " ms ago"
              + (last.isFresh(now, stalenessBound) ? "" : " (stale: decisions use the ledger alone)");
      LOG.warn("DCGM poll failed ({} in a row): {}; {}", consecutiveFailures, message, fallback);
      lastFailureMessage = message;
      lastFailureLoggedAt = now;
    }
  }

  private double ageSeconds() {
    GpuTelemetry t = latest;
    if (t == GpuTelemetry.EMPTY) {
      return Double.POSITIVE_INFINITY;
    }
    return t.ageMillis(clock.instant()) / 1000.0;
  }

  private void publishGpuGauges(GpuTelemetry telemetry) {
    List<MultiGauge.Row<?>> free = new ArrayList<>();
    List<MultiGauge.Row<?>> util = new ArrayList<>();
    List<MultiGauge.Row<?>> xid = new ArrayList<>();
    for (String node : telemetry.nodeNames()) {
      for (GpuSample s : telemetry.node(node)) {
        if (s == null) {
          continue;
        }
        Tags tags = Tags.of("node", node, "gpu", Integer.toString(s.index()));
        if (s.hasFreeMemory()) {
          free.add(MultiGauge.Row.of(tags, s.fbFreeMiB() * BYTES_PER_MIB));
        }
        if (!Double.isNaN(s.utilPct())) {
          util.add(MultiGauge.Row.of(tags, s.utilPct() / 100.0));
        }
        xid.add(MultiGauge.Row.of(tags, s.lastXid()));
      }
    }
    freeMemory.register(free, true);
    utilization.register(util, true);
    lastXid.register(xid, true);
  }
}
