package dev.gpusched.extender.dcgm;

/** The four dcgm-exporter metrics gpusched reads, and the label names it keys them by. */
public enum DcgmMetric {
  FB_USED("DCGM_FI_DEV_FB_USED"),
  FB_FREE("DCGM_FI_DEV_FB_FREE"),
  GPU_UTIL("DCGM_FI_DEV_GPU_UTIL"),
  XID_ERRORS("DCGM_FI_DEV_XID_ERRORS");

  public static final String LABEL_HOSTNAME = "Hostname";
  public static final String LABEL_GPU = "gpu";
  public static final String LABEL_UUID = "UUID";
  public static final String LABEL_MODEL = "modelName";
  public static final String LABEL_POD = "pod";
  public static final String LABEL_NAMESPACE = "namespace";

  /** One PromQL selector for all four metrics, so a poll is one round trip and one consistent evaluation time. */
  public static final String SELECTOR =
      "{__name__=~\"DCGM_FI_DEV_FB_USED|DCGM_FI_DEV_FB_FREE|DCGM_FI_DEV_GPU_UTIL|DCGM_FI_DEV_XID_ERRORS\"}";

  private final String promName;

  DcgmMetric(String promName) {
    this.promName = promName;
  }

  /** The metric name as dcgm-exporter exposes it. */
  public String promName() {
    return promName;
  }

  /** The metric for a Prometheus metric name, or null when it is not one gpusched reads. */
  public static DcgmMetric byName(String name) {
    if (name == null) {
      return null;
    }
    switch (name) {
      case "DCGM_FI_DEV_FB_USED":
        return FB_USED;
      case "DCGM_FI_DEV_FB_FREE":
        return FB_FREE;
      case "DCGM_FI_DEV_GPU_UTIL":
        return GPU_UTIL;
      case "DCGM_FI_DEV_XID_ERRORS":
        return XID_ERRORS;
      default:
        return null;
    }
  }
}
