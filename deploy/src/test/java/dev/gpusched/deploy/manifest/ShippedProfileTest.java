package dev.gpusched.deploy.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.deploy.Yaml;
import dev.gpusched.extender.GpuschedApp;
import dev.gpusched.extender.cycle.FilterAnswer;
import dev.gpusched.extender.it.Standalone;
import dev.gpusched.extender.kube.KubeEdge;
import dev.gpusched.extender.testing.Await;
import dev.gpusched.extender.testing.KubeApiServer;
import dev.gpusched.extender.testing.KubeScheduler;
import dev.gpusched.extender.testing.RequiresTool;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The shipped scheduler profile ({@code 31-scheduler-config.yaml}) in a real kube-scheduler (v1.24, the harness's;
 * the configuration's apiVersion set to its {@code v1beta3}, the extender reached over plain HTTP on 127.0.0.1): it
 * loads, a GPU pod goes where gpusched scores highest although the default profile's spreading scores prefer another
 * node, and a CPU-only pod sent to that scheduler is bound too.
 *
 * <p>The case, worked out: node gpu-a runs a 1-GPU pod that requests 900 GiB of its 1 TiB of memory; gpu-b is empty.
 * For a 2-GPU pod gpusched scores gpu-a 8 and gpu-b 7 (packing). The default profile's LeastAllocated (CPU and memory)
 * gives gpu-a about 55 and gpu-b 99, its balanced allocation about 56 and 100: 88 points for gpu-b, more than the one
 * gpusched point is worth at the former weight of 5 (50), so the former profile (default plugins, weight 5) puts the
 * pod on gpu-b, as the test checks first (gpusched answering every fitting node, as it then did). In the shipped profile
 * those scores are off, a gpusched point is worth 1000, and the shipped gpusched answers its choice alone.
 */
@RequiresTool({"kube-apiserver", "etcd", "kube-scheduler"})
class ShippedProfileTest {
  @Test
  @SuppressWarnings("unchecked")
  void aGpuPodGoesWhereGpuschedScoresHighestAndACpuOnlyPodIsBound() throws Exception {
    List<Map<String, Object>> objects = Manifests.listedObjects();
    Map<String, Object> config = Manifests.schedulerConfiguration(objects);
    List<Object> profiles = (List<Object>) config.get("profiles");
    Map<String, Object> extender = new LinkedHashMap<>(((List<Map<String, Object>>) config.get("extenders")).get(0));
    int port = freePort();
    int formerPort = freePort();
    extender.put("urlPrefix", "http://127.0.0.1:" + port + "/scheduler");
    extender.put("enableHTTPS", false);
    extender.remove("tlsConfig");
    FilterAnswer shippedAnswer = FilterAnswer.ofOption(shippedArg(objects, "--filter-answer=").orElse("best"));
    try (KubeApiServer api = KubeApiServer.start(); KubernetesClient admin = api.client()) {
      admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("ml").endMetadata().build()).create();
      admin.serviceAccounts().inNamespace("ml")
          .resource(new ServiceAccountBuilder().withNewMetadata().withName("default").endMetadata().build()).create();
      Map<String, String> h100 = Map.of("nvidia.com/gpu.product", "NVIDIA-H100-80GB-HBM3");
      Map<String, String> eightGpus = Map.of("cpu", "96", "memory", "1Ti", "pods", "110", "nvidia.com/gpu", "8");
      for (String node : List.of("gpu-a", "gpu-b")) {
        KubeApiServer.createReadyNode(admin, node, h100, eightGpus);
      }
      Pod hog = Standalone.gpuPod("ml", "memory-hog", 1, Map.of("gpusched.dev/gpu-ids", "0"));
      hog.getSpec().getContainers().get(0).getResources().getRequests().put("memory", new Quantity("900Gi"));
      hog.getSpec().setNodeName("gpu-a");
      admin.pods().inNamespace("ml").resource(hog).create();
      KubeApiServer.createReadyNode(admin, "cpu-1", Map.of(), Map.of("cpu", "32", "memory", "128Gi", "pods", "110"));
      // the shipped gpusched (its Deployment's --filter-answer) and the former one, answering every fitting node
      GpuschedApp gpusched = GpuschedApp.start(GpuschedApp.Options.loopback(port).withSchedulerNames(Set.of("gpusched"))
          .withFilterAnswer(shippedAnswer), KubeEdge.of(api.client()));
      GpuschedApp formerGpusched = GpuschedApp.start(GpuschedApp.Options.loopback(formerPort)
          .withFilterAnswer(FilterAnswer.ALL_FITTING), KubeEdge.of(api.client()));
      try {
        gpusched.awaitReady(30_000);
        formerGpusched.awaitReady(30_000);
        Map<String, Object> formerExtender = new LinkedHashMap<>(extender);
        formerExtender.put("weight", 5);
        formerExtender.put("urlPrefix", "http://127.0.0.1:" + formerPort + "/scheduler");
        try (KubeScheduler former = KubeScheduler.start(api, "profiles: [{schedulerName: gpusched}]\nextenders: "
            + Yaml.toJson(List.of(formerExtender)) + "\n")) {
          assertThat(bound(admin, create(admin, gpuPod("train-former", 2)), former))
              .as("the former profile's spreading outweighs gpusched's point").isEqualTo("gpu-b");
        }
        admin.pods().inNamespace("ml").withName("train-former").withGracePeriod(0).delete();
        Await.until("gpusched frees train-former's GPUs", Duration.ofSeconds(30),
            () -> gpusched.state().snapshot().node("gpu-b").freeWholeCount() == 8);
        try (KubeScheduler scheduler = KubeScheduler.start(api,
            "profiles: " + Yaml.toJson(profiles) + "\nextenders: " + Yaml.toJson(List.of(extender)) + "\n")) {
          assertThat(bound(admin, create(admin, gpuPod("train", 2)), scheduler)).as("gpusched's choice")
              .isEqualTo("gpu-a");
          assertThat(bound(admin, create(admin, cpuPod("web")), scheduler)).isNotNull();
        }
      } finally {
        gpusched.close();
        formerGpusched.close();
      }
    }
  }

  private static int freePort() throws java.io.IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** The value of an argument of the gpusched container in the shipped Deployment, e.g. {@code --filter-answer=}. */
  @SuppressWarnings("unchecked")
  private static java.util.Optional<String> shippedArg(List<Map<String, Object>> objects, String prefix) {
    Map<String, Object> deployment = Manifests.find(objects, "Deployment", "gpusched");
    List<Map<String, Object>> containers = (List<Map<String, Object>>) Yaml.at(deployment, "spec.template.spec.containers");
    return ((List<String>) containers.get(0).get("args")).stream().filter(a -> a.startsWith(prefix))
        .map(a -> a.substring(prefix.length())).findFirst();
  }

  private static Pod gpuPod(String name, int gpus) {
    Pod pod = Standalone.gpuPod("ml", name, gpus, Map.of());
    pod.getSpec().setSchedulerName("gpusched");
    return pod;
  }

  private static Pod cpuPod(String name) {
    return new PodBuilder().withNewMetadata().withNamespace("ml").withName(name).endMetadata().withNewSpec()
        .withSchedulerName("gpusched").addNewContainer().withName("main").withImage("nginx").withNewResources()
        .addToRequests("cpu", new Quantity("1")).endResources().endContainer().endSpec().build();
  }

  private static String create(KubernetesClient admin, Pod pod) {
    admin.pods().inNamespace("ml").resource(pod).create();
    return pod.getMetadata().getName();
  }

  /** The node the pod is bound to, once it is. */
  private static String bound(KubernetesClient admin, String name, KubeScheduler scheduler) {
    try {
      Await.until(name + " bound", Duration.ofSeconds(30),
          () -> admin.pods().inNamespace("ml").withName(name).get().getSpec().getNodeName() != null);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; pod " + admin.pods().inNamespace("ml").withName(name).get().getStatus()
          + "\nkube-scheduler log:\n" + scheduler.log(), e);
    }
    return admin.pods().inNamespace("ml").withName(name).get().getSpec().getNodeName();
  }
}
