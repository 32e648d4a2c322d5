/**
 * NVIDIA DCGM metrics as gpusched's second opinion: observed free memory, utilization, XID health and which pod holds
 * which GPU, read from dcgm-exporter through Prometheus's HTTP API (or, as a fallback, by scraping dcgm-exporter).
 *
 * <p>Flow: {@link dev.gpusched.extender.dcgm.DcgmSettings} (the serve options) builds a
 * {@link dev.gpusched.extender.dcgm.DcgmSource} ({@link dev.gpusched.extender.dcgm.PrometheusDcgmClient} or
 * {@link dev.gpusched.extender.dcgm.DcgmTextScraper}) and a {@link dev.gpusched.extender.dcgm.DcgmPoller}, which
 * polls in the background and publishes immutable {@link dev.gpusched.extender.dcgm.GpuTelemetry}. Decisions take a
 * {@link dev.gpusched.extender.dcgm.TelemetryView} once per request (stale metrics are hidden, so the ledger decides
 * alone) and apply the pure rules {@link dev.gpusched.extender.dcgm.MemoryFit} and
 * {@link dev.gpusched.extender.dcgm.HealthRules}. {@link dev.gpusched.extender.dcgm.GroundTruth} reconciles the
 * ledger's recorded GPU ids with the pods dcgm-exporter observes.
 */
package dev.gpusched.extender.dcgm;
