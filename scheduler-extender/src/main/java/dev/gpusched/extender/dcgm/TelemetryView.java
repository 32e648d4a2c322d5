package dev.gpusched.extender.dcgm;

import java.time.Duration;
import java.time.Instant;

/**
 * The telemetry one decision may use: taken once per request, it hides metrics older than the staleness bound so
 * that every node is then decided by the ledger alone, and says so ({@link #stale()}, {@link #ageMillis()}).
 */
public final class TelemetryView {

  private final GpuTelemetry telemetry;
  private final boolean stale;
  private final long ageMillis;

  private TelemetryView(GpuTelemetry telemetry, boolean stale, long ageMillis) {
    this.telemetry = telemetry;
    this.stale = stale;
    this.ageMillis = ageMillis;
  }

  /** The view at {@code now}: usable only if {@code telemetry} is no older than {@code stalenessBound}. */
  public static TelemetryView of(GpuTelemetry telemetry, Instant now, Duration stalenessBound) {
    GpuTelemetry t = telemetry == null ? GpuTelemetry.EMPTY : telemetry;
    return new TelemetryView(t, !t.isFresh(now, stalenessBound), t.ageMillis(now));
  }

  /** True when decisions fall back to the ledger alone because metrics are stale or were never read. */
  public boolean stale() {
    return stale;
  }

  /** Age of the underlying metrics in ms; {@link Long#MAX_VALUE} when none were ever read. */
  public long ageMillis() {
    return ageMillis;
  }

  /** The telemetry behind this view, stale or not (for /inspect: show what was last seen). */
  public GpuTelemetry telemetry() {
    return telemetry;
  }

  /**
   * The node's GPU samples by index, or null when the decision must use the ledger alone (metrics stale, or no
   * DCGM data for this node).
   */
  public GpuSample[] node(String nodeName) {
    return stale ? null : telemetry.node(nodeName);
  }

  /** The sample for one GPU, or null when there is none to use. */
  public GpuSample gpu(String nodeName, int index) {
    GpuSample[] samples = node(nodeName);
    return samples == null || index < 0 || index >= samples.length ? null : samples[index];
  }
}
