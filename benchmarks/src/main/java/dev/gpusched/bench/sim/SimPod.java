package dev.gpusched.bench.sim;

import dev.gpusched.topology.IntraNodePolicy;
import dev.gpusched.extender.model.Placement;
import dev.gpusched.extender.model.PodDemand;

/** A trace pod with the {@link PodDemand} gpusched's plugins read (its CPU request included), built once per trace pod. */
public record SimPod(TracePod trace, PodDemand demand) {
  public static SimPod of(TracePod p, int index) {
    boolean shared = p.isShared();
    PodDemand d = new PodDemand("trace", p.name(), "pod-" + index, shared ? 0 : p.numGpu(), shared ? p.gpuMilli() : 0, 0,
        IntraNodePolicy.PREFER_NVLINK, Placement.BINPACK, p.allowedModels(), p.cpuMilli());
    return new SimPod(p, d);
  }
}
