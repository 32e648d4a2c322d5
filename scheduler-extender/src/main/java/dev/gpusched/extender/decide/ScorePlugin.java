package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;

/** How good a node that passed every filter is for a pod, 0 (worst) to 100 (best). Pure. */
public interface ScorePlugin {
  String name();

  int score(PodDemand demand, NodeGpuState node);
}
