package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;

/** How good a node that passed every filter is for a pod, 0 (worst) to 100 (best). Pure. */
public interface ScorePlugin {
  String name();

  int score(PodDemand demand, NodeGpuState node);

  /**
   * Changes whenever this plugin's score for an unchanged node and demand may change (e.g. a new workload profile);
   * constant for a plugin that reads only the node and the demand. The pipeline memoises verdicts under it.
   */
  default int inputsVersion() {
    return 0;
  }
}
