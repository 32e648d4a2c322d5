package dev.gpusched.deploy.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpusched.deploy.ProjectPaths;
import dev.gpusched.deploy.Yaml;
import dev.gpusched.extender.cli.GpuschedCommand;
import dev.gpusched.extender.testing.TestCertificates;
import dev.gpusched.extender.testing.TestCertificates.Issued;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gpusched serve} started as its own process with the container arguments of the shipped Deployment (TLS with a
 * client CA, the health port), certificates generated here in place of the Secret: the probes the Deployment declares
 * succeed without a client certificate on the health port, Prometheus's scrape path is served there, and a verb call
 * without a client certificate is refused on the verb port. Leader election and the Prometheus URL are left out (they
 * need a cluster and a Prometheus); the cluster is the embedded example one. Ports are 0 (any free one) and read from
 * the start-up line.
 */
class ServeWithShippedTlsTest {
  private static final Pattern READY = Pattern.compile(
      "ready on https://127\\.0\\.0\\.1:(\\d+) .*health and metrics on http://127\\.0\\.0\\.1:(\\d+)");
  private static final String TLS_DIR = "/etc/gpusched/tls/";

  @TempDir
  Path dir;

  private Process serve;

  @AfterEach
  void stop() throws InterruptedException {
    if (serve != null) {
      serve.destroy();
      if (!serve.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
        serve.destroyForcibly();
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> container() {
    Map<String, Object> deployment = Manifests.find(Manifests.listedObjects(), "Deployment", "gpusched");
    return ((List<Map<String, Object>>) Yaml.at(deployment, "spec.template.spec.containers")).get(0);
  }

  @SuppressWarnings("unchecked")
  private static int containerPort(Map<String, Object> container, Object name) {
    for (Map<String, Object> port : (List<Map<String, Object>>) container.get("ports")) {
      if (port.get("name").equals(name)) {
        return (Integer) port.get("containerPort");
      }
    }
    throw new AssertionError("the container has no port named " + name);
  }

  @Test
  @SuppressWarnings("unchecked")
  void probesAndMetricsNeedNoClientCertificateAndTheVerbsDo() throws Exception {
    Map<String, Object> container = container();
    List<String> shipped = (List<String>) container.get("args");
    int healthPort = containerPort(container, "health");
    assertThat(shipped).contains("--port=" + containerPort(container, "https"), "--health-port=" + healthPort,
        "--tls-cert=" + TLS_DIR + "tls.crt", "--tls-key=" + TLS_DIR + "tls.key", "--tls-client-ca=" + TLS_DIR + "ca.crt");

    Issued ca = TestCertificates.ca("gpusched-test-ca");
    Issued scheduler = ca.sign("gpusched-scheduler", false);
    ca.sign("gpusched", true).write(dir.resolve("tls.crt"), dir.resolve("tls.key"));
    TestCertificates.writeCa(ca, dir.resolve("ca.crt"));

    List<String> args = new ArrayList<>();
    for (String arg : shipped) {
      if (arg.startsWith("--leader-election-") || arg.startsWith("--prometheus-url=")) {
        continue;
      }
      args.add(arg.replace(TLS_DIR, dir + "/").replaceFirst("^--port=\\d+$", "--port=0")
          .replaceFirst("^--health-port=\\d+$", "--health-port=0"));
    }
    args.add("--host=127.0.0.1");
    args.add("--cluster-file=" + ProjectPaths.deploy().resolve("examples/cluster.yaml"));
    int[] ports = start(args);
    int verbPort = ports[0];
    int health = ports[1];

    HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    // Every probe of the Deployment, as the kubelet sends it: plain HTTP, no certificate, on the port it names.
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      Map<String, Object> get = (Map<String, Object>) Yaml.at(container, probe + ".httpGet");
      assertThat(get.get("scheme")).as(probe).isEqualTo("HTTP");
      assertThat(containerPort(container, get.get("port"))).as(probe + " port").isEqualTo(healthPort);
      HttpResponse<String> answer = get(plain, "http://127.0.0.1:" + health + get.get("path"));
      assertThat(answer.statusCode()).as(probe + " " + get.get("path")).isEqualTo(200);
    }
    HttpResponse<String> metrics = get(plain, "http://127.0.0.1:" + health + "/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("gpusched_ready 1.0", "gpusched_leader 1.0");
    // The health port answers nothing else: no verb, no /inspect.
    assertThat(post(plain, "http://127.0.0.1:" + health + "/scheduler/filter").statusCode()).isEqualTo(404);
    assertThat(get(plain, "http://127.0.0.1:" + health + "/inspect").statusCode()).isEqualTo(404);

    // The verb port: a caller without a client certificate fails the TLS handshake; the scheduler's certificate works.
    String filter = "https://127.0.0.1:" + verbPort + "/scheduler/filter";
    assertThatThrownBy(() -> post(TestCertificates.client(ca, null), filter)).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> get(TestCertificates.client(ca, null), "https://127.0.0.1:" + verbPort + "/metrics"))
        .isInstanceOf(IOException.class);
    HttpResponse<String> withCertificate = post(TestCertificates.client(ca, scheduler), filter);
    assertThat(withCertificate.statusCode()).isEqualTo(200);
    assertThat(withCertificate.body()).contains("\"NodeNames\":[\"dgx-h100-1\"]");
  }

  /** Starts {@code gpusched ARGS} (the container arguments start with serve) in its own JVM; returns the verb and health ports once it says it is ready. */
  private int[] start(List<String> args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), GpuschedCommand.class.getName()));
    command.addAll(args);
    Path log = dir.resolve("serve.log");
    serve = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      String output = Files.readString(log);
      Matcher ready = READY.matcher(output);
      if (ready.find()) {
        return new int[] {Integer.parseInt(ready.group(1)), Integer.parseInt(ready.group(2))};
      }
      if (!serve.isAlive()) {
        throw new AssertionError("gpusched serve exited with " + serve.exitValue() + ":\n" + output);
      }
      Thread.sleep(100);
    }
    throw new AssertionError("gpusched serve did not say it was ready within 90 s:\n" + Files.readString(log));
  }

  private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(HttpClient http, String url) throws Exception {
    String body = "{\"Pod\":{\"metadata\":{\"name\":\"p\",\"namespace\":\"ml\",\"uid\":\"u\"},\"spec\":{\"containers\":"
        + "[{\"name\":\"c\",\"resources\":{\"limits\":{\"nvidia.com/gpu\":\"1\"}}}]}},\"NodeNames\":[\"dgx-h100-1\"]}";
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
