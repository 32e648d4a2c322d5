package dev.gpusched.extender.state;

import java.util.Map;

/**
 * What gpusched keeps of a Kubernetes Node: its GPU count, product and labels.
 *
 * @param gpuCount allocatable {@code nvidia.com/gpu} (0 for a node without GPUs)
 * @param product the GPU product label ({@code nvidia.com/gpu.product}), or "" when unknown
 * @param gpuMemoryMiB framebuffer of one GPU ({@code nvidia.com/gpu.memory}, MiB), or 0 when unknown
 * @param problem why the node's GPU data could not be used, or null (shown by /inspect; the node then offers no GPU)
 */
public record NodeInfo(
    String name, int gpuCount, String product, long gpuMemoryMiB, Map<String, String> labels,
    Map<String, String> annotations, boolean unschedulable, String problem) {}
