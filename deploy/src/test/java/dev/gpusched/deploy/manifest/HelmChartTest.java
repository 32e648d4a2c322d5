package dev.gpusched.deploy.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import dev.gpusched.deploy.ProjectPaths;
import dev.gpusched.deploy.Yaml;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart, through helm-java (real Helm, in-process): it lints; it refuses clusters older than 1.25; with its
 * default values it renders the same
 * objects as the kustomization (kubectl kustomize's output, or the plain manifests it lists without kubectl) apart from
 * what only a release has (its labels, the configuration checksum, the kube-scheduler tag that follows the cluster);
 * and each value reaches the objects it is for.
 */
class HelmChartTest {
  private static final Path CHART = ProjectPaths.deploy().resolve("helm/gpusched");
  /**
   * helm-java's template has no --kube-version, and its cluster is Helm's default, v1.20.0, which the chart refuses
   * (tested below): the other tests render a copy whose Chart.yaml leaves the kubeVersion constraint out.
   */
  private static final Path RENDERED = copyWithoutKubeVersion();
  /** Labels and annotations only a Helm release carries. */
  private static final List<String> RELEASE_ONLY = List.of("app.kubernetes.io/instance", "app.kubernetes.io/managed-by",
      "app.kubernetes.io/version", "helm.sh/chart", "checksum/scheduler-config");

  static List<Map<String, Object>> render(String... keyValues) {
    TemplateCommand template = new Helm(RENDERED).template().withName("gpusched").withNamespace("gpusched-system");
    for (int i = 0; i < keyValues.length; i += 2) {
      template = template.set(keyValues[i], keyValues[i + 1]);
    }
    return Yaml.readAll(template.call(), "helm template " + CHART);
  }

  private static Path copyWithoutKubeVersion() {
    try {
      Path copy = java.nio.file.Files.createTempDirectory("gpusched-chart").resolve("gpusched");
      try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(CHART)) {
        for (Path f : files.toList()) {
          Path target = copy.resolve(CHART.relativize(f).toString());
          if (java.nio.file.Files.isDirectory(f)) {
            java.nio.file.Files.createDirectories(target);
          } else {
            java.nio.file.Files.copy(f, target);
          }
        }
      }
      Path chart = copy.resolve("Chart.yaml");
      java.nio.file.Files.writeString(chart, java.nio.file.Files.readString(chart).replaceAll("(?m)^kubeVersion:.*\\n", ""));
      return copy;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void theChartRefusesAClusterOlderThan125() {
    assertThat(Yaml.readOne(CHART.resolve("Chart.yaml"))).containsEntry("kubeVersion", ">=1.25.0-0");
    assertThatThrownBy(() -> new Helm(CHART).template().withName("gpusched").withNamespace("gpusched-system").call())
        .hasMessageContaining("chart requires kubeVersion: >=1.25.0-0 which is incompatible with Kubernetes v1.20.0");
  }

  @Test
  void theChartLintsClean() {
    LintResult lint = new Helm(CHART).lint().strict().call();
    assertThat(lint.isFailed()).as("helm lint --strict: " + lint.getMessages()).isFalse();
  }

  @Test
  void withDefaultValuesTheChartRendersWhatKustomizeRendersBesidesTheRelease() {
    Optional<List<Map<String, Object>>> kustomized = Manifests.kustomized();
    // Without kubectl, compare with the plain manifests the kustomization lists (it transforms nothing).
    List<Map<String, Object>> expected = kustomized.orElseGet(Manifests::listedObjects);
    List<Map<String, Object>> helm = render("createNamespace", "true", "scheduler.image.tag", "v1.32.4");
    Map<String, Object> fromHelm = Manifests.byKey(withoutRelease(helm));
    Map<String, Object> fromKustomize = Manifests.byKey(expected);
    assertThat(fromHelm.keySet()).containsExactlyElementsOf(fromKustomize.keySet());
    for (String key : fromKustomize.keySet()) {
      assertThat(fromHelm.get(key)).as(key + (kustomized.isPresent() ? " (vs kubectl kustomize)" : " (vs listed manifests)"))
          .isEqualTo(fromKustomize.get(key));
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyObjectCarriesTheReleaseLabelsAndSelectorsNone() {
    for (Map<String, Object> object : render("createNamespace", "true")) {
      Map<String, Object> labels = (Map<String, Object>) Yaml.at(object, "metadata.labels");
      assertThat(labels).as(Manifests.key(object)).containsEntry("app.kubernetes.io/instance", "gpusched")
          .containsEntry("app.kubernetes.io/managed-by", "Helm").containsEntry("app.kubernetes.io/version", "0.1.0")
          .containsEntry("helm.sh/chart", "gpusched-0.1.0").containsEntry("app.kubernetes.io/part-of", "gpusched");
      Object selector = object.get("kind").equals("Service") ? Yaml.at(object, "spec.selector")
          : Yaml.at(object, "spec.selector.matchLabels");
      if (selector != null) {
        assertThat(Yaml.toJson(selector)).as(Manifests.key(object) + " selector").doesNotContain("instance", "version");
      }
    }
  }

  @Test
  void theSchedulerImageFollowsTheClustersVersionUnlessATagIsGiven() {
    // helm template's cluster is Helm's built-in default, v1.20.0 (see above); an install reads the API server's.
    assertThat(container(render(), "gpusched-scheduler")).containsEntry("image", "registry.k8s.io/kube-scheduler:v1.20.0");
    Map<String, Object> pinned = container(render("scheduler.image.repository", "mirror.example/kube-scheduler",
        "scheduler.image.tag", "v1.30.4", "scheduler.image.pullPolicy", "Always"), "gpusched-scheduler");
    assertThat(pinned).containsEntry("image", "mirror.example/kube-scheduler:v1.30.4").containsEntry("imagePullPolicy", "Always");
  }

  @Test
  void aChangedSchedulerConfigurationRollsTheScheduler() {
    String before = schedulerChecksum(render());
    assertThat(before).matches("[0-9a-f]{64}");
    assertThat(schedulerChecksum(render())).isEqualTo(before);
    assertThat(schedulerChecksum(render("scheduler.weight", "7"))).isNotEqualTo(before);
    assertThat(schedulerChecksum(render("scheduler.httpTimeout", "15s"))).isNotEqualTo(before);
    assertThat(schedulerChecksum(render("tls.enabled", "false"))).isNotEqualTo(before);
    assertThat(schedulerChecksum(render("replicas", "3"))).as("a value outside the configuration").isEqualTo(before);
  }

  @Test
  void withoutTlsGpuschedServesPlainHttpOn8888AndTheSchedulerFollows() {
    List<Map<String, Object>> objects = render("tls.enabled", "false");
    Map<String, Object> extender = extender(objects);
    assertThat(extender).containsEntry("urlPrefix", "http://gpusched.gpusched-system.svc:8888/scheduler")
        .containsEntry("enableHTTPS", false).doesNotContainKey("tlsConfig");
    String deployment = Yaml.toJson(Manifests.find(objects, "Deployment", "gpusched"));
    assertThat(deployment).contains("--port=8888", "--health-port=8081", "\"scheme\":\"HTTP\"")
        .doesNotContain("--tls-", "gpusched-tls");
    assertThat(Yaml.toJson(Manifests.find(objects, "Deployment", "gpusched-scheduler"))).doesNotContain("client-tls");
    assertThat(objects).noneMatch(o -> o.get("kind").equals("Namespace"));
  }

  @Test
  void valuesReachTheObjects() {
    List<Map<String, Object>> objects = render("image.repository", "registry.example/gpusched", "image.tag", "9.9.9",
        "image.pullPolicy", "Always", "replicas", "3", "prometheusUrl", "http://prom.example:9090",
        "topologyLabelKeys[0]", "zone", "topologyLabelKeys[1]", "rack", "leaderElection.lease", "gs-lease",
        "tls.secretName", "my-tls", "tls.clientSecretName", "my-client-tls", "resources.limits.memory", "3Gi");
    String deployment = Yaml.toJson(Manifests.find(objects, "Deployment", "gpusched"));
    assertThat(deployment).contains("\"image\":\"registry.example/gpusched:9.9.9\"", "\"imagePullPolicy\":\"Always\"",
        "\"replicas\":3", "--prometheus-url=http://prom.example:9090", "--topology-label-keys=zone,rack",
        "--leader-election-lease=gs-lease", "\"secretName\":\"my-tls\"", "\"memory\":\"3Gi\"");
    assertThat(Yaml.toJson(Manifests.find(objects, "Role", "gpusched-leader-election"))).contains("\"resourceNames\":[\"gs-lease\"]");
    assertThat(Yaml.toJson(Manifests.find(objects, "Deployment", "gpusched-scheduler"))).contains("\"secretName\":\"my-client-tls\"");
  }

  @Test
  void theSchedulerValuesReachItsDeploymentAndConfiguration() {
    List<Map<String, Object>> objects = render("scheduler.replicas", "3", "scheduler.schedulerName", "gpu-sched",
        "scheduler.lease", "gpu-sched-lease", "scheduler.weight", "9", "scheduler.httpTimeout", "20s",
        "scheduler.resources.limits.memory", "1Gi");
    Map<String, Object> config = Manifests.schedulerConfiguration(objects);
    assertThat(Yaml.toJson(config)).contains("\"schedulerName\":\"gpu-sched\"", "\"resourceName\":\"gpu-sched-lease\"");
    assertThat(extender(objects)).containsEntry("weight", 9).containsEntry("httpTimeout", "20s");
    Map<String, Object> deployment = Manifests.find(objects, "Deployment", "gpusched-scheduler");
    assertThat(Yaml.at(deployment, "spec.replicas")).isEqualTo(3);
    assertThat(Yaml.toJson(deployment)).contains("\"memory\":\"1Gi\"");
    assertThat(Yaml.toJson(Manifests.find(objects, "Role", "gpusched-scheduler-leader-election")))
        .contains("\"resourceNames\":[\"gpu-sched-lease\"]");
  }

  @Test
  void theBackstageCatalogLinksToGrafanaOnlyWhenItsUrlIsGiven() {
    assertThat(Yaml.toJson(container(render(), "gpusched"))).doesNotContain("--grafana-url");
    assertThat(Yaml.toJson(container(render("backstageCatalog.grafanaUrl", "https://grafana.example"), "gpusched")))
        .contains("--grafana-url=https://grafana.example");
  }

  @Test
  void theHealthPortCarriesTheProbesAndTheMetricsService() {
    List<Map<String, Object>> objects = render("healthPort", "9091", "serviceMonitor.enabled", "true");
    Map<String, Object> container = container(objects, "gpusched");
    assertThat(Yaml.toJson(container)).contains("--health-port=9091", "{\"name\":\"health\",\"containerPort\":9091");
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      assertThat(Yaml.at(container, probe + ".httpGet.port")).as(probe).isEqualTo("health");
      assertThat(Yaml.at(container, probe + ".httpGet.scheme")).as(probe).isEqualTo("HTTP");
    }
    assertThat(Yaml.toJson(Manifests.find(objects, "Service", "gpusched-metrics")))
        .contains("\"name\":\"health\",\"port\":9091,\"targetPort\":\"health\"");
    assertThat(Yaml.toJson(Manifests.find(objects, "ServiceMonitor", "gpusched")))
        .contains("\"port\":\"health\"", "\"scheme\":\"http\"").doesNotContain("tlsConfig");
  }

  @Test
  void placementValuesReachBothDeployments() {
    List<Map<String, Object>> objects = render("priorityClassName", "gpu-critical", "nodeSelector.role", "control",
        "tolerations[0].key", "dedicated", "tolerations[0].operator", "Exists",
        "imagePullSecrets[0].name", "regcred", "scheduler.priorityClassName", "system-cluster-critical",
        "scheduler.nodeSelector.role", "sched", "scheduler.tolerations[0].key", "sched-only",
        "scheduler.tolerations[0].operator", "Exists");
    Map<String, Object> gpusched = pod(objects, "gpusched");
    assertThat(gpusched).containsEntry("priorityClassName", "gpu-critical");
    assertThat(Yaml.toJson(gpusched)).contains("\"nodeSelector\":{\"role\":\"control\"}",
        "\"tolerations\":[{\"key\":\"dedicated\",\"operator\":\"Exists\"}]", "\"imagePullSecrets\":[{\"name\":\"regcred\"}]");
    Map<String, Object> scheduler = pod(objects, "gpusched-scheduler");
    assertThat(scheduler).containsEntry("priorityClassName", "system-cluster-critical");
    assertThat(Yaml.toJson(scheduler)).contains("\"nodeSelector\":{\"role\":\"sched\"}",
        "\"tolerations\":[{\"key\":\"sched-only\",\"operator\":\"Exists\"}]", "\"imagePullSecrets\":[{\"name\":\"regcred\"}]");
    assertThat(pod(render(), "gpusched")).doesNotContainKeys("priorityClassName", "nodeSelector", "tolerations",
        "imagePullSecrets");
  }

  @Test
  @SuppressWarnings("unchecked")
  void certManagerIssuesBothSecretsFromOnePrivateCaOrFromTheIssuerGiven() {
    List<Map<String, Object>> own = render("certManager.enabled", "true");
    assertThat(Yaml.at(Manifests.find(own, "Issuer", "gpusched-selfsigned"), "spec.selfSigned")).isEqualTo(Map.of());
    assertThat(Yaml.at(Manifests.find(own, "Certificate", "gpusched-ca"), "spec.isCA")).isEqualTo(true);
    assertThat(Yaml.at(Manifests.find(own, "Issuer", "gpusched-ca"), "spec.ca.secretName")).isEqualTo("gpusched-ca");
    Map<String, Object> server = Manifests.find(own, "Certificate", "gpusched-tls");
    assertThat(Yaml.at(server, "spec.secretName")).isEqualTo("gpusched-tls");
    assertThat((List<String>) Yaml.at(server, "spec.dnsNames")).contains("gpusched.gpusched-system.svc");
    assertThat(Yaml.at(server, "spec.issuerRef.name")).isEqualTo("gpusched-ca");
    // the name kube-scheduler checks is one the certificate holds
    assertThat((List<String>) Yaml.at(server, "spec.dnsNames"))
        .contains((String) ((Map<String, Object>) extender(own).get("tlsConfig")).get("serverName"));
    Map<String, Object> client = Manifests.find(own, "Certificate", "gpusched-scheduler-client-tls");
    assertThat(Yaml.at(client, "spec.secretName")).isEqualTo("gpusched-scheduler-client-tls");
    assertThat((List<String>) Yaml.at(client, "spec.usages")).contains("client auth");

    List<Map<String, Object>> given = render("certManager.enabled", "true", "certManager.issuerRef.name", "corp-ca",
        "certManager.issuerRef.kind", "ClusterIssuer");
    assertThat(given).noneMatch(o -> o.get("kind").equals("Issuer"));
    assertThat(Yaml.at(Manifests.find(given, "Certificate", "gpusched-tls"), "spec.issuerRef"))
        .isEqualTo(Map.of("name", "corp-ca", "kind", "ClusterIssuer"));
    assertThat(render()).noneMatch(o -> o.get("kind").equals("Certificate"));
    assertThat(render("certManager.enabled", "true", "tls.enabled", "false")).noneMatch(o -> o.get("kind").equals("Certificate"));
  }

  @Test
  void theSchemaRefusesValuesOfTheWrongShape() {
    assertThatThrownBy(() -> render("replicas", "two")).hasMessageContaining("replicas");
    assertThatThrownBy(() -> render("healthPort", "70000")).hasMessageContaining("healthPort");
    assertThatThrownBy(() -> render("tsl.enabled", "false")).hasMessageContaining("tsl");
    assertThatThrownBy(() -> render("scheduler.image.tag", "1.30")).hasMessageContaining("tag");
    assertThatThrownBy(() -> render("certManager.issuerRef.kind", "Cluster")).hasMessageContaining("kind");
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

  @SuppressWarnings("unchecked")
  private static Map<String, Object> pod(List<Map<String, Object>> objects, String deployment) {
    return (Map<String, Object>) Yaml.at(Manifests.find(objects, "Deployment", deployment), "spec.template.spec");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> container(List<Map<String, Object>> objects, String deployment) {
    return ((List<Map<String, Object>>) pod(objects, deployment).get("containers")).get(0);
  }

  private static String schedulerChecksum(List<Map<String, Object>> objects) {
    return (String) Yaml.at(Manifests.find(objects, "Deployment", "gpusched-scheduler"),
        "spec.template.metadata.annotations.checksum/scheduler-config");
  }

  /** The objects with the labels and annotations only a release has taken out (empty annotation maps too). */
  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> withoutRelease(List<Map<String, Object>> objects) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map<String, Object> object : objects) {
      Map<String, Object> copy = (Map<String, Object>) strip(object);
      out.add(copy);
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Object strip(Object node) {
    if (node instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : ((Map<String, Object>) map).entrySet()) {
        if (RELEASE_ONLY.contains(e.getKey())) {
          continue;
        }
        Object value = strip(e.getValue());
        if (e.getKey().equals("annotations") && value instanceof Map<?, ?> m && m.isEmpty()) {
          continue;
        }
        out.put(e.getKey(), value);
      }
      return out;
    }
    if (node instanceof List<?> list) {
      List<Object> out = new ArrayList<>();
      for (Object o : list) {
        out.add(strip(o));
      }
      return out;
    }
    return node;
  }
}
