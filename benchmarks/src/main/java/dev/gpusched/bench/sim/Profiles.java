package dev.gpusched.bench.sim;

import dev.gpusched.extender.decide.WorkloadProfile;
import java.util.List;

/**
 * The workload profile the simulator hands gpusched: the GPU demands (their CPU and allowed GPU models, {@code gpu_spec})
 * of the trace's pod list, by count.
 */
public final class Profiles {
  private Profiles() {}

  /** One observation per GPU pod of the list; pods without GPUs are left out. */
  public static WorkloadProfile of(List<TracePod> pods) {
    WorkloadProfile.Builder b = WorkloadProfile.builder();
    boolean any = false;
    for (TracePod p : pods) {
      if (p.numGpu() > 0) {
        b.add(p.numGpu(), p.gpuMilli(), p.cpuMilli(), p.allowedModels(), 1);
        any = true;
      }
    }
    if (!any) {
      b.add(1, 1000, 1); // a trace without GPU pods: any profile will do
    }
    return b.build();
  }
}
