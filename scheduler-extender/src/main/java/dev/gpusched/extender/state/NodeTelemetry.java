package dev.gpusched.extender.state;

import dev.gpusched.extender.dcgm.GpuSample;
import dev.gpusched.extender.dcgm.HealthRules;
import java.util.Map;
import java.util.Set;

/**
 * What DCGM says of one node's GPUs, fresh enough to decide on: per-GPU samples (index-addressed, entries may be null),
 * the pods dcgm-exporter sees on each GPU, and the rules that make an XID fatal.
 */
public record NodeTelemetry(GpuSample[] samples, Map<Integer, Set<String>> observedPods, HealthRules health) {
  public GpuSample sample(int gpu) {
    return gpu < samples.length ? samples[gpu] : null;
  }
}
