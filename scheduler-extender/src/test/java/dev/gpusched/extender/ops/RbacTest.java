package dev.gpusched.extender.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.GpuschedApp;
import dev.gpusched.extender.api.WireJson;
import dev.gpusched.extender.it.Standalone;
import dev.gpusched.extender.kube.EvictingCrudDispatcher;
import dev.gpusched.extender.kube.KubeEdge;
import dev.gpusched.extender.kube.LeaderElection;
import dev.gpusched.extender.testing.Await;
import dev.gpusched.extender.testing.MockApiServers;
import dev.gpusched.extender.testing.TestData;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The RBAC shipped in deploy/manifests grants exactly what the code uses: every API call gpusched makes during a run
 * that exercises the informers, leader election with the pod label, binds of whole-GPU and shared pods, and a
 * preemption that takes a gang on two nodes whole (a dry-run and a real eviction, records and events), recorded by
 * the mock API server, is granted by the ClusterRole or the leader-election Role; and every granted (resource, verb)
 * is used by that run.
 */
class RbacTest {
  private static final String AGENT = "gpusched-rbac-under-test";

  /** One API call in authorizer terms. */
  record Call(String verb, String group, String resource, String namespace, String name) {
    String key() {
      return (group.isEmpty() ? "" : group + "/") + resource + ":" + verb;
    }
  }

  /** Maps a request line to the verb, group, resource and subresource the Kubernetes authorizer would check. */
  static Call call(String method, String pathWithQuery) {
    String path = pathWithQuery;
    String query = "";
    int q = path.indexOf('?');
    if (q >= 0) {
      query = path.substring(q + 1);
      path = path.substring(0, q);
    }
    List<String> parts = new ArrayList<>(List.of(path.substring(1).split("/")));
    String group;
    if (parts.get(0).equals("api")) {
      group = "";
      parts = parts.subList(2, parts.size()); // api, v1
    } else {
      group = parts.get(1);
      parts = parts.subList(3, parts.size()); // apis, group, version
    }
    String namespace = "";
    if (parts.size() >= 2 && parts.get(0).equals("namespaces") && parts.size() > 2) {
      namespace = parts.get(1);
      parts = parts.subList(2, parts.size());
    }
    String resource = parts.get(0);
    String name = parts.size() > 1 ? parts.get(1) : "";
    if (parts.size() > 2) {
      resource = resource + "/" + parts.get(2);
    }
    boolean watch = query.contains("watch=true") || query.contains("watch=1");
    String verb = switch (method) {
      case "GET" -> watch ? "watch" : name.isEmpty() ? "list" : "get";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> name.isEmpty() ? "deletecollection" : "delete";
      default -> throw new AssertionError("unexpected method " + method + " " + pathWithQuery);
    };
    return new Call(verb, group, resource, namespace, name);
  }

  /** A rule of a Role (namespace set) or ClusterRole (namespace null). */
  record Grant(String namespace, PolicyRule rule) {
    boolean allows(Call c) {
      if (namespace != null && !namespace.equals(c.namespace())) {
        return false;
      }
      if (!rule.getApiGroups().contains(c.group()) || !rule.getResources().contains(c.resource())
          || !rule.getVerbs().contains(c.verb())) {
        return false;
      }
      List<String> names = rule.getResourceNames();
      return names == null || names.isEmpty() || names.contains(c.name());
    }
  }

  private static List<Grant> gpuschedGrants() throws Exception {
    Path file = TestData.projectRoot().resolve("deploy/manifests/10-gpusched-rbac.yaml");
    List<HasMetadata> objects = new ArrayList<>();
    try (InputStream in = Files.newInputStream(file)) {
      Object parsed = dev.gpusched.extender.testing.KubeJson.SERIALIZATION.unmarshal(in);
      if (parsed instanceof List<?> l) {
        for (Object o : l) {
          objects.add((HasMetadata) o);
        }
      } else if (parsed instanceof KubernetesList kl) {
        objects.addAll(kl.getItems());
      }
    }
    List<Grant> grants = new ArrayList<>();
    for (HasMetadata o : objects) {
      if (o instanceof ClusterRole cr && cr.getMetadata().getName().equals("gpusched")) {
        cr.getRules().forEach(r -> grants.add(new Grant(null, r)));
      } else if (o instanceof Role r && r.getMetadata().getName().equals("gpusched-leader-election")) {
        r.getRules().forEach(rule -> grants.add(new Grant(r.getMetadata().getNamespace(), rule)));
      }
    }
    assertThat(grants).as("rules of ClusterRole gpusched and Role gpusched-leader-election in " + file).isNotEmpty();
    return grants;
  }

  @Test
  void theRoleGrantsExactlyTheCallsTheCodeMakes() throws Exception {
    List<Grant> grants = gpuschedGrants();
    KubernetesMockServer server =
        new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new EvictingCrudDispatcher(), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    List<RecordedRequest> recorded = new ArrayList<>();
    try (KubernetesClient admin = server.createClient()) {
      admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("gpusched-system").endMetadata().build())
          .create();
      admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("ml").endMetadata().build()).create();
      admin.nodes().resource(Standalone.gpuNode("node-a", 8, "NVIDIA-H100-80GB-HBM3")).create();
      admin.nodes().resource(Standalone.gpuNode("node-b", 8, "NVIDIA-H100-80GB-HBM3")).create();
      admin.pods().inNamespace("gpusched-system").resource(new PodBuilder().withNewMetadata().withName("gpusched-0")
          .endMetadata().withNewSpec().addNewContainer().withName("gpusched").withImage("gpusched").endContainer().endSpec()
          .build()).create();
      KubernetesClient client = new KubernetesClientBuilder()
          .withConfig(new ConfigBuilder(server.createClient().getConfiguration()).withUserAgent(AGENT).build()).build();
      LeaderElection.Settings election = new LeaderElection.Settings("gpusched-system", "gpusched", "gpusched-0",
          "gpusched-system", "gpusched-0", Duration.ofSeconds(2), Duration.ofMillis(1500), Duration.ofMillis(250), true);
      GpuschedApp app = GpuschedApp.start(GpuschedApp.Options.loopback(0),
          dev.gpusched.extender.gang.GangScheduling.Settings.DEFAULT, KubeEdge.of(client), null, election);
      try {
        app.awaitReady(30_000);
        Await.until("leads", Duration.ofSeconds(10), app::isLeader);
        var whole = admin.pods().inNamespace("ml").resource(Standalone.gpuPod("ml", "whole", 2, Map.of())).create();
        var shared = admin.pods().inNamespace("ml").resource(Standalone.sharedPod("ml", "shared", 250, Map.of())).create();
        HttpClient http = HttpClient.newHttpClient();
        for (var pod : List.of(whole, shared)) {
          String body = "{\"PodName\":\"" + pod.getMetadata().getName() + "\",\"PodNamespace\":\"ml\",\"PodUID\":\""
              + pod.getMetadata().getUid() + "\",\"Node\":\"node-a\"}";
          Await.until("bind of " + pod.getMetadata().getName(), Duration.ofSeconds(10), () -> {
            try {
              HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + app.port() + "/scheduler/bind"))
                  .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                  HttpResponse.BodyHandlers.ofString());
              return r.body().contains("\"Error\":\"\"");
            } catch (Exception e) {
              return false;
            }
          });
        }
        preemptAGangWhole(admin, http, app.port());
        // Let the lease be renewed at least once.
        Thread.sleep(600);
      } finally {
        app.close();
        client.close();
      }
      RecordedRequest r;
      while ((r = server.takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
        recorded.add(r);
      }
    } finally {
      MockApiServers.stop(server);
    }

    Map<String, Set<String>> calls = new TreeMap<>();
    List<String> denied = new ArrayList<>();
    Set<Integer> usedRuleVerbs = new TreeSet<>();
    Set<String> used = new TreeSet<>();
    for (RecordedRequest r : recorded) {
      String agent = r.getHeader("User-Agent");
      if (agent == null || !agent.contains(AGENT)) {
        continue; // the test's own set-up calls
      }
      Call c = call(r.getMethod(), r.getPath());
      calls.computeIfAbsent(c.key(), k -> new TreeSet<>()).add(c.namespace() + "/" + c.name());
      boolean allowed = false;
      for (Grant g : grants) {
        if (g.allows(c)) {
          allowed = true;
          used.add(grantKey(g, c.resource(), c.verb()));
        }
      }
      if (!allowed) {
        denied.add(r.getMethod() + " " + r.getPath() + " -> " + c);
      }
    }
    System.out.println("API calls gpusched made (resource:verb -> namespace/name): " + calls);
    assertThat(calls).as("the run must have exercised the code's API calls").isNotEmpty();
    assertThat(denied).as("calls the shipped RBAC would deny").isEmpty();

    List<String> unused = new ArrayList<>();
    for (Grant g : grants) {
      for (String resource : g.rule().getResources()) {
        for (String verb : g.rule().getVerbs()) {
          String key = grantKey(g, resource, verb);
          if (!used.contains(key) && !JUSTIFIED_EXTRAS.containsKey(key)) {
            unused.add(key);
          }
        }
      }
    }
    assertThat(unused).as("granted but never used by the code (remove, or justify in JUSTIFIED_EXTRAS)").isEmpty();
  }

  /**
   * A preemption that takes gang g (one pod on node-a, one on node-b) whole: gpusched asks the Eviction API (dry run),
   * records the decision on both pods and reports it in events; once kube-scheduler (here the test) has evicted the
   * victim on node-a, gpusched evicts g-1 on node-b.
   */
  private static void preemptAGangWhole(KubernetesClient admin, HttpClient http, int port) throws Exception {
    Map<String, String> gang = Map.of("gpusched.dev/gang", "g", "gpusched.dev/gang-size", "2");
    String victim = null;
    for (String[] member : new String[][] {{"g-0", "node-a"}, {"g-1", "node-b"}}) {
      var pod = Standalone.gpuPod("ml", member[0], 4, gang);
      pod.getSpec().setNodeName(member[1]);
      pod.getStatus().setPhase("Running");
      var created = admin.pods().inNamespace("ml").resource(pod).create();
      victim = victim == null ? created.getMetadata().getUid() : victim;
    }
    var preemptor = admin.pods().inNamespace("ml").resource(Standalone.gpuPod("ml", "urgent", 4, Map.of())).create();
    for (String name : List.of("g-0", "g-1", "urgent")) {
      Await.until("gpusched sees " + name, Duration.ofSeconds(10), () -> {
        try {
          return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/inspect/pod/ml/" + name))
              .build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
        } catch (Exception e) {
          return false;
        }
      });
    }
    String body = dev.gpusched.extender.testing.KubeJson.SERIALIZATION.asJson(Map.of("Pod", preemptor,
        "NodeNameToMetaVictims", Map.of("node-a", Map.of("Pods", List.of(Map.of("UID", victim)),
            "NumPDBViolations", 0))));
    Await.until("the preempt answer takes node-a", Duration.ofSeconds(10), () -> {
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/scheduler/preempt"))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
        return r.body().contains("node-a");
      } catch (Exception e) {
        return false;
      }
    });
    admin.pods().inNamespace("ml").withName("g-0").delete();
    Await.until("g-1 evicted by gpusched", Duration.ofSeconds(10),
        () -> admin.pods().inNamespace("ml").withName("g-1").get() == null);
  }

  /**
   * Grants the run cannot show in use, each with its reason. {@code leases:create} is used only when the Lease does not
   * exist yet; the run above starts without it, so it is in fact used, and this map stays empty unless a rule needs
   * words.
   */
  private static final Map<String, String> JUSTIFIED_EXTRAS = Map.of(
      "cluster:pods:delete", "a gang that times out with members already bound has them deleted, so no partial gang stays"
          + " bound past its timeout (GangRestartTest shows the deletion through the same client)");

  private static String grantKey(Grant g, String resource, String verb) {
    String group = g.rule().getApiGroups().get(0);
    List<String> names = g.rule().getResourceNames();
    return (g.namespace() == null ? "cluster" : g.namespace()) + ":" + (group.isEmpty() ? "" : group + "/") + resource
        + (names == null || names.isEmpty() ? "" : names.toString()) + ":" + verb;
  }

  @Test
  void requestPathsMapToAuthorizerAttributes() {
    assertThat(call("GET", "/api/v1/pods?watch=true&resourceVersion=5")).isEqualTo(new Call("watch", "", "pods", "", ""));
    assertThat(call("GET", "/api/v1/nodes")).isEqualTo(new Call("list", "", "nodes", "", ""));
    assertThat(call("POST", "/api/v1/namespaces/ml/bindings")).isEqualTo(new Call("create", "", "bindings", "ml", ""));
    assertThat(call("POST", "/api/v1/namespaces/ml/pods/p/binding"))
        .isEqualTo(new Call("create", "", "pods/binding", "ml", "p"));
    assertThat(call("PUT", "/apis/coordination.k8s.io/v1/namespaces/gs/leases/gpusched"))
        .isEqualTo(new Call("update", "coordination.k8s.io", "leases", "gs", "gpusched"));
    assertThat(call("PATCH", "/api/v1/namespaces/ml/pods/p")).isEqualTo(new Call("patch", "", "pods", "ml", "p"));
  }
}
