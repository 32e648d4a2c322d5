package dev.gpusched.deploy.promql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.deploy.ProjectPaths;
import dev.gpusched.extender.dcgm.DcgmSettings;
import dev.gpusched.extender.http.ServerLimits;
import dev.gpusched.extender.it.Standalone;
import dev.gpusched.extender.testing.FixtureHttpServer;
import dev.gpusched.extender.testing.RequiresTool;
import dev.gpusched.extender.testing.TestData;
import dev.gpusched.extender.kube.EmbeddedApiServer;
import dev.gpusched.extender.testing.PrometheusServer;
import io.fabric8.kubernetes.api.model.Pod;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every PromQL expression of the dashboard and the alert rules, run against a real Prometheus (Debian's package, on
 * 127.0.0.1) that scraped a running gpusched after some scheduling: any rejected query, and any metric name gpusched
 * does not export, fails the test.
 */
@RequiresTool("prometheus")
class LiveMetricsTest {
  private static final Path DEPLOY = ProjectPaths.deploy();

  @Test
  void dashboardsAndRulesOnlyUseMetricsGpuschedExports() throws Exception {
    // As deployed: gpusched polls a Prometheus that scrapes dcgm-exporter (here the DCGM samples in testdata), and a
    // Prometheus scrapes gpusched.
    try (FixtureHttpServer exporter = FixtureHttpServer.start()
            .serveFile("/gpu-node-a/metrics", TestData.path("dcgm/gpu-node-a-h100.prom"));
        PrometheusServer dcgmSource = PrometheusServer.start(List.of(exporter.url("/gpu-node-a/metrics")));
        Standalone gpusched = Standalone.start(EmbeddedApiServer.readClusterFile(DEPLOY.resolve("examples/cluster.yaml")),
            ServerLimits.DEFAULT, DcgmSettings.fromOptions(dcgmSource.url(), List.of(), "1s", "10s", "2s", null, null))) {
      schedule(gpusched);
      try (PrometheusServer prometheus = PrometheusServer.start(List.of(gpusched.base() + "/metrics"))) {
        prometheus.awaitSeries("gpusched_extender_request_seconds_count{verb=\"bind\"}", Duration.ofSeconds(30));
        // The per-GPU series exist once gpusched's DCGM poll has read telemetry from the source Prometheus, which must
        // first have scraped the exporter: wait for that chain rather than race it.
        prometheus.awaitSeries("gpusched_gpu_utilization_ratio", Duration.ofSeconds(60));
        PrometheusApi api = new PrometheusApi(URI.create(prometheus.url()));
        Set<String> scraped = api.metricNames();
        List<PromQlExpression> expressions = new ArrayList<>(PromQlSources.fromDashboard(DEPLOY.resolve("grafana/gpusched-dashboard.json")));
        expressions.addAll(PromQlSources.fromRules(DEPLOY.resolve("prometheus/gpusched-rules.yaml")));
        assertThat(expressions).hasSizeGreaterThan(20);
        assertThat(ExpressionCheck.problems(api, expressions, scraped)).isEmpty();
      }
    }
  }

  /** Filter, prioritize, preempt and bind a few pods so every verb's series exists. */
  private static void schedule(Standalone gpusched) throws Exception {
    List<String> nodes = List.of("dgx-h100-1", "dgx-h100-2", "pcie-a100-1", "l40s-1", "cpu-1", "ghost");
    for (int i = 0; i < 3; i++) {
      Pod pod = gpusched.create(Standalone.gpuPod("ml", "live-" + i, 2, Map.of()));
      String body = Standalone.filterBody(pod, nodes);
      gpusched.post("/scheduler/filter", body);
      gpusched.post("/scheduler/prioritize", body);
      assertThat(gpusched.bind(pod, "dgx-h100-2")).isEmpty();
    }
    gpusched.post("/scheduler/preempt", "{\"Pod\":" + Standalone.JSON.writeValueAsString(
        Standalone.JSON.readTree(Standalone.filterBody(Standalone.gpuPod("ml", "p", 8, Map.of()), nodes)).get("Pod"))
        + ",\"NodeNameToMetaVictims\":{\"dgx-h100-2\":{\"Pods\":[{\"UID\":\"x\"}],\"NumPDBViolations\":0}}}");
    gpusched.post("/scheduler/filter", "{malformed");
  }
}
