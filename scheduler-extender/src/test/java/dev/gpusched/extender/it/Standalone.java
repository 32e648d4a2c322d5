package dev.gpusched.extender.it;

import dev.gpusched.extender.GpuschedApp;
import dev.gpusched.extender.http.ServerLimits;
import dev.gpusched.extender.kube.EmbeddedApiServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A standalone gpusched on 127.0.0.1 against an embedded API server, with a small HTTP client for tests. */
public final class Standalone implements AutoCloseable {
  public static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public final EmbeddedApiServer api;
  public KubernetesClient client;
  public GpuschedApp app;
  private final ServerLimits limits;
  /** Gang settings used by {@link #startGpusched()} (defaults unless a test shortens e.g. the starvation rule). */
  public dev.gpusched.extender.gang.GangScheduling.Settings gangSettings =
      dev.gpusched.extender.gang.GangScheduling.Settings.DEFAULT;
  /** Which fitting nodes filter answers after the next {@link #startGpusched()} (serve's default unless a test asks). */
  public dev.gpusched.extender.cycle.FilterAnswer filterAnswer = dev.gpusched.extender.cycle.FilterAnswer.BEST;
  private final dev.gpusched.extender.dcgm.DcgmSettings dcgm;

  private Standalone(EmbeddedApiServer api, ServerLimits limits, dev.gpusched.extender.dcgm.DcgmSettings dcgm) {
    this.api = api;
    this.limits = limits;
    this.dcgm = dcgm;
  }

  public static Standalone start(List<HasMetadata> objects) throws Exception {
    return start(objects, ServerLimits.DEFAULT);
  }

  public static Standalone start(List<HasMetadata> objects, ServerLimits limits) throws Exception {
    return start(objects, limits, GpuschedApp.Options.NO_DCGM);
  }

  public static Standalone start(List<HasMetadata> objects, ServerLimits limits,
      dev.gpusched.extender.gang.GangScheduling.Settings gangSettings) throws Exception {
    return start(objects, limits, GpuschedApp.Options.NO_DCGM, gangSettings);
  }

  public static Standalone start(List<HasMetadata> objects, ServerLimits limits,
      dev.gpusched.extender.dcgm.DcgmSettings dcgm) throws Exception {
    return start(objects, limits, dcgm, dev.gpusched.extender.gang.GangScheduling.Settings.DEFAULT);
  }

  public static Standalone start(List<HasMetadata> objects, ServerLimits limits,
      dev.gpusched.extender.dcgm.DcgmSettings dcgm, dev.gpusched.extender.gang.GangScheduling.Settings gangSettings)
      throws Exception {
    return start(EmbeddedApiServer.start(), objects, limits, dcgm, gangSettings);
  }

  /** Over an embedded API server with this dispatcher (one whose evictions a disruption budget refuses). */
  public static Standalone start(List<HasMetadata> objects, dev.gpusched.extender.kube.EvictingCrudDispatcher dispatcher,
      dev.gpusched.extender.gang.GangScheduling.Settings gangSettings) throws Exception {
    return start(EmbeddedApiServer.start(dispatcher), objects, ServerLimits.DEFAULT, GpuschedApp.Options.NO_DCGM,
        gangSettings);
  }

  private static Standalone start(EmbeddedApiServer api, List<HasMetadata> objects, ServerLimits limits,
      dev.gpusched.extender.dcgm.DcgmSettings dcgm, dev.gpusched.extender.gang.GangScheduling.Settings gangSettings)
      throws Exception {
    for (HasMetadata o : objects) {
      if (o instanceof Node n) {
        api.client().nodes().resource(n).create();
      }
    }
    for (HasMetadata o : objects) {
      if (o instanceof Pod p) {
        api.client().pods().inNamespace(p.getMetadata().getNamespace()).resource(p).create();
      }
    }
    Standalone s = new Standalone(api, limits, dcgm);
    s.gangSettings = gangSettings;
    s.startGpusched();
    return s;
  }

  /** Starts (or restarts) the gpusched instance with a fresh client, as a new process would. */
  public void startGpusched() throws InterruptedException {
    client = api.newClient();
    app = GpuschedApp.start(new GpuschedApp.Options("127.0.0.1", 0, limits, dcgm).withFilterAnswer(filterAnswer),
        gangSettings, api.edge(client));
    app.awaitReady(30_000);
  }

  /** Restarts gpusched with filter answering every fitting node (the protocol's plain form). */
  public Standalone answeringAllFitting() throws InterruptedException {
    stopGpusched();
    filterAnswer = dev.gpusched.extender.cycle.FilterAnswer.ALL_FITTING;
    startGpusched();
    return this;
  }

  public void stopGpusched() {
    app.close();
    client.close();
  }

  public String base() {
    return "http://127.0.0.1:" + app.port();
  }

  public HttpResponse<String> post(String path, String body) {
    return post(path, body, "application/json");
  }

  public HttpResponse<String> post(String path, String body, String contentType) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return send(b.build());
  }

  /** POST without waiting for the answer (a bind held at a gang's barrier answers later). */
  public java.util.concurrent.CompletableFuture<HttpResponse<String>> postAsync(String path, String body) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
    return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30)).GET().build());
  }

  private static HttpResponse<String> send(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public JsonNode json(HttpResponse<String> response) {
    return JSON.readTree(response.body());
  }

  public JsonNode inspect(String node) {
    return json(get("/inspect/" + node));
  }

  /** Waits until {@code /inspect/{node}} shows no GPU still being bound (the informer has caught up). */
  public void awaitSettled(String node) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      boolean settled = true;
      for (JsonNode p : inspect(node).path("pods")) {
        if ("binding".equals(p.path("source").asString())) {
          settled = false;
        }
      }
      if (settled) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("node " + node + " still shows binds in flight after 10 s");
  }

  /** Filter request body in NodeNames mode for {@code pod}. */
  public static String filterBody(Pod pod, List<String> names) {
    Map<String, Object> body = new java.util.LinkedHashMap<>();
    body.put("Pod", pod);
    body.put("Nodes", null);
    body.put("NodeNames", names);
    return dev.gpusched.extender.testing.KubeJson.SERIALIZATION.asJson(body);
  }

  public String bindBody(Pod pod, String node) {
    Pod live = client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).get();
    return "{\"PodName\":\"" + live.getMetadata().getName() + "\",\"PodNamespace\":\"" + live.getMetadata().getNamespace()
        + "\",\"PodUID\":\"" + live.getMetadata().getUid() + "\",\"Node\":\"" + node + "\"}";
  }

  /** Binds through the HTTP verb, as kube-scheduler would; returns the Error field. */
  public String bind(Pod pod, String node) throws Exception {
    // The informer must have seen the pod before bind can look it up.
    long deadline = System.currentTimeMillis() + 10_000;
    String error;
    do {
      error = json(post("/scheduler/bind", bindBody(pod, node))).path("Error").asString();
      if (!error.contains("not in gpusched's cache")) {
        return error;
      }
      Thread.sleep(20);
    } while (System.currentTimeMillis() < deadline);
    return error;
  }

  public static Node gpuNode(String name, int gpus, String product) {
    return gpuNode(name, gpus, product, 0);
  }

  /** A GPU node as GPU feature discovery labels it; {@code memoryMiB} 0 leaves nvidia.com/gpu.memory off. */
  public static Node gpuNode(String name, int gpus, String product, long memoryMiB) {
    Map<String, String> labels = new java.util.HashMap<>();
    labels.put("nvidia.com/gpu.product", product);
    if (memoryMiB > 0) {
      labels.put("nvidia.com/gpu.memory", Long.toString(memoryMiB));
    }
    return new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
        .withNewStatus().addToAllocatable("nvidia.com/gpu", new Quantity(Integer.toString(gpus)))
        .addToCapacity("nvidia.com/gpu", new Quantity(Integer.toString(gpus))).endStatus().build();
  }

  public static Pod gpuPod(String ns, String name, int gpus, Map<String, String> annotations) {
    return new PodBuilder().withNewMetadata().withNamespace(ns).withName(name).withAnnotations(annotations).endMetadata()
        .withNewSpec().addNewContainer().withName("main").withImage("cuda")
        .withNewResources().addToRequests("nvidia.com/gpu", new Quantity(Integer.toString(gpus)))
        .addToLimits("nvidia.com/gpu", new Quantity(Integer.toString(gpus))).endResources().endContainer().endSpec()
        .withNewStatus().withPhase("Pending").endStatus().build();
  }

  public static Pod sharedPod(String ns, String name, int milli, Map<String, String> annotations) {
    return new PodBuilder().withNewMetadata().withNamespace(ns).withName(name).withAnnotations(annotations).endMetadata()
        .withNewSpec().addNewContainer().withName("main").withImage("cuda")
        .withNewResources().addToLimits("gpusched.dev/gpu-milli", new Quantity(Integer.toString(milli))).endResources()
        .endContainer().endSpec().withNewStatus().withPhase("Pending").endStatus().build();
  }

  /** Creates the pod in the embedded API and waits until gpusched's informer has it. */
  public Pod create(Pod pod) throws Exception {
    Pod created = client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).create();
    long deadline = System.currentTimeMillis() + 10_000;
    while (get("/inspect/pod/" + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName()).statusCode() != 200) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("gpusched never saw pod " + pod.getMetadata().getName());
      }
      Thread.sleep(20);
    }
    return created;
  }

  @Override
  public void close() {
    try {
      stopGpusched();
    } finally {
      api.close();
    }
  }
}
