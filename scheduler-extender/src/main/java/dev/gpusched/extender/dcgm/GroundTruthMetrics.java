package dev.gpusched.extender.dcgm;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Exposes ledger-versus-DCGM disagreements ({@link GroundTruth}) as meters, so every one is counted and visible:
 * {@code gpusched_dcgm_disagreements{node}} (current, per node) and {@code gpusched_dcgm_disagreements_seen_total}
 * (each distinct disagreement counted once, when first seen). Call {@link #record} after each reconciliation.
 */
public final class GroundTruthMetrics {

  private final MultiGauge current;
  private final Counter seen;
  private Set<GroundTruth.Disagreement> previous = Set.of();

  public GroundTruthMetrics(MeterRegistry registry) {
    this.current = MultiGauge.builder("gpusched.dcgm.disagreements")
        .description("GPUs where gpusched's recorded holders differ from the pods dcgm-exporter observes")
        .register(registry);
    this.seen = Counter.builder("gpusched.dcgm.disagreements.seen")
        .description("Distinct ledger-versus-DCGM disagreements, counted when first seen").register(registry);
  }

  /**
   * Publishes the disagreements of one reconciliation over all nodes.
   *
   * @param nodes every node reconciled (nodes without disagreements report 0)
   * @param disagreements all disagreements found
   */
  public synchronized void record(Set<String> nodes, List<GroundTruth.Disagreement> disagreements) {
    Map<String, Integer> perNode = new TreeMap<>();
    for (String node : nodes) {
      perNode.put(node, 0);
    }
    Set<GroundTruth.Disagreement> now = new HashSet<>(disagreements);
    for (GroundTruth.Disagreement d : disagreements) {
      perNode.merge(d.node(), 1, Integer::sum);
      if (!previous.contains(d)) {
        seen.increment();
      }
    }
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    perNode.forEach((node, count) -> rows.add(MultiGauge.Row.of(Tags.of("node", node), count)));
    current.register(rows, true);
    previous = now;
  }
}
