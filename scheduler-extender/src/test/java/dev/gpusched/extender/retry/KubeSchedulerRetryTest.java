package dev.gpusched.extender.retry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.GpuschedApp;
import dev.gpusched.extender.it.Standalone;
import dev.gpusched.extender.kube.KubeEdge;
import dev.gpusched.extender.kube.KubernetesGangWriter;
import dev.gpusched.extender.testing.Await;
import dev.gpusched.extender.testing.KubeApiServer;
import dev.gpusched.extender.testing.KubeScheduler;
import dev.gpusched.extender.testing.RequiresTool;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Against a real kube-scheduler (v1.24, the harness's): a GPU pod it tried while gpusched was down fails ("connection
 * refused", recorded with reason Unschedulable by this version) and is parked in its unschedulable pool, which this
 * version flushes only after 60 s; once gpusched serves, its retry nudge moves the pod back to the queue and the pod is
 * bound well before that.
 */
@RequiresTool({"kube-apiserver", "etcd", "kube-scheduler"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubeSchedulerRetryTest {
  /** kube-scheduler v1.24.0-alpha.0 retries a pod parked in its unschedulable pool after this long, unless an event does. */
  private static final Duration SCHEDULER_FLUSH = Duration.ofSeconds(60);

  private KubeApiServer api;
  private KubernetesClient admin;

  @BeforeAll
  void start() {
    api = KubeApiServer.start();
    admin = api.client();
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("ml").endMetadata().build()).create();
    admin.serviceAccounts().inNamespace("ml")
        .resource(new ServiceAccountBuilder().withNewMetadata().withName("default").endMetadata().build()).create();
  }

  @AfterAll
  void stop() {
    admin.close();
    api.close();
  }

  /**
   * kube-scheduler's {@code isPodUpdated} (v1.24 {@code scheduling_queue.go}): a pod in the unschedulable pool moves back
   * to the queue on an update that differs once resourceVersion, generation, status, managedFields and finalizers are
   * left out (and {@code updatePodInSchedulingQueue} skips an event whose resourceVersion did not change).
   */
  private static boolean isPodUpdated(Pod before, Pod after) {
    if (before.getMetadata().getResourceVersion().equals(after.getMetadata().getResourceVersion())) {
      return false;
    }
    return !strip(before).equals(strip(after));
  }

  private static Pod strip(Pod pod) {
    Pod p = new io.fabric8.kubernetes.api.model.PodBuilder(pod).build();
    p.getMetadata().setResourceVersion(null);
    p.getMetadata().setGeneration(null);
    p.getMetadata().setManagedFields(null);
    p.getMetadata().setFinalizers(null);
    p.setStatus(null);
    return p;
  }

  @Test
  void kubeSchedulersFailureRecordIsNoUpdateForItsQueueButGpuschedsNudgeIs() {
    Pod pod = Standalone.gpuPod("ml", "parked", 1, Map.of());
    pod.getSpec().setSchedulerName("gpusched");
    Pod created = admin.pods().inNamespace("ml").resource(pod).create();
    created.getStatus().setConditions(java.util.List.of(new io.fabric8.kubernetes.api.model.PodConditionBuilder()
        .withType("PodScheduled").withStatus("False").withReason("Unschedulable")
        .withMessage("Post \"http://127.0.0.1:1/scheduler/filter\": dial tcp: connect: connection refused").build()));
    Pod failed = admin.pods().inNamespace("ml").resource(created).updateStatus(); // what kube-scheduler writes
    assertThat(isPodUpdated(created, failed)).as("a status update leaves the pod parked").isFalse();

    try (RetryNudges nudges = new RetryNudges(new KubernetesGangWriter(admin)::annotate, Instant::now, 100)) {
      nudges.nudge(dev.gpusched.extender.gang.PodRef.of(failed));
      nudges.awaitQueued();
    }
    Pod nudged = admin.pods().inNamespace("ml").withName("parked").get();
    assertThat(nudged.getMetadata().getAnnotations()).containsKey("gpusched.dev/retry-after");
    assertThat(isPodUpdated(failed, nudged)).as("the nudge moves it back to the queue").isTrue();
  }

  @Test
  void aPodThatFailedWhileGpuschedWasDownIsRetriedOnceGpuschedServes() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort(); // nothing listens here until gpusched starts: kube-scheduler's calls are refused
    }
    KubeApiServer.createReadyNode(admin, "node-a", Map.of("nvidia.com/gpu.product", "NVIDIA-H100-80GB-HBM3"),
        Map.of("cpu", "64", "memory", "512Gi", "pods", "110", "nvidia.com/gpu", "8"));
    try (KubeScheduler scheduler = KubeScheduler.start(api, "profiles:\n- schedulerName: gpusched\nextenders:\n"
        + "- urlPrefix: http://127.0.0.1:" + port + "/scheduler\n  filterVerb: filter\n  prioritizeVerb: prioritize\n"
        + "  bindVerb: bind\n  weight: 1\n  nodeCacheCapable: true\n  ignorable: false\n  httpTimeout: 5s\n"
        + "  managedResources:\n  - name: nvidia.com/gpu\n    ignoredByScheduler: false\n")) {
      Pod pod = Standalone.gpuPod("ml", "train", 2, Map.of());
      pod.getSpec().setSchedulerName("gpusched");
      admin.pods().inNamespace("ml").resource(pod).create();
      try {
        Await.until("kube-scheduler records the failed call", Duration.ofSeconds(30),
            () -> String.valueOf(scheduledMessage(admin)).contains("connection refused"));
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "; pod status " + live(admin).getStatus() + "; log:\n"
            + scheduler.log(), e);
      }
      Instant failed = Instant.now();

      // the profile's name, as the chart passes --scheduler-name
      GpuschedApp gpusched = GpuschedApp.start(GpuschedApp.Options.loopback(port)
          .withSchedulerNames(Set.of("gpusched")), KubeEdge.of(api.client()));
      try {
        gpusched.awaitReady(30_000);
        Await.until("the pod is bound", SCHEDULER_FLUSH, () -> live(admin).getSpec().getNodeName() != null);
        Instant bound = Instant.now();
        Pod after = live(admin);
        assertThat(after.getSpec().getNodeName()).isEqualTo("node-a");
        assertThat(after.getMetadata().getAnnotations()).containsKey("gpusched.dev/retry-after")
            .containsEntry("gpusched.dev/gpu-ids", "0,1");
        assertThat(Duration.between(failed, bound)).as("bound by the nudge, before kube-scheduler's own flush; log:\n"
            + scheduler.log()).isLessThan(SCHEDULER_FLUSH);
      } finally {
        gpusched.close();
      }
    }
  }

  private static Pod live(KubernetesClient admin) {
    return admin.pods().inNamespace("ml").withName("train").get();
  }

  private static String scheduledMessage(KubernetesClient admin) {
    Pod pod = live(admin);
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return null;
    }
    return pod.getStatus().getConditions().stream().filter(c -> "PodScheduled".equals(c.getType()))
        .map(PodCondition::getMessage).findFirst().orElse(null);
  }
}
