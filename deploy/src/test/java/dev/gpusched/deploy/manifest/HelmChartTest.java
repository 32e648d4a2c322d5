package dev.gpusched.deploy.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import dev.gpusched.deploy.ProjectPaths;
import dev.gpusched.deploy.Yaml;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart, through helm-java (real Helm, in-process): it lints, and with its default values it renders the
 * same objects as the kustomization (kubectl kustomize's output, or the plain manifests it lists without kubectl).
 */
class HelmChartTest {
  private static final Path CHART = ProjectPaths.deploy().resolve("helm/gpusched");

  private static List<Map<String, Object>> render(String... keyValues) {
    TemplateCommand template = new Helm(CHART).template().withName("gpusched").withNamespace("gpusched-system");
    for (int i = 0; i < keyValues.length; i += 2) {
      template = template.set(keyValues[i], keyValues[i + 1]);
    }
    return Yaml.readAll(template.call(), "helm template " + CHART);
  }

  @Test
  void theChartLintsClean() {
    LintResult lint = new Helm(CHART).lint().strict().call();
    assertThat(lint.isFailed()).as("helm lint --strict: " + lint.getMessages()).isFalse();
  }

  @Test
  void withDefaultValuesTheChartRendersWhatKustomizeRenders() {
    Optional<List<Map<String, Object>>> kustomized = Manifests.kustomized();
    // Without kubectl, compare with the plain manifests the kustomization lists (it transforms nothing).
    List<Map<String, Object>> expected = kustomized.orElseGet(Manifests::listedObjects);
    List<Map<String, Object>> helm = render("createNamespace", "true");
    Map<String, Object> fromHelm = Manifests.byKey(helm);
    Map<String, Object> fromKustomize = Manifests.byKey(expected);
    assertThat(fromHelm.keySet()).containsExactlyElementsOf(fromKustomize.keySet());
    for (String key : fromKustomize.keySet()) {
      assertThat(fromHelm.get(key)).as(key + (kustomized.isPresent() ? " (vs kubectl kustomize)" : " (vs listed manifests)"))
          .isEqualTo(fromKustomize.get(key));
    }
  }

  @Test
  void withoutTlsGpuschedServesPlainHttpOn8888AndTheSchedulerFollows() {
    List<Map<String, Object>> objects = render("tls.enabled", "false");
    Map<String, Object> extender = extender(objects);
    assertThat(extender).containsEntry("urlPrefix", "http://gpusched.gpusched-system.svc:8888/scheduler")
        .containsEntry("enableHTTPS", false).doesNotContainKey("tlsConfig");
    String deployment = Yaml.toJson(Manifests.find(objects, "Deployment", "gpusched"));
    assertThat(deployment).contains("--port=8888", "\"scheme\":\"HTTP\"").doesNotContain("--tls-", "gpusched-tls");
    assertThat(Yaml.toJson(Manifests.find(objects, "Deployment", "gpusched-scheduler"))).doesNotContain("client-tls");
    assertThat(objects).noneMatch(o -> o.get("kind").equals("Namespace"));
  }

  @Test
  void valuesReachTheObjects() {
    List<Map<String, Object>> objects = render("image.repository", "registry.example/gpusched", "image.tag", "9.9.9",
        "replicas", "3", "prometheusUrl", "http://prom.example:9090",
        "topologyLabelKeys[0]", "zone", "topologyLabelKeys[1]", "rack");
    String deployment = Yaml.toJson(Manifests.find(objects, "Deployment", "gpusched"));
    assertThat(deployment).contains("\"image\":\"registry.example/gpusched:9.9.9\"", "\"replicas\":3",
        "--prometheus-url=http://prom.example:9090", "--topology-label-keys=zone,rack");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theOptionalPrometheusObjectsCarryTheRuleFile() {
    List<Map<String, Object>> objects = render("serviceMonitor.enabled", "true", "prometheusRule.enabled", "true");
    Map<String, Object> rule = Manifests.find(objects, "PrometheusRule", "gpusched");
    Object groups = Yaml.readOne(ProjectPaths.deploy().resolve("prometheus/gpusched-rules.yaml")).get("groups");
    assertThat(Yaml.at(rule, "spec.groups")).isEqualTo(groups);
    Map<String, Object> monitor = Manifests.find(objects, "ServiceMonitor", "gpusched");
    Map<String, Object> plain = Yaml.readOne(ProjectPaths.deploy().resolve("prometheus/servicemonitor.yaml"));
    assertThat(monitor.get("spec")).isEqualTo(plain.get("spec"));
    assertThat((Map<String, Object>) Yaml.at(Manifests.find(objects, "Service", "gpusched-metrics"), "metadata.labels"))
        .containsAllEntriesOf((Map<String, Object>) Yaml.at(monitor, "spec.selector.matchLabels"));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> extender(List<Map<String, Object>> objects) {
    return ((List<Map<String, Object>>) Manifests.schedulerConfiguration(objects).get("extenders")).get(0);
  }
}
