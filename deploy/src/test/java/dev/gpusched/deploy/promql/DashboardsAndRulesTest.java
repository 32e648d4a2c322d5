package dev.gpusched.deploy.promql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.deploy.ProjectPaths;
import dev.gpusched.deploy.Yaml;
import dev.gpusched.extender.testing.ExternalTool;
import dev.gpusched.extender.testing.RequiresTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Grafana dashboard and the Prometheus rules: well-formed, valid PromQL, and only documented gpusched metrics. */
class DashboardsAndRulesTest {
  private static final Path DEPLOY = ProjectPaths.deploy();
  private static final Path DASHBOARD = DEPLOY.resolve("grafana/gpusched-dashboard.json");
  private static final Path RULES = DEPLOY.resolve("prometheus/gpusched-rules.yaml");
  private static final Path PROMETHEUS_RULE = DEPLOY.resolve("prometheus/prometheusrule.yaml");
  private static final Path CHART_RULES = DEPLOY.resolve("helm/gpusched/files/gpusched-rules.yaml");
  private static final Path RULE_TESTS = DEPLOY.resolve("prometheus/gpusched-rules.test.yaml");
  private static final String RUNBOOKS = "https://github.com/gpusched/gpusched/blob/main/deploy/README-deploy.md#";

  private static List<PromQlExpression> allExpressions() {
    List<PromQlExpression> all = new ArrayList<>(PromQlSources.fromDashboard(DASHBOARD));
    all.addAll(PromQlSources.fromRules(RULES));
    return all;
  }

  @Test
  void theDashboardHasEveryViewAskedFor() {
    List<String> titles = new ArrayList<>();
    for (PromQlExpression e : PromQlSources.fromDashboard(DASHBOARD)) {
      titles.add(e.origin());
    }
    String all = String.join("\n", titles);
    assertThat(all).contains("GPU allocation over time", "Per-node GPU map", "Free GPUs unusable by an N-GPU request",
        "Gang wait p50 / p99", "Extender latency p50 by verb", "Extender latency p99 by verb",
        "Filter rejections by reason", "GPUs per node and model, by state", "GPU utilization by GPU",
        "Free GPU memory by GPU", "Last XID by GPU", "Ledger conflicts");
  }

  @Test
  @SuppressWarnings("unchecked")
  void nodeModelAndGpuVariablesFilterThePanelsAndAllMeansEverything() throws IOException {
    Map<String, Object> dashboard = Yaml.readJson(DASHBOARD);
    List<String> names = new ArrayList<>();
    for (Map<String, Object> v : PromQlSources.queryVariables(dashboard)) {
      names.add((String) v.get("name"));
      assertThat(v).as("variable " + v.get("name")).containsEntry("includeAll", true).containsEntry("multi", true)
          .containsEntry("allValue", ".*");
    }
    assertThat(names).containsExactly("node", "model", "gpu");
    // A variable stands only where .* (All) or a|b (several) is valid: inside a regex matcher.
    String raw = Files.readString(DASHBOARD);
    for (String name : names) {
      java.util.regex.Matcher use = java.util.regex.Pattern.compile("\\$\\{?" + name + "\\b").matcher(raw);
      int uses = 0;
      while (use.find()) {
        uses++;
        assertThat(raw.substring(use.start() - 4, use.start())).as("use of $" + name).isEqualTo("=~\\\"");
      }
      assertThat(uses).as("$" + name + " is used").isGreaterThan(1);
    }
    // The table of GPUs per node and model has one row per node and model, not one per node.
    Map<String, Object> table = ((List<Map<String, Object>>) dashboard.get("panels")).stream()
        .filter(p -> "GPUs per node and model, by state".equals(p.get("title"))).findFirst().orElseThrow();
    String expr = (String) Yaml.at(((List<Object>) table.get("targets")).get(0), "expr");
    assertThat(expr).contains("by (node, model, state)", "\"node_model\"");
    assertThat(Yaml.toJson(table.get("transformations"))).contains("\"rowField\":\"node_model\"");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theDashboardTakesItsDatasourceFromAVariable() {
    Map<String, Object> dashboard = Yaml.readJson(DASHBOARD);
    List<Map<String, Object>> variables = (List<Map<String, Object>>) Yaml.at(dashboard, "templating.list");
    assertThat(variables).anySatisfy(v -> {
      assertThat(v.get("type")).isEqualTo("datasource");
      assertThat(v.get("name")).isEqualTo("datasource");
      assertThat(v.get("query")).isEqualTo("prometheus");
    });
    int queried = 0;
    for (Object p : (List<Object>) dashboard.get("panels")) {
      Map<String, Object> panel = (Map<String, Object>) p;
      if ("row".equals(panel.get("type"))) {
        continue;
      }
      queried++;
      assertThat(Yaml.at(panel, "datasource.uid")).as(panel.get("title") + " datasource").isEqualTo("${datasource}");
      for (Object t : (List<Object>) panel.get("targets")) {
        assertThat(Yaml.at(t, "datasource.uid")).as(panel.get("title") + " target datasource").isEqualTo("${datasource}");
      }
    }
    assertThat(queried).isGreaterThanOrEqualTo(15);
    assertThat(dashboard.get("uid")).isEqualTo("gpusched-overview");
    assertThat(dashboard).containsKeys("title", "schemaVersion", "panels", "time");
  }

  @Test
  void everyExpressionUsesOnlyDocumentedGpuschedMetrics() {
    Set<String> used = new LinkedHashSet<>();
    for (PromQlExpression e : allExpressions()) {
      Set<String> names = PromQlMetricNames.of(e.expr());
      assertThat(names).as(e.toString()).isNotEmpty();
      for (String name : names) {
        assertThat(DocumentedMetrics.GPUSCHED).as("metric %s in %s", name, e).contains(name);
      }
      used.addAll(names);
    }
    // every documented series (timers through their buckets) is shown or alerted on somewhere
    for (String documented : DocumentedMetrics.GPUSCHED) {
      if (documented.endsWith("_max") || documented.endsWith("_sum")) {
        continue;
      }
      if (documented.startsWith("gpusched_gang_wait_seconds_count")) {
        continue;
      }
      assertThat(used).as("documented metric shown or alerted on").contains(documented);
    }
  }

  @Test
  void grafanaIntervalVariablesAreTheOnlyVariablesInQueries() {
    for (PromQlExpression e : PromQlSources.fromDashboard(DASHBOARD)) {
      String runnable = PromQlSources.withGrafanaIntervals(e.expr(), "1m");
      assertThat(runnable).as(e.toString()).doesNotContain("$");
    }
  }

  @Test
  @RequiresTool("promtool")
  void theRulesAreValidForPromtool() throws Exception {
    assertThat(promtool("check", "rules", RULES.toString())).contains("SUCCESS: 10 rules found");
  }

  @Test
  @RequiresTool("promtool")
  @SuppressWarnings("unchecked")
  void theAlertsFireOnTheirFixturesAndOnlyThere() throws Exception {
    // promtool fails (exit 1) on any alert that fires when not expected, or does not fire when expected.
    assertThat(promtool("test", "rules", RULE_TESTS.toString())).contains("SUCCESS");
    Map<String, Object> tests = Yaml.readOne(RULE_TESTS);
    assertThat((List<Object>) tests.get("rule_files")).containsExactly("gpusched-rules.yaml");
    Set<String> firing = new LinkedHashSet<>();
    boolean allReplicasGone = false;
    for (Object t : (List<Object>) tests.get("tests")) {
      String inputs = Yaml.toJson(Yaml.at(t, "input_series"));
      for (Object check : (List<Object>) Yaml.at(t, "alert_rule_test")) {
        if (!((List<Object>) Yaml.at(check, "exp_alerts")).isEmpty()) {
          firing.add((String) Yaml.at(check, "alertname"));
          allReplicasGone |= "GpuschedNoLeader".equals(Yaml.at(check, "alertname")) && inputs.contains("stale");
        }
      }
    }
    assertThat(firing).contains("GpuschedNoLeader", "GpuschedLedgerConflict", "GpuschedDcgmStale");
    assertThat(allReplicasGone).as("a fixture where every replica's series ends fires GpuschedNoLeader").isTrue();
  }

  @Test
  @RequiresTool("promtool")
  void everyDashboardQueryIsValidPromQlForPromtool(@TempDir Path tmp) throws Exception {
    // promtool parses the expression of each recording rule: one rule per dashboard query checks its syntax.
    List<Map<String, Object>> rules = new ArrayList<>();
    int i = 0;
    for (PromQlExpression e : PromQlSources.fromDashboard(DASHBOARD)) {
      Map<String, Object> rule = new LinkedHashMap<>();
      rule.put("record", "dashboard:query_" + (i++));
      rule.put("expr", PromQlSources.withGrafanaIntervals(e.expr(), "1m"));
      rules.add(rule);
    }
    Path file = tmp.resolve("dashboard-queries.yaml");
    Files.writeString(file, Yaml.toYaml(Map.of("groups", List.of(Map.of("name", "dashboard", "rules", rules)))));
    assertThat(promtool("check", "rules", file.toString())).contains("SUCCESS: " + rules.size() + " rules found");
  }

  @Test
  void thePrometheusRuleAndTheChartCarryTheSameRules() throws IOException {
    Object plain = Yaml.readOne(RULES).get("groups");
    assertThat(Yaml.at(Yaml.readOne(PROMETHEUS_RULE), "spec.groups")).isEqualTo(plain);
    assertThat(Files.readString(CHART_RULES)).isEqualTo(Files.readString(RULES));
    assertThat(Yaml.readOne(PROMETHEUS_RULE).get("kind")).isEqualTo("PrometheusRule");
  }

  @Test
  void everyAlertSaysWhatIsWrong() throws IOException {
    Map<String, Object> document = Yaml.readOne(RULES);
    List<String> alerts = new ArrayList<>();
    for (Object g : (List<?>) document.get("groups")) {
      for (Object r : (List<?>) Yaml.at(g, "rules")) {
        alerts.add((String) Yaml.at(r, "alert"));
        assertThat(Yaml.at(r, "annotations.summary")).as("summary of " + Yaml.at(r, "alert")).isNotNull();
        assertThat(Yaml.at(r, "annotations.description")).as("description of " + Yaml.at(r, "alert")).isNotNull();
        assertThat(Yaml.at(r, "labels.severity")).as("severity of " + Yaml.at(r, "alert")).isNotNull();
        String alert = (String) Yaml.at(r, "alert");
        assertThat(Yaml.at(r, "annotations.runbook_url")).as("runbook of " + alert)
            .isEqualTo(RUNBOOKS + alert.toLowerCase(java.util.Locale.ROOT));
        assertThat(Files.readAllLines(DEPLOY.resolve("README-deploy.md"))).as("README-deploy.md runbook heading")
            .contains("#### " + alert);
      }
    }
    assertThat(alerts).contains("GpuschedExtenderFilterP99High", "GpuschedDcgmStale", "GpuschedGangStuck",
        "GpuschedLedgerDisagreement", "GpuschedLedgerConflict", "GpuschedNoLeader");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theScrapeConfigFindsEveryReplicaOnItsHealthPort() throws Exception {
    Path scrape = DEPLOY.resolve("prometheus/scrape-config.yaml");
    Map<String, Object> config = Yaml.readOne(scrape);
    Map<String, Object> job = ((List<Map<String, Object>>) config.get("scrape_configs")).get(0);
    assertThat(job).containsEntry("job_name", "gpusched").containsEntry("scheme", "http").containsEntry("metrics_path", "/metrics")
        .doesNotContainKey("tls_config");
    assertThat(Yaml.toJson(job.get("relabel_configs"))).contains("\"regex\":\"gpusched-metrics\"", "\"action\":\"keep\"",
        "\"source_labels\":[\"__meta_kubernetes_endpoint_port_name\"],\"regex\":\"health\"");
    assertThat((List<Object>) config.get("rule_files")).containsExactly("gpusched-rules.yaml");
    // Debian's Prometheus build leaves out Kubernetes service discovery; upstream builds have it.
    Path promtool = ExternalTool.PROMTOOL.require();
    Process process = new ProcessBuilder(promtool.toString(), "check", "config", "--syntax-only", scrape.toString())
        .redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    process.waitFor(60, TimeUnit.SECONDS);
    Assumptions.assumeFalse(output.contains("field kubernetes_sd_configs not found"),
        "this promtool is built without Kubernetes service discovery: " + output.trim());
    assertThat(process.exitValue()).as(output).isZero();
  }

  static String promtool(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(ExternalTool.PROMTOOL.require().toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("promtool did not finish: " + command);
    }
    assertThat(process.exitValue()).as("promtool " + String.join(" ", args) + " said:\n" + output).isZero();
    return output;
  }
}
