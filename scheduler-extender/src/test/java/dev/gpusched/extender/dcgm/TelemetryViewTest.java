package dev.gpusched.extender.dcgm;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TelemetryViewTest {

  private static final Instant T0 = Instant.parse("2026-11-28T12:00:00Z");
  private static final Duration BOUND = Duration.ofSeconds(30);

  private static GpuTelemetry telemetryAt(Instant at) {
    GpuSample s = new GpuSample(1, "GPU-1", "m", 10, 20, 50, 0, null, null);
    return new GpuTelemetry(at, Map.of("n", new GpuSample[] {null, s}), Map.of(), List.of());
  }

  @Test
  void freshTelemetryIsUsable() {
    TelemetryView v = TelemetryView.of(telemetryAt(T0), T0.plusSeconds(30), BOUND);
    assertThat(v.stale()).isFalse();
    assertThat(v.ageMillis()).isEqualTo(30_000);
    assertThat(v.gpu("n", 1).fbFreeMiB()).isEqualTo(20);
    assertThat(v.gpu("n", 0)).isNull();
    assertThat(v.gpu("n", 7)).isNull();
    assertThat(v.node("other")).isNull();
  }

  @Test
  void staleTelemetryHidesEveryNodeSoTheLedgerDecides() {
    GpuTelemetry t = telemetryAt(T0);
    TelemetryView v = TelemetryView.of(t, T0.plusMillis(30_001), BOUND);
    assertThat(v.stale()).isTrue();
    assertThat(v.node("n")).isNull();
    assertThat(v.telemetry()).isSameAs(t);
  }

  @Test
  void noTelemetryEverIsStale() {
    TelemetryView v = TelemetryView.of(GpuTelemetry.EMPTY, T0, BOUND);
    assertThat(v.stale()).isTrue();
    assertThat(v.ageMillis()).isEqualTo(Long.MAX_VALUE);
    assertThat(TelemetryView.of(null, T0, BOUND).stale()).isTrue();
  }

  @Test
  void byNodeListsSamplesWithoutGaps() {
    assertThat(telemetryAt(T0).byNode().get("n")).extracting(GpuSample::index).containsExactly(1);
  }

  @Test
  void telemetryFromSamplesInHand() {
    GpuSample a = new GpuSample(3, "GPU-3", "m", 1, 2, 3, 0, "ml", "p");
    GpuTelemetry t = GpuTelemetry.of(T0, Map.of("n", List.of(a)));
    assertThat(t.node("n")).hasSize(4);
    assertThat(t.node("n")[3]).isSameAs(a);
    assertThat(t.observedPods("n")).isEqualTo(Map.of(3, java.util.Set.of("ml/p")));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> GpuTelemetry.of(T0, Map.of("n", List.of(a, a))))
        .hasMessageContaining("GPU 3 is listed twice");
  }
}
