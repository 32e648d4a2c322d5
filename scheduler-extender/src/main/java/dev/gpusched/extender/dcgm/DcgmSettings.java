package dev.gpusched.extender.dcgm;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The DCGM options of {@code serve}, validated once: where to read metrics, how often, when they count as stale,
 * how hostnames map to nodes, which XIDs are fatal. Without a Prometheus URL or exporter URLs gpusched runs on its
 * ledger alone ({@link #enabled()} is false).
 *
 * @param prometheusUrl {@code --prometheus-url}, or null
 * @param exporterUrls {@code --dcgm-scrape-url} (direct scrape fallback, used only without a Prometheus URL)
 * @param pollInterval {@code --dcgm-poll-interval}
 * @param staleness {@code --dcgm-staleness}: older metrics are ignored and decisions use the ledger alone
 * @param requestTimeout {@code --dcgm-request-timeout}: bound on one HTTP request
 * @param hostnames {@code --dcgm-hostname-map}
 * @param health {@code --fatal-xids}
 */
public record DcgmSettings(
    String prometheusUrl,
    List<String> exporterUrls,
    Duration pollInterval,
    Duration staleness,
    Duration requestTimeout,
    HostnameMapping hostnames,
    HealthRules health) {

  public static final String DEFAULT_POLL_INTERVAL = "5s";
  public static final String DEFAULT_STALENESS = "60s";
  public static final String DEFAULT_REQUEST_TIMEOUT = "2s";

  public DcgmSettings {
    exporterUrls = exporterUrls == null ? List.of() : List.copyOf(exporterUrls);
    if (staleness.compareTo(pollInterval) < 0) {
      throw new IllegalArgumentException("--dcgm-staleness " + staleness.toMillis()
          + " ms is shorter than --dcgm-poll-interval " + pollInterval.toMillis()
          + " ms: metrics would turn stale between polls; use a staleness of a few poll intervals");
    }
  }

  /**
   * Builds settings from the option texts; null or blank texts take the defaults.
   *
   * @throws IllegalArgumentException naming the option and what a valid value looks like
   */
  public static DcgmSettings fromOptions(String prometheusUrl, List<String> exporterUrls, String pollInterval,
      String staleness, String requestTimeout, String hostnameMap, String fatalXids) {
    String url = prometheusUrl == null || prometheusUrl.isBlank() ? null : prometheusUrl.trim();
    return new DcgmSettings(url, exporterUrls,
        parseDuration("--dcgm-poll-interval", orDefault(pollInterval, DEFAULT_POLL_INTERVAL)),
        parseDuration("--dcgm-staleness", orDefault(staleness, DEFAULT_STALENESS)),
        parseDuration("--dcgm-request-timeout", orDefault(requestTimeout, DEFAULT_REQUEST_TIMEOUT)),
        HostnameMapping.parse(hostnameMap),
        HealthRules.parse(fatalXids == null ? HealthRules.DEFAULT_FATAL_XIDS : fatalXids));
  }

  /** True when DCGM metrics are read at all. */
  public boolean enabled() {
    return prometheusUrl != null || !exporterUrls.isEmpty();
  }

  /** The source to poll: Prometheus when a URL is set, else the direct scrape; null when disabled. */
  public DcgmSource source(Clock clock) {
    if (prometheusUrl != null) {
      return new PrometheusDcgmClient(prometheusUrl, requestTimeout, hostnames, clock);
    }
    if (!exporterUrls.isEmpty()) {
      return new DcgmTextScraper(exporterUrls, requestTimeout, hostnames, clock);
    }
    return null;
  }

  /** A poller (not started) for {@link #source}, or null when disabled. */
  public DcgmPoller poller(MeterRegistry registry, Consumer<GpuTelemetry> listener, Clock clock) {
    DcgmSource source = source(clock);
    return source == null ? null : new DcgmPoller(source, pollInterval, staleness, registry, listener, clock);
  }

  /**
   * Parses a duration such as "500ms", "5s", "2m", "1h" or ISO-8601 "PT5S"; it must be positive.
   *
   * @throws IllegalArgumentException naming {@code option}
   */
  public static Duration parseDuration(String option, String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    Duration d;
    try {
      if (t.startsWith("pt")) {
        d = Duration.parse(t.toUpperCase(Locale.ROOT));
      } else if (t.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      } else if (t.endsWith("s")) {
        d = Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
      } else if (t.endsWith("m")) {
        d = Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)) * 60);
      } else if (t.endsWith("h")) {
        d = Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
      } else {
        throw new NumberFormatException("no unit");
      }
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new IllegalArgumentException(option + " '" + text
          + "' is not a duration; write a number with a unit: 500ms, 5s, 2m, 1h");
    }
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(option + " '" + text + "' must be positive");
    }
    return d;
  }

  private static String orDefault(String value, String fallback) {
    return value == null || value.isBlank() ? fallback : value;
  }
}
