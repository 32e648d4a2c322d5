package dev.gpusched.extender.dcgm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DcgmSettingsTest {

  @Test
  void defaultsAndLedgerAloneWithoutAUrl() {
    DcgmSettings s = DcgmSettings.fromOptions(null, null, null, null, null, null, null);
    assertThat(s.enabled()).isFalse();
    assertThat(s.source(Clock.systemUTC())).isNull();
    assertThat(s.poller(new SimpleMeterRegistry(), t -> { }, Clock.systemUTC())).isNull();
    assertThat(s.pollInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.staleness()).isEqualTo(Duration.ofSeconds(60));
    assertThat(s.requestTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(s.health().fatalXids()).isEqualTo(HealthRules.DEFAULT_FATAL_XIDS);
  }

  @Test
  void prometheusWinsOverTheDirectScrape() {
    DcgmSettings s = DcgmSettings.fromOptions("http://prometheus:9090", List.of("http://n:9400/metrics"),
        "10s", "1m", "500ms", "strip-domain", "79");
    assertThat(s.enabled()).isTrue();
    assertThat(s.source(Clock.systemUTC())).isInstanceOf(PrometheusDcgmClient.class);
    assertThat(s.health().isFatal(48)).isFalse();
    assertThat(s.hostnames().nodeName("a.b")).isEqualTo("a");
    DcgmSettings scrape = DcgmSettings.fromOptions(" ", List.of("http://n:9400/metrics"), null, null, null, null,
        null);
    assertThat(scrape.source(Clock.systemUTC())).isInstanceOf(DcgmTextScraper.class);
  }

  @Test
  void durations() {
    assertThat(DcgmSettings.parseDuration("x", "500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(DcgmSettings.parseDuration("x", "1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(DcgmSettings.parseDuration("x", "2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(DcgmSettings.parseDuration("x", "PT30S")).isEqualTo(Duration.ofSeconds(30));
    assertThatThrownBy(() -> DcgmSettings.parseDuration("--dcgm-staleness", "30"))
        .hasMessageContaining("--dcgm-staleness '30' is not a duration");
    assertThatThrownBy(() -> DcgmSettings.parseDuration("--dcgm-poll-interval", "0s"))
        .hasMessageContaining("must be positive");
  }

  @Test
  void stalenessShorterThanThePollIntervalIsRejected() {
    assertThatThrownBy(() -> DcgmSettings.fromOptions("http://p:9090", null, "10s", "5s", null, null, null))
        .hasMessageContaining("shorter than --dcgm-poll-interval");
  }
}
