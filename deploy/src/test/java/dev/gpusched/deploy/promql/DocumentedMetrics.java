package dev.gpusched.deploy.promql;

import java.util.Set;

/**
 * The series names gpusched documents that it exports (README-deploy.md's metrics table), as Prometheus sees them:
 * Micrometer timers with histograms appear as _bucket, _count, _sum (and _max). The dashboards and rules may use only
 * these; the live test compares them with what a real scrape of gpusched holds.
 */
public final class DocumentedMetrics {
  /** Series names Prometheus itself adds to every scrape target. */
  public static final Set<String> SCRAPE_SERIES = Set.of("up", "scrape_duration_seconds", "scrape_samples_scraped",
      "scrape_samples_post_metric_relabeling", "scrape_series_added");

  /** Every documented gpusched series name. */
  public static final Set<String> GPUSCHED = Set.of(
      "gpusched_extender_request_seconds_bucket",
      "gpusched_extender_request_seconds_count",
      "gpusched_extender_request_seconds_sum",
      "gpusched_extender_request_seconds_max",
      "gpusched_filter_rejections_total",
      "gpusched_node_gpus",
      "gpusched_fragmented_gpus",
      "gpusched_gangs",
      "gpusched_gang_wait_seconds_bucket",
      "gpusched_gang_wait_seconds_count",
      "gpusched_gang_wait_seconds_sum",
      "gpusched_gang_wait_seconds_max",
      "gpusched_gang_timeouts_total",
      "gpusched_gang_replans_total",
      "gpusched_reserved_gpus",
      "gpusched_dcgm_metrics_age_seconds",
      "gpusched_dcgm_stale",
      "gpusched_ledger_disagreements",
      "gpusched_ledger_conflicts",
      "gpusched_gpu_utilization_ratio",
      "gpusched_gpu_observed_free_memory_bytes",
      "gpusched_gpu_last_xid",
      "gpusched_bind_total",
      "gpusched_verdicts_total",
      "gpusched_ready",
      "gpusched_leader");

  private DocumentedMetrics() {}
}
