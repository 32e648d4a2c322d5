package dev.gpusched.extender.dcgm;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GroundTruthMetricsTest {

  @Test
  void countsEachDisagreementOnceAndShowsTheCurrentOnesPerNode() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    GroundTruthMetrics metrics = new GroundTruthMetrics(registry);
    List<GroundTruth.Disagreement> swapped = GroundTruth.compare("gpu-node-b",
        Map.of(2, Set.of("ml/b"), 3, Set.of("ml/a")),
        Map.of(2, Set.of("ml/a"), 3, Set.of("ml/b"))).disagreements();

    metrics.record(Set.of("gpu-node-a", "gpu-node-b"), swapped);
    metrics.record(Set.of("gpu-node-a", "gpu-node-b"), swapped);

    assertThat(registry.get("gpusched.dcgm.disagreements").tag("node", "gpu-node-b").gauge().value()).isEqualTo(2);
    assertThat(registry.get("gpusched.dcgm.disagreements").tag("node", "gpu-node-a").gauge().value()).isZero();
    assertThat(registry.get("gpusched.dcgm.disagreements.seen").counter().count()).isEqualTo(2);

    metrics.record(Set.of("gpu-node-a", "gpu-node-b"), List.of());
    assertThat(registry.get("gpusched.dcgm.disagreements").tag("node", "gpu-node-b").gauge().value()).isZero();
    assertThat(registry.scrape()).contains("gpusched_dcgm_disagreements_seen_total 2")
        .contains("gpusched_dcgm_disagreements{node=\"gpu-node-b\"} 0");
  }
}
