package dev.gpusched.extender.testing;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A real Kubernetes API server for tests: Debian's etcd and a kube-apiserver binary ({@link ExternalTool#ETCD},
 * {@link ExternalTool#KUBE_APISERVER}: {@code $ETCD_BIN} / {@code $KUBE_APISERVER_BIN}, else on {@code PATH}) on
 * 127.0.0.1 and free ports, with a throwaway PKI (a CA, a serving certificate for 127.0.0.1, a service-account key)
 * and one admin token in {@code system:masters}, all in a temporary directory removed on {@link #close()}. No
 * controllers run: objects are stored, defaulted, validated and merged as in a cluster, but nothing acts on them (no
 * pods from Deployments, no garbage collection).
 *
 * <p>Where a binary is missing the test is skipped with what to install, or fails where tools are required
 * ({@link ExternalTool#required()}); mark the class {@code @RequiresTool({"kube-apiserver", "etcd"})} so that is decided
 * before anything starts.
 */
public final class KubeApiServer implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

  private final Path dir;
  private final List<Process> processes;
  private final String url;
  private final String token;
  private final TestCertificates.Issued ca;
  private final HttpClient https;

  private KubeApiServer(Path dir, List<Process> processes, String url, String token, TestCertificates.Issued ca,
      HttpClient https) {
    this.dir = dir;
    this.processes = processes;
    this.url = url;
    this.token = token;
    this.ca = ca;
    this.https = https;
  }

  /**
   * Starts etcd, then kube-apiserver with the given extra flags (e.g. {@code --feature-gates=...}), and waits until the
   * API server's {@code /readyz} answers 200.
   *
   * @throws org.opentest4j.TestAbortedException when a binary is missing (the test is skipped)
   * @throws AssertionError when a process does not come up (with the tail of its log), or a binary is missing where
   *     tools are required
   */
  public static KubeApiServer start(String... apiServerFlags) {
    Path etcd = ExternalTool.ETCD.require();
    Path apiServer = ExternalTool.KUBE_APISERVER.require();
    for (int attempt = 1; ; attempt++) { // a free port can be taken between probe and bind
      try {
        return startOnce(etcd, apiServer, apiServerFlags);
      } catch (AssertionError e) {
        if (attempt == 3 || !String.valueOf(e.getMessage()).contains("address already in use")) {
          throw e;
        }
      }
    }
  }

  private static KubeApiServer startOnce(Path etcd, Path apiServer, String... apiServerFlags) {
    Path dir = null;
    List<Process> processes = new ArrayList<>();
    try {
      dir = Files.createTempDirectory("gpusched-kube-apiserver-");
      Path data = Files.createDirectory(dir.resolve("etcd"));
      TestCertificates.Issued ca = TestCertificates.ca("gpusched-test-ca");
      ca.sign("kube-apiserver", true).write(dir.resolve("apiserver.crt"), dir.resolve("apiserver.key"));
      TestCertificates.Issued serviceAccounts = ca.sign("service-accounts", false);
      serviceAccounts.write(dir.resolve("sa.crt"), dir.resolve("sa.key"));
      Files.writeString(dir.resolve("sa.pub"), "-----BEGIN PUBLIC KEY-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
              .encodeToString(serviceAccounts.keys().getPublic().getEncoded())
          + "\n-----END PUBLIC KEY-----\n");
      String token = HexFormat.of().formatHex(java.security.SecureRandom.getSeed(16));
      Files.writeString(dir.resolve("tokens.csv"), token + ",admin,admin-uid,\"system:masters\"\n");

      int client = freePort();
      int peer = freePort();
      String etcdUrl = "http://127.0.0.1:" + client;
      processes.add(spawn(dir.resolve("etcd.log"), etcd.toString(), "--name", "test", "--data-dir", data.toString(),
          "--listen-client-urls", etcdUrl, "--advertise-client-urls", etcdUrl,
          "--listen-peer-urls", "http://127.0.0.1:" + peer, "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
          "--initial-cluster", "test=http://127.0.0.1:" + peer));
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      awaitProcess(processes.get(0), dir.resolve("etcd.log"), "etcd /health",
          () -> status(http, HttpRequest.newBuilder(URI.create(etcdUrl + "/health")).build()) == 200);

      int port = freePort();
      List<String> command = new ArrayList<>(List.of(apiServer.toString(),
          "--etcd-servers=" + etcdUrl, "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
          "--secure-port=" + port, "--cert-dir=" + dir,
          "--tls-cert-file=" + dir.resolve("apiserver.crt"), "--tls-private-key-file=" + dir.resolve("apiserver.key"),
          "--token-auth-file=" + dir.resolve("tokens.csv"), "--authorization-mode=RBAC",
          "--service-account-issuer=https://kubernetes.default.svc",
          "--service-account-key-file=" + dir.resolve("sa.pub"),
          "--service-account-signing-key-file=" + dir.resolve("sa.key"),
          "--service-cluster-ip-range=10.96.0.0/16",
          "--endpoint-reconciler-type=none", // 127.0.0.1 is not a valid endpoint address
          "--profiling=false"));
      command.addAll(List.of(apiServerFlags));
      processes.add(spawn(dir.resolve("kube-apiserver.log"), command.toArray(String[]::new)));
      String url = "https://127.0.0.1:" + port;
      HttpClient https = HttpClient.newBuilder().sslContext(TestCertificates.sslContext(ca, null))
          .connectTimeout(Duration.ofSeconds(2)).build();
      awaitProcess(processes.get(1), dir.resolve("kube-apiserver.log"), "kube-apiserver /readyz",
          () -> status(https, HttpRequest.newBuilder(URI.create(url + "/readyz"))
              .header("Authorization", "Bearer " + token).build()) == 200);
      return new KubeApiServer(dir, processes, url, token, ca, https);
    } catch (Exception | AssertionError e) {
      stop(processes);
      delete(dir);
      if (e instanceof AssertionError a) {
        throw a;
      }
      throw new AssertionError("could not start etcd and kube-apiserver: " + e.getMessage(), e);
    }
  }

  /** The API server's URL, {@code https://127.0.0.1:PORT}. */
  public String url() {
    return url;
  }

  /** A fabric8 client of the admin (system:masters), trusting the server's CA; close it after use. */
  public KubernetesClient client() {
    try {
      String caPem = TestCertificates.pem(ca.certificate());
      Config config = new ConfigBuilder(Config.empty()).withMasterUrl(url).withOauthToken(token)
          .withCaCertData(Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.UTF_8)))
          .withRequestTimeout(30_000).build();
      return new KubernetesClientBuilder().withConfig(config).build();
    } catch (Exception e) {
      throw new IllegalStateException("cannot write the test CA as PEM: " + e.getMessage(), e);
    }
  }

  /**
   * Writes a kubeconfig of the admin (token, the server's CA) to {@code file}, for a program that reads one (kube-scheduler).
   */
  public Path writeKubeconfig(Path file) {
    try {
      Path caFile = file.resolveSibling(file.getFileName() + ".ca.crt");
      Files.writeString(caFile, TestCertificates.pem(ca.certificate()));
      Files.writeString(file, "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: " + url
          + "\n    certificate-authority: " + caFile + "\nusers:\n- name: admin\n  user:\n    token: " + token
          + "\ncontexts:\n- name: admin@test\n  context:\n    cluster: test\n    user: admin\ncurrent-context: admin@test\n");
      return file;
    } catch (Exception e) {
      throw new IllegalStateException("cannot write a kubeconfig to " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Creates a node as a kubelet would leave it: Ready, with this allocatable (and capacity), without the not-ready taint
   * the API server adds to a node created without one; no kubelet runs here.
   */
  public static void createReadyNode(KubernetesClient admin, String name, Map<String, String> labels,
      Map<String, String> allocatable) {
    Node node = admin.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
        .build()).create();
    Map<String, Quantity> resources = new java.util.LinkedHashMap<>();
    allocatable.forEach((k, v) -> resources.put(k, new Quantity(v)));
    String now = java.time.Instant.now().toString();
    node.setStatus(new NodeStatusBuilder().withCapacity(resources).withAllocatable(resources)
        .withConditions(new NodeConditionBuilder().withType("Ready").withStatus("True").withReason("KubeletReady")
            .withLastHeartbeatTime(now).withLastTransitionTime(now).build()).build());
    admin.nodes().resource(node).updateStatus();
    Node current = admin.nodes().withName(name).get();
    if (current.getSpec().getTaints() != null && !current.getSpec().getTaints().isEmpty()) {
      current.getSpec().setTaints(null);
      admin.nodes().resource(current).update();
    }
  }

  /**
   * One request as the admin, for what a client library would add to (fabric8 sends a propagation policy with every
   * delete, for one): {@code path} from the root ({@code /apis/...}), {@code body} null or of {@code contentType}
   * (e.g. {@code application/apply-patch+yaml} for a server-side apply).
   */
  public HttpResponse<String> request(String method, String path, String body, String contentType) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + token)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", contentType);
    }
    try {
      return https.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during " + method + " " + path, e);
    }
  }

  @Override
  public void close() {
    stop(processes);
    delete(dir);
  }

  private static Process spawn(Path log, String... command) throws IOException {
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static int status(HttpClient http, HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static void awaitProcess(Process process, Path log, String what, BooleanSupplier ready) throws InterruptedException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError(what + ": the process exited with " + process.exitValue() + "; log:\n" + tail(log));
      }
      if (ready.getAsBoolean()) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(what + " did not answer within " + READY_TIMEOUT.toSeconds() + "s; log:\n" + tail(log));
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Stops the API server before etcd: SIGTERM, then SIGKILL after 10 s. */
  private static void stop(List<Process> processes) {
    for (int i = processes.size() - 1; i >= 0; i--) {
      Process p = processes.get(i);
      p.destroy();
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void delete(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + dir, e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
