package dev.gpusched.extender.dcgm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpusched.extender.dcgm.DcgmQueryException.Kind;
import dev.gpusched.extender.testing.FixtureHttpServer;
import dev.gpusched.extender.testing.TestData;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The direct-scrape fallback against the DCGM samples in testdata, served locally. */
class DcgmTextScraperTest {

  @Test
  void scrapesEachExporterAndNotesTheOnesThatFail() throws Exception {
    try (FixtureHttpServer exporters = FixtureHttpServer.start()
        .serveFile("/node-b/metrics", TestData.path("dcgm/gpu-node-b-a100.prom"))) {
      DcgmTextScraper scraper = new DcgmTextScraper(
          List.of(exporters.url("/node-b/metrics"), exporters.url("/node-a/metrics")),
          Duration.ofSeconds(2), HostnameMapping.IDENTITY, Clock.systemUTC());
      GpuTelemetry t = scraper.fetch();
      assertThat(t.node("gpu-node-b")).hasSize(8);
      assertThat(t.node("gpu-node-a")).isNull();
      assertThat(t.problems()).singleElement().asString().contains("/node-a/metrics answered HTTP 404");

      exporters.remove("/node-b/metrics");
      assertThatThrownBy(scraper::fetch)
          .isInstanceOfSatisfying(DcgmQueryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.HTTP_STATUS))
          .hasMessageContaining("no dcgm-exporter could be read");
    }
  }

  @Test
  void rejectsUnusableUrls() {
    assertThatThrownBy(() -> new DcgmTextScraper(List.of(), Duration.ofSeconds(1), HostnameMapping.IDENTITY,
        Clock.systemUTC())).hasMessageContaining("no URL given");
    assertThatThrownBy(() -> new DcgmTextScraper(List.of("node:9400/metrics"), Duration.ofSeconds(1),
        HostnameMapping.IDENTITY, Clock.systemUTC())).hasMessageContaining("absolute http(s) URL");
  }
}
