package dev.gpusched.bench.heap;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * The nodes and running pods the heap benchmark creates, shaped as a kubelet, GPU feature discovery and a Deployment
 * leave them in a real cluster (labels, taints, conditions, images; env, probes, volumes, owner, status), so the
 * objects gpusched's informers receive cost what real ones cost. Nodes are 8x H100; GPU pods hold one GPU each
 * ({@code gpusched.dev/gpu-ids} recorded), dealt to the nodes in turn (at most 8 a node); CPU pods ask for half a CPU. Pods are created bound (no
 * scheduler needed) in one namespace, then marked Running through their status, as the kubelet would.
 */
final class BenchObjects {
  /** Marks what the benchmark created; outside gpusched.dev/, whose labels gpusched keeps. */
  static final String LABEL = "heap-bench.gpusched.dev/object";
  static final int GPUS_PER_NODE = 8;

  private final KubernetesClient client;
  private final String namespace;
  private final ExecutorService writers;

  BenchObjects(KubernetesClient client, String namespace, int threads) {
    this.client = client;
    this.namespace = namespace;
    this.writers = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "heap-bench-writer");
      t.setDaemon(true);
      return t;
    });
  }

  static String nodeName(int i) {
    return String.format("heap-node-%05d", i);
  }

  static String gpuPodName(int i) {
    return String.format("heap-gpu-%06d", i);
  }

  static String cpuPodName(int i) {
    return String.format("heap-cpu-%06d", i);
  }

  String namespace() {
    return namespace;
  }

  /**
   * The namespace and its default service account (the API server's admission sets it on every pod); refuses a cluster
   * that still holds an earlier run's objects (the counts would be off).
   */
  void prepare() {
    if (client.nodes().withName(nodeName(0)).get() != null) {
      throw new IllegalStateException("the cluster still holds node " + nodeName(0) + " of an earlier run: delete that "
          + "run's objects (kubectl delete pods,nodes -A -l " + LABEL + ") or use a fresh API server");
    }
    Namespace ns = new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build();
    ignoreExisting(() -> client.namespaces().resource(ns).create());
    ignoreExisting(() -> client.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder()
        .withNewMetadata().withName("default").withNamespace(namespace).endMetadata().build()).create());
  }

  /** Creates nodes {@code from} (inclusive) to {@code to} (exclusive), each with its status. */
  void nodes(int from, int to) {
    run(from, to, i -> {
      client.nodes().resource(node(i)).create();
      client.nodes().resource(withNodeStatus(node(i))).patchStatus();
    });
  }

  /** Creates running GPU pods {@code from} to {@code to} on the nodes 0..nodes-1, dealt in turn. */
  void gpuPods(int from, int to, int nodes) {
    run(from, to, i -> createRunning(gpuPod(i, nodes)));
  }

  /** Creates running CPU pods {@code from} to {@code to} on the nodes 0..nodes-1. */
  void cpuPods(int from, int to, int nodes) {
    run(from, to, i -> createRunning(cpuPod(i, nodes)));
  }

  /** Deletes every pod and node this benchmark created. */
  void deleteAll() {
    client.pods().inNamespace(namespace).withLabel(LABEL).delete();
    client.nodes().withLabel(LABEL).delete();
  }

  private void createRunning(Pod pod) {
    client.pods().inNamespace(namespace).resource(pod).create();
    client.pods().inNamespace(namespace).resource(withPodStatus(pod)).patchStatus();
  }

  private void run(int from, int to, IntConsumer create) {
    List<Future<?>> done = new ArrayList<>();
    for (int i = from; i < to; i++) {
      int index = i;
      done.add(writers.submit(() -> create.accept(index)));
    }
    for (Future<?> f : done) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while creating objects", e);
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException("creating the benchmark's objects failed: " + e.getCause().getMessage(), e);
      }
    }
  }

  private static void ignoreExisting(Runnable create) {
    try {
      create.run();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  static Node node(int i) {
    String name = nodeName(i);
    return new NodeBuilder().withNewMetadata().withName(name)
        .addToLabels(LABEL, "true")
        .addToLabels(Map.ofEntries(Map.entry("kubernetes.io/hostname", name), Map.entry("kubernetes.io/os", "linux"),
            Map.entry("kubernetes.io/arch", "amd64"), Map.entry("beta.kubernetes.io/os", "linux"),
            Map.entry("beta.kubernetes.io/arch", "amd64"), Map.entry("node.kubernetes.io/instance-type", "p5.48xlarge"),
            Map.entry("topology.kubernetes.io/region", "region-1"),
            Map.entry("topology.kubernetes.io/zone", "zone-" + (char) ('a' + i % 3)),
            Map.entry("nvidia.com/gpu.present", "true"), Map.entry("nvidia.com/gpu.count", "8"),
            Map.entry("nvidia.com/gpu.product", "NVIDIA-H100-80GB-HBM3"), Map.entry("nvidia.com/gpu.memory", "81559"),
            Map.entry("nvidia.com/gpu.family", "hopper"), Map.entry("nvidia.com/cuda.driver.major", "550"),
            Map.entry("nvidia.com/cuda.runtime.major", "12"), Map.entry("nvidia.com/mig.capable", "true"),
            Map.entry("network.topology.nvidia.com/leaf", "leaf-" + i / 32),
            Map.entry("network.topology.nvidia.com/spine", "spine-" + i / 512)))
        .withAnnotations(Map.of("node.alpha.kubernetes.io/ttl", "0",
            "volumes.kubernetes.io/controller-managed-attach-detach", "true",
            "csi.volume.kubernetes.io/nodeid", "{\"ebs.csi.aws.com\":\"i-0" + Integer.toHexString(0x1000000 + i) + "\"}"))
        .endMetadata()
        .withNewSpec().withProviderID("aws:///zone-a/i-0" + Integer.toHexString(0x1000000 + i))
        .addNewTaint().withKey("nvidia.com/gpu").withValue("present").withEffect("NoSchedule").endTaint().endSpec()
        .build();
  }

  private static Node withNodeStatus(Node n) {
    Map<String, Quantity> capacity = Map.of("cpu", new Quantity("192"), "memory", new Quantity("2063728752Ki"),
        "nvidia.com/gpu", new Quantity("8"), "pods", new Quantity("110"), "ephemeral-storage", new Quantity("3758096384Ki"),
        "hugepages-1Gi", new Quantity("0"), "hugepages-2Mi", new Quantity("0"));
    var status = new io.fabric8.kubernetes.api.model.NodeStatusBuilder().withCapacity(capacity).withAllocatable(capacity)
        .addNewAddress().withType("InternalIP").withAddress("10.0." + Math.floorMod(n.getMetadata().getName().hashCode(), 250) + ".1")
        .endAddress().addNewAddress().withType("Hostname").withAddress(n.getMetadata().getName()).endAddress()
        .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(10250).endKubeletEndpoint().endDaemonEndpoints()
        .withNewNodeInfo().withArchitecture("amd64").withOperatingSystem("linux").withOsImage("Ubuntu 22.04.4 LTS")
        .withKernelVersion("5.15.0-1061-aws").withContainerRuntimeVersion("containerd://1.7.13")
        .withKubeletVersion("v1.29.3").withKubeProxyVersion("v1.29.3").withMachineID("ec2" + n.getMetadata().getName())
        .withSystemUUID("ec2" + n.getMetadata().getName()).withBootID("boot-" + n.getMetadata().getName()).endNodeInfo();
    for (String[] c : new String[][] {{"MemoryPressure", "False", "KubeletHasSufficientMemory"},
        {"DiskPressure", "False", "KubeletHasNoDiskPressure"}, {"PIDPressure", "False", "KubeletHasSufficientPID"},
        {"Ready", "True", "KubeletReady"}}) {
      status.addNewCondition().withType(c[0]).withStatus(c[1]).withReason(c[2])
          .withMessage("kubelet reports " + c[2]).withLastHeartbeatTime("2026-12-07T20:00:00Z")
          .withLastTransitionTime("2026-12-01T08:00:00Z").endCondition();
    }
    for (int k = 0; k < 10; k++) {
      status.addNewImage().withNames("registry.example/ml/image-" + k + "@sha256:" + "0123456789abcdef".repeat(4),
          "registry.example/ml/image-" + k + ":1." + k).withSizeBytes(1_000_000_000L + k).endImage();
    }
    return new NodeBuilder(n).withStatus(status.build()).build();
  }

  private Pod gpuPod(int i, int nodes) {
    return pod(gpuPodName(i), nodeName(i % nodes), "train", Map.of("cpu", "8", "memory", "64Gi", "nvidia.com/gpu", "1"),
        Map.of("nvidia.com/gpu", "1"), Map.of("gpusched.dev/gpu-ids", Integer.toString((i / nodes) % GPUS_PER_NODE)));
  }

  private Pod cpuPod(int i, int nodes) {
    return pod(cpuPodName(i), nodeName(i % nodes), "web", Map.of("cpu", "500m", "memory", "1Gi"),
        Map.of("memory", "2Gi"), Map.of());
  }

  private Pod pod(String name, String node, String app, Map<String, String> requests, Map<String, String> limits,
      Map<String, String> gpuschedAnnotations) {
    String hash = "7d9f8c6b5";
    PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace)
        .addToLabels(LABEL, "true").addToLabels("app", app).addToLabels("team", "team-" + Math.floorMod(name.hashCode(), 7))
        .addToLabels("pod-template-hash", hash).addToAnnotations(gpuschedAnnotations)
        .addToAnnotations("prometheus.io/scrape", "true").addToAnnotations("kubectl.kubernetes.io/restartedAt",
            "2026-12-01T10:00:00Z")
        .addNewOwnerReference().withApiVersion("apps/v1").withKind("ReplicaSet").withName(app + "-" + hash)
        .withUid("6f1c2a9e-3b7d-4e8f-9a0b-1c2d3e4f5a6b").withController(true).withBlockOwnerDeletion(true)
        .endOwnerReference().endMetadata()
        .withNewSpec().withNodeName(node).addNewContainer().withName("main")
        .withImage("registry.example/ml/" + app + ":2.4.1").withArgs("--config", "/etc/app/config.yaml", "--port", "8000")
        .addNewPort().withName("http").withContainerPort(8000).endPort()
        .addNewEnv().withName("LOG_LEVEL").withValue("info").endEnv()
        .addNewEnv().withName("HF_HOME").withValue("/cache/hf").endEnv()
        .addNewEnv().withName("POD_NAME").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name")
        .endFieldRef().endValueFrom().endEnv()
        .withNewResources().withRequests(quantities(requests)).withLimits(quantities(limits)).endResources()
        .addNewVolumeMount().withName("config").withMountPath("/etc/app").endVolumeMount()
        .addNewVolumeMount().withName("cache").withMountPath("/cache").endVolumeMount()
        .withNewReadinessProbe().withNewHttpGet().withPath("/health").withNewPort(8000).endHttpGet()
        .withPeriodSeconds(10).endReadinessProbe().endContainer()
        .addNewVolume().withName("config").withNewConfigMap().withName(app + "-config").endConfigMap().endVolume()
        .addNewVolume().withName("cache").withNewEmptyDir().endEmptyDir().endVolume()
        .addNewToleration().withKey("nvidia.com/gpu").withOperator("Exists").withEffect("NoSchedule").endToleration()
        .endSpec();
    return b.build();
  }

  private static Pod withPodStatus(Pod p) {
    String ts = "2026-12-07T20:00:00Z";
    var status = new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Running").withHostIP("10.0.0.1")
        .withPodIP("10.1." + (p.getMetadata().getName().hashCode() & 0xff) + ".7").withStartTime(ts)
        .addNewContainerStatus().withName("main").withReady(true).withStarted(true).withRestartCount(0)
        .withImage(p.getSpec().getContainers().get(0).getImage())
        .withImageID("registry.example/ml/app@sha256:" + "0f1e2d3c4b5a6978".repeat(4))
        .withContainerID("containerd://" + "ab12cd34".repeat(8)).withNewState().withNewRunning().withStartedAt(ts)
        .endRunning().endState().endContainerStatus();
    for (String type : new String[] {"Initialized", "Ready", "ContainersReady", "PodScheduled"}) {
      status.addNewCondition().withType(type).withStatus("True").withLastTransitionTime(ts).endCondition();
    }
    return new PodBuilder(p).withStatus(status.build()).build();
  }

  private static Map<String, Quantity> quantities(Map<String, String> texts) {
    Map<String, Quantity> out = new java.util.HashMap<>();
    texts.forEach((k, v) -> out.put(k, new Quantity(v)));
    return out;
  }

  void close() {
    writers.shutdownNow();
  }
}
