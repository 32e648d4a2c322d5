package dev.gpusched.deploy.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.deploy.ProjectPaths;
import dev.gpusched.deploy.Yaml;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The plain install manifests the kustomization lists: parse, carry their required fields, and say what was asked. */
class InstallManifestsTest {
  private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding",
      "ResourceGraphDefinition", "CustomResourceDefinition");
  private static final List<Map<String, Object>> OBJECTS = Manifests.listedObjects();

  static List<Map<String, Object>> objects() {
    return OBJECTS;
  }

  @Test
  void everyYamlFileUnderDeployParsesAndEveryObjectHasItsIdentity() throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(ProjectPaths.deploy())) {
      files = walk.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
          .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/helm/gpusched/templates/"))
          .sorted().toList();
    }
    assertThat(files).hasSizeGreaterThan(15);
    for (Path file : files) {
      for (Map<String, Object> object : listItems(Yaml.readAll(file))) {
        if (file.getFileName().toString().equals("kustomization.yaml") || file.toString().contains("/helm/")
            || file.getFileName().toString().startsWith("gpusched-rules") || file.getFileName().toString().equals("scrape-config.yaml")) {
          continue; // not Kubernetes objects: kustomize's own file, chart metadata and values, Prometheus files
        }
        assertThat(object.get("apiVersion")).as(file + " apiVersion").isInstanceOf(String.class);
        assertThat(object.get("kind")).as(file + " kind").isInstanceOf(String.class);
        assertThat(Yaml.at(object, "metadata.name")).as(file + " metadata.name").isInstanceOf(String.class);
      }
    }
  }

  @Test
  void theKustomizationListsEveryManifestAndEachExists() throws IOException {
    Set<Path> listed = new HashSet<>(Manifests.listedFiles());
    try (Stream<Path> dir = Files.list(ProjectPaths.deploy().resolve("manifests"))) {
      assertThat(listed).containsExactlyInAnyOrderElementsOf(dir.map(Path::normalize).toList());
    }
    assertThat(Yaml.readOne(Manifests.kustomization())).doesNotContainKey("namespace"); // one RoleBinding is in kube-system
  }

  @Test
  void namespacedObjectsNameTheirNamespaceAndEveryKeyIsUnique() {
    for (Map<String, Object> object : OBJECTS) {
      Object namespace = Yaml.at(object, "metadata.namespace");
      if (CLUSTER_SCOPED.contains(object.get("kind"))) {
        assertThat(namespace).as(Manifests.key(object)).isNull();
      } else {
        assertThat(namespace).as(Manifests.key(object)).isIn("gpusched-system", "kube-system");
      }
    }
    assertThat(Manifests.byKey(OBJECTS)).hasSize(OBJECTS.size());
  }

  @Test
  @SuppressWarnings("unchecked")
  void gpuschedHasLeastPrivilegeAndNoSecrets() {
    Map<String, Object> role = Manifests.find(OBJECTS, "ClusterRole", "gpusched");
    List<String> grants = new ArrayList<>();
    for (Object r : (List<Object>) role.get("rules")) {
      Map<String, Object> rule = (Map<String, Object>) r;
      for (Object group : (List<Object>) rule.get("apiGroups")) {
        for (Object resource : (List<Object>) rule.get("resources")) {
          grants.add(group + "/" + resource + ":" + String.join(",", (List<String>) rule.get("verbs")));
        }
      }
    }
    // Exactly what the code calls (scheduler-extender's RbacTest records the calls against a mock API server).
    assertThat(grants).containsExactlyInAnyOrder("/nodes:list,watch", "/pods:get,list,watch,patch,delete", "/bindings:create",
        "/pods/eviction:create", "/events:create", "kro.run/mlservices:list,watch");
    Map<String, Object> leases = Manifests.find(OBJECTS, "Role", "gpusched-leader-election");
    assertThat(Yaml.toJson(leases.get("rules"))).isEqualTo(
        "[{\"apiGroups\":[\"coordination.k8s.io\"],\"resources\":[\"leases\"],\"verbs\":[\"create\"]},"
            + "{\"apiGroups\":[\"coordination.k8s.io\"],\"resources\":[\"leases\"],\"resourceNames\":[\"gpusched\"],"
            + "\"verbs\":[\"get\",\"patch\"]}]");
    for (Map<String, Object> object : OBJECTS) {
      if (object.get("kind").toString().endsWith("Role")) {
        assertThat(Yaml.toJson(object.get("rules"))).as(Manifests.key(object)).doesNotContain("secrets", "\"*\"");
      }
    }
    assertThat(Yaml.at(Manifests.find(OBJECTS, "ClusterRoleBinding", "gpusched"), "roleRef.name")).isEqualTo("gpusched");
  }

  @Test
  @SuppressWarnings("unchecked")
  void gpuschedRunsTwoHardenedReplicasWithLeaderElectionAndProbes() {
    Map<String, Object> deployment = Manifests.find(OBJECTS, "Deployment", "gpusched");
    assertThat(Yaml.at(deployment, "spec.replicas")).isEqualTo(2);
    Map<String, Object> pod = (Map<String, Object>) Yaml.at(deployment, "spec.template.spec");
    assertThat(pod.get("serviceAccountName")).isEqualTo("gpusched");
    assertThat(Yaml.at(pod, "securityContext.runAsNonRoot")).isEqualTo(true);
    Map<String, Object> container = ((List<Map<String, Object>>) pod.get("containers")).get(0);
    assertThat(Yaml.at(container, "securityContext.readOnlyRootFilesystem")).isEqualTo(true);
    assertThat(Yaml.at(container, "securityContext.allowPrivilegeEscalation")).isEqualTo(false);
    assertThat(Yaml.at(container, "securityContext.runAsUser")).isEqualTo(65532);
    assertThat(Yaml.at(container, "resources.requests")).isEqualTo(Map.of("cpu", "500m", "memory", "1280Mi"));
    assertThat(Yaml.at(container, "livenessProbe.httpGet.path")).isEqualTo("/healthz");
    assertThat(Yaml.at(container, "readinessProbe.httpGet.path")).isEqualTo("/readyz");
    assertThat((List<String>) container.get("args")).startsWith("serve").contains("--port=8443",
        "--tls-cert=/etc/gpusched/tls/tls.crt", "--tls-key=/etc/gpusched/tls/tls.key",
        "--tls-client-ca=/etc/gpusched/tls/ca.crt", "--leader-election-namespace=gpusched-system",
        "--leader-election-lease=gpusched");
    assertThat((List<String>) container.get("args")).anyMatch(a -> a.startsWith("--prometheus-url=http"))
        .anyMatch(a -> a.startsWith("--topology-label-keys="));
    // the root filesystem is read-only: /tmp must be a volume
    assertThat(Yaml.toJson(container.get("volumeMounts"))).contains("\"mountPath\":\"/tmp\"");

    Map<String, Object> service = Manifests.find(OBJECTS, "Service", "gpusched");
    assertThat((Map<String, Object>) Yaml.at(service, "spec.selector")).containsEntry("gpusched.dev/leader", "true");
    Map<String, Object> metrics = Manifests.find(OBJECTS, "Service", "gpusched-metrics");
    assertThat(Yaml.at(metrics, "spec.clusterIP")).isEqualTo("None");
    assertThat((Map<String, Object>) Yaml.at(metrics, "spec.selector")).doesNotContainKey("gpusched.dev/leader");
    assertThat(Yaml.at(Manifests.find(OBJECTS, "PodDisruptionBudget", "gpusched"), "spec.minAvailable")).isEqualTo(1);
  }

  @Test
  @SuppressWarnings("unchecked")
  void theDedicatedSchedulerCallsGpuschedWithEveryVerbOverTls() {
    Map<String, Object> config = Manifests.schedulerConfiguration(OBJECTS);
    assertThat(config.get("apiVersion")).isEqualTo("kubescheduler.config.k8s.io/v1");
    assertThat(config.get("kind")).isEqualTo("KubeSchedulerConfiguration");
    assertThat(config.get("percentageOfNodesToScore")).isEqualTo(100);
    assertThat((List<Map<String, Object>>) config.get("profiles")).singleElement()
        .satisfies(p -> assertThat(p).containsEntry("schedulerName", "gpusched"));
    assertThat((Map<String, Object>) config.get("leaderElection")).containsEntry("leaderElect", true)
        .containsEntry("resourceName", "gpusched-scheduler").containsEntry("resourceNamespace", "gpusched-system");

    List<Map<String, Object>> extenders = (List<Map<String, Object>>) config.get("extenders");
    assertThat(extenders).hasSize(1);
    Map<String, Object> extender = extenders.get(0);
    assertThat(extender).containsEntry("urlPrefix", "https://gpusched.gpusched-system.svc:8443/scheduler")
        .containsEntry("filterVerb", "filter").containsEntry("prioritizeVerb", "prioritize")
        .containsEntry("bindVerb", "bind").containsEntry("preemptVerb", "preempt")
        .containsEntry("nodeCacheCapable", true).containsEntry("httpTimeout", "10s")
        .containsEntry("enableHTTPS", true).containsEntry("ignorable", false);
    assertThat((Integer) extender.get("weight")).isPositive();
    assertThat((List<Object>) extender.get("managedResources")).containsExactly(
        Map.of("name", "nvidia.com/gpu", "ignoredByScheduler", false),
        Map.of("name", "gpusched.dev/gpu-milli", "ignoredByScheduler", true));
    assertThat((Map<String, Object>) extender.get("tlsConfig")).containsKeys("caFile", "certFile", "keyFile", "serverName");
    // every field is one kube-scheduler knows: those of the captured configurations plus bindVerb and tlsConfig
    Set<String> known = new HashSet<>(List.of("bindVerb", "tlsConfig"));
    for (String fixture : List.of("sched-extender.yaml", "sched-extender-nodecache.yaml", "sched-extender-full-preempt.yaml")) {
      Map<String, Object> captured = Yaml.readOne(ProjectPaths.root().resolve("testdata/kube-scheduler").resolve(fixture));
      known.addAll(((List<Map<String, Object>>) captured.get("extenders")).get(0).keySet());
    }
    assertThat(known).containsAll(extender.keySet());
  }

  /**
   * kube-scheduler's default score plugins and weights (v1beta3 and v1, {@code getDefaultPlugins}): each plugin's score
   * is normalised to 0..100 and multiplied by its weight.
   */
  private static final Map<String, Integer> DEFAULT_SCORE_WEIGHTS = Map.of("TaintToleration", 3, "NodeAffinity", 2,
      "NodeResourcesFit", 1, "PodTopologySpread", 2, "InterPodAffinity", 2, "NodeResourcesBalancedAllocation", 1,
      "ImageLocality", 1);

  @Test
  @SuppressWarnings("unchecked")
  void inTheGpuschedProfileOnePointOfGpuschedsScoreOutweighsEveryInTreeScore() {
    Map<String, Object> config = Manifests.schedulerConfiguration(OBJECTS);
    Map<String, Object> profile = ((List<Map<String, Object>>) config.get("profiles")).get(0);
    List<String> disabled = ((List<Map<String, Object>>) Yaml.at(profile, "plugins.score.disabled")).stream()
        .map(p -> (String) p.get("name")).toList();
    assertThat(disabled).as("the scores that spread pods to the emptiest node")
        .containsExactlyInAnyOrder("NodeResourcesBalancedAllocation", "PodTopologySpread");
    int inTreeSwing = DEFAULT_SCORE_WEIGHTS.entrySet().stream().filter(e -> !disabled.contains(e.getKey()))
        .mapToInt(e -> 100 * e.getValue()).sum();
    assertThat(inTreeSwing).isEqualTo(900);
    int weight = (Integer) ((List<Map<String, Object>>) config.get("extenders")).get(0).get("weight");
    // kube-scheduler: extender score (0..10) x weight x (MaxNodeScore 100 / MaxExtenderPriority 10)
    assertThat(weight * 10).as("one point of gpusched's score").isGreaterThan(inTreeSwing);

    Map<String, Object> fit = ((List<Map<String, Object>>) profile.get("pluginConfig")).stream()
        .filter(c -> "NodeResourcesFit".equals(c.get("name"))).findFirst().orElseThrow();
    assertThat((Map<String, Object>) Yaml.at(fit, "args.scoringStrategy")).containsEntry("type", "MostAllocated")
        .containsEntry("resources", List.of(Map.of("name", "nvidia.com/gpu", "weight", 1)));
  }

  @Test
  @SuppressWarnings("unchecked")
  void theSchedulerDeploymentMountsItsConfigurationAndTheLeasesMatch() {
    Map<String, Object> deployment = Manifests.find(OBJECTS, "Deployment", "gpusched-scheduler");
    Map<String, Object> pod = (Map<String, Object>) Yaml.at(deployment, "spec.template.spec");
    Map<String, Object> container = ((List<Map<String, Object>>) pod.get("containers")).get(0);
    assertThat((String) container.get("image")).startsWith("registry.k8s.io/kube-scheduler:v1.");
    assertThat((List<String>) container.get("command")).contains("--config=/etc/gpusched-scheduler/config/config.yaml");
    assertThat(Yaml.toJson(container.get("volumeMounts"))).contains("\"mountPath\":\"/etc/gpusched-scheduler/config\"",
        "\"mountPath\":\"/etc/gpusched-scheduler/tls\"");
    assertThat(Yaml.toJson(pod.get("volumes"))).contains("\"name\":\"gpusched-scheduler-config\"",
        "\"secretName\":\"gpusched-scheduler-client-tls\"");
    assertThat(pod.get("serviceAccountName")).isEqualTo("gpusched-scheduler");
    Map<String, Object> tls = (Map<String, Object>) ((List<Map<String, Object>>) Manifests.schedulerConfiguration(OBJECTS)
        .get("extenders")).get(0).get("tlsConfig");
    assertThat((String) tls.get("certFile")).startsWith("/etc/gpusched-scheduler/tls/");
    Map<String, Object> leaseRole = Manifests.find(OBJECTS, "Role", "gpusched-scheduler-leader-election");
    assertThat(Yaml.toJson(leaseRole.get("rules"))).contains("\"resourceNames\":[\"gpusched-scheduler\"]");
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyServiceAccountSecretAndConfigMapReferencedIsProvidedOrDocumented() {
    Set<String> serviceAccounts = new HashSet<>();
    Set<String> configMaps = new HashSet<>();
    for (Map<String, Object> object : OBJECTS) {
      if (object.get("kind").equals("ServiceAccount")) {
        serviceAccounts.add((String) Yaml.at(object, "metadata.name"));
      }
      if (object.get("kind").equals("ConfigMap")) {
        configMaps.add((String) Yaml.at(object, "metadata.name"));
      }
    }
    Set<String> secrets = new HashSet<>();
    for (Map<String, Object> object : OBJECTS) {
      String kind = (String) object.get("kind");
      if (kind.equals("Deployment")) {
        assertThat(serviceAccounts).contains((String) Yaml.at(object, "spec.template.spec.serviceAccountName"));
        for (Map<String, Object> volume : (List<Map<String, Object>>) Yaml.at(object, "spec.template.spec.volumes")) {
          if (volume.get("configMap") != null) {
            assertThat(configMaps).contains((String) Yaml.at(volume, "configMap.name"));
          }
          if (volume.get("secret") != null) {
            secrets.add((String) Yaml.at(volume, "secret.secretName"));
          }
        }
      }
      if (kind.endsWith("RoleBinding")) {
        for (Map<String, Object> subject : (List<Map<String, Object>>) object.get("subjects")) {
          assertThat(serviceAccounts).contains((String) subject.get("name"));
          assertThat(subject.get("namespace")).isEqualTo("gpusched-system");
        }
      }
    }
    // TLS secrets are the operator's to create (cert-manager or openssl); the README says which keys each holds.
    assertThat(secrets).containsExactlyInAnyOrder("gpusched-tls", "gpusched-scheduler-client-tls");
  }

  /** A {@code kind: List} (as kubectl prints it) stands for its items. */
  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> listItems(List<Map<String, Object>> objects) {
    List<Map<String, Object>> out = new java.util.ArrayList<>();
    for (Map<String, Object> o : objects) {
      if ("List".equals(o.get("kind")) && o.get("items") instanceof List<?> items) {
        out.addAll((List<Map<String, Object>>) items);
      } else {
        out.add(o);
      }
    }
    return out;
  }
}
