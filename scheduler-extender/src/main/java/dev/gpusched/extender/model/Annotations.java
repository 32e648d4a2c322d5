package dev.gpusched.extender.model;

/** The {@code gpusched.dev/*} contract: annotation keys, resource names and the labels gpusched reads. */
public final class Annotations {
  public static final String PREFIX = "gpusched.dev/";
  /** Written by gpusched at bind: comma-separated GPU indices on the bound node, e.g. {@code "2,3"}. */
  public static final String GPU_IDS = PREFIX + "gpu-ids";
  /** Framebuffer each GPU of the pod needs, a Kubernetes quantity such as {@code 20Gi}. */
  public static final String GPU_MEMORY = PREFIX + "gpu-memory";
  /** {@code nvlink} | {@code prefer-nvlink} (default) | {@code numa} | {@code any}. */
  public static final String INTRA_NODE = PREFIX + "intra-node";
  /** {@code binpack} (default) | {@code spread}. */
  public static final String PLACEMENT = PREFIX + "placement";
  /** Allowed GPU products, {@code |}-separated, matched case-insensitively against the node's product label. */
  public static final String GPU_MODEL = PREFIX + "gpu-model";
  /** Node annotation: the node's GPU interconnect ({@code nvidia-smi topo -m} text or the compact form). */
  public static final String GPU_TOPOLOGY = PREFIX + "gpu-topology";
  /** Gang keys: defined once, by the gang module ({@link dev.gpusched.gang.GangAnnotations}). */
  public static final String GANG = dev.gpusched.gang.GangAnnotations.GANG;
  public static final String GANG_SIZE = dev.gpusched.gang.GangAnnotations.GANG_SIZE;
  public static final String GANG_TIMEOUT = dev.gpusched.gang.GangAnnotations.GANG_TIMEOUT;
  public static final String INTER_NODE = dev.gpusched.gang.GangAnnotations.INTER_NODE;

  /** Whole GPUs, advertised by NVIDIA's device plugin. */
  public static final String RESOURCE_GPU = "nvidia.com/gpu";
  /** A share of one GPU in thousandths (1..1000). */
  public static final String RESOURCE_GPU_MILLI = PREFIX + "gpu-milli";

  /** GPU feature discovery labels. */
  public static final String LABEL_GPU_PRODUCT = "nvidia.com/gpu.product";
  public static final String LABEL_GPU_COUNT = "nvidia.com/gpu.count";
  public static final String LABEL_GPU_MEMORY = "nvidia.com/gpu.memory";

  private Annotations() {}
}
