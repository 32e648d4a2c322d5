package dev.gpusched.bench.sim;

import java.util.List;

/** A cluster and its pod list, as read from an openb-format trace. */
public record Trace(List<TraceNode> nodes, List<TracePod> pods) {
  public long totalGpuMilli() {
    long sum = 0;
    for (TraceNode n : nodes) {
      sum += n.gpus() * 1000L;
    }
    return sum;
  }
}
