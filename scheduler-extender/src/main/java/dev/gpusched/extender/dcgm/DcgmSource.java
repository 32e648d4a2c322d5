package dev.gpusched.extender.dcgm;

/** Somewhere DCGM metrics can be read from: Prometheus's HTTP API, or a direct scrape of dcgm-exporter. */
public interface DcgmSource {

  /**
   * Reads the current metrics for every node. Blocking I/O; call only from the poller, never the filter path.
   *
   * @throws DcgmQueryException when nothing usable came back; its message says what was wrong
   */
  GpuTelemetry fetch() throws DcgmQueryException;

  /** Where this source reads from, for log lines (e.g. "Prometheus at http://127.0.0.1:9090"). */
  String describe();
}
