package dev.gpusched.extender.dcgm;

/**
 * What dcgm-exporter last reported for one GPU, as read through Prometheus.
 *
 * <p>Unknown values are explicit rather than zero so that decisions can tell "no data" from "empty":
 * {@code fbUsedMiB}/{@code fbFreeMiB} are {@link #UNKNOWN_MIB} when the series was absent or not a number,
 * {@code utilPct} is {@code NaN} when unknown, {@code lastXid} is 0 when no XID was reported.
 *
 * @param index GPU index as dcgm-exporter labels it ({@code gpu}), the same index gpusched records in gpusched.dev/gpu-ids
 * @param uuid GPU UUID ({@code UUID} label), or null when the exporter did not label it
 * @param modelName {@code modelName} label, or null
 * @param fbUsedMiB DCGM_FI_DEV_FB_USED in MiB, or {@link #UNKNOWN_MIB}
 * @param fbFreeMiB DCGM_FI_DEV_FB_FREE in MiB, or {@link #UNKNOWN_MIB}
 * @param utilPct DCGM_FI_DEV_GPU_UTIL in percent (0..100), or NaN
 * @param lastXid DCGM_FI_DEV_XID_ERRORS: the last XID error the GPU reported, 0 for none
 * @param podNamespace namespace of the pod dcgm-exporter attributes the GPU to, or null when unlabelled
 * @param podName name of that pod, or null when unlabelled
 */
public record GpuSample(
    int index,
    String uuid,
    String modelName,
    long fbUsedMiB,
    long fbFreeMiB,
    double utilPct,
    int lastXid,
    String podNamespace,
    String podName) {

  /** Marks a memory figure that was not reported (absent series or a non-numeric value). */
  public static final long UNKNOWN_MIB = -1L;

  /** True when dcgm-exporter reported free framebuffer memory for this GPU. */
  public boolean hasFreeMemory() {
    return fbFreeMiB >= 0;
  }

  /** The pod as "namespace/name", or null when dcgm-exporter did not attribute the GPU to a pod. */
  public String podKey() {
    return podName == null ? null : podNamespace + "/" + podName;
  }
}
