package dev.gpusched.extender.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpusched.extender.GpuschedApp;
import dev.gpusched.extender.it.Standalone;
import dev.gpusched.extender.kube.EmbeddedApiServer;
import dev.gpusched.extender.testing.Await;
import dev.gpusched.extender.testing.TestCertificates;
import dev.gpusched.extender.testing.TestCertificates.Issued;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS on the webhook with certificates generated at test time: served, client certificates required and checked
 * against the configured CA, and a certificate replaced on disk served after the reload.
 */
class TlsTest {
  @TempDir
  Path dir;

  private EmbeddedApiServer api;
  private KubernetesClient client;
  private GpuschedApp app;
  private Issued ca;
  private Issued server;
  private Issued scheduler;

  @BeforeEach
  void certificates() throws Exception {
    ca = TestCertificates.ca("gpusched-test-ca");
    server = ca.sign("gpusched", true);
    scheduler = ca.sign("gpusched-scheduler", false);
    server.write(dir.resolve("tls.crt"), dir.resolve("tls.key"));
    TestCertificates.writeCa(ca, dir.resolve("ca.crt"));
    api = EmbeddedApiServer.start();
    api.client().nodes().resource(Standalone.gpuNode("node-a", 8, "NVIDIA-H100-80GB-HBM3")).create();
  }

  @AfterEach
  void stop() {
    if (app != null) {
      app.close();
    }
    if (client != null) {
      client.close();
    }
    api.close();
  }

  private void start(Path clientCa) throws Exception {
    client = api.newClient();
    TlsConfig tls = new TlsConfig(dir.resolve("tls.crt"), dir.resolve("tls.key"), clientCa, Duration.ofMillis(100));
    app = GpuschedApp.start(GpuschedApp.Options.loopback(0), dev.gpusched.extender.gang.GangScheduling.Settings.DEFAULT, api.edge(client), tls, null);
    app.awaitReady(30_000);
  }

  private HttpResponse<String> get(HttpClient http, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + app.port() + path))
        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static X509Certificate peer(HttpResponse<?> r) throws Exception {
    SSLSession session = r.sslSession().orElseThrow();
    return (X509Certificate) session.getPeerCertificates()[0];
  }

  @Test
  void servesHttpsWithoutClientAuthWhenNoClientCaIsGiven() throws Exception {
    start(null);
    HttpResponse<String> r = get(TestCertificates.client(ca, null), "/readyz");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(peer(r)).isEqualTo(server.certificate());
    String filter = Standalone.filterBody(Standalone.gpuPod("ml", "p", 1, java.util.Map.of()), List.of("node-a"));
    HttpResponse<String> f = TestCertificates.client(ca, null).send(HttpRequest.newBuilder(
            URI.create("https://127.0.0.1:" + app.port() + "/scheduler/filter")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(filter)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(f.statusCode()).isEqualTo(200);
    assertThat(f.body()).contains("\"NodeNames\":[\"node-a\"]");
  }

  @Test
  void plainHttpIsNotAnsweredOnTheHttpsPort() throws Exception {
    start(null);
    HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/readyz"))
        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
  }

  @Test
  void clientCertificateSignedByTheClientCaIsAccepted() throws Exception {
    start(dir.resolve("ca.crt"));
    assertThat(get(TestCertificates.client(ca, scheduler), "/healthz").statusCode()).isEqualTo(200);
  }

  @Test
  void clientWithoutCertificateIsRefusedWhenClientAuthIsOn() throws Exception {
    start(dir.resolve("ca.crt"));
    assertThatThrownBy(() -> get(TestCertificates.client(ca, null), "/healthz")).isInstanceOf(IOException.class);
  }

  @Test
  void clientCertificateFromAnotherCaIsRefused() throws Exception {
    start(dir.resolve("ca.crt"));
    Issued otherCa = TestCertificates.ca("someone-else");
    Issued stranger = otherCa.sign("gpusched-scheduler", false);
    assertThatThrownBy(() -> get(TestCertificates.client(ca, stranger), "/healthz")).isInstanceOf(IOException.class);
    // The server still serves the legitimate client afterwards.
    assertThat(get(TestCertificates.client(ca, scheduler), "/healthz").statusCode()).isEqualTo(200);
  }

  @Test
  void certificateReplacedOnDiskIsServedAfterReload() throws Exception {
    start(dir.resolve("ca.crt"));
    assertThat(peer(get(TestCertificates.client(ca, scheduler), "/healthz"))).isEqualTo(server.certificate());

    // Rotation: a new CA and a new serving certificate; clients that trust only the new CA fail until the reload.
    Issued newCa = TestCertificates.ca("gpusched-test-ca-2");
    Issued newServer = newCa.sign("gpusched", true);
    Path crt = dir.resolve("tls.crt.new");
    Path key = dir.resolve("tls.key.new");
    newServer.write(crt, key);
    Files.move(key, dir.resolve("tls.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.move(crt, dir.resolve("tls.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.setLastModifiedTime(dir.resolve("tls.crt"), FileTime.from(Instant.now().plusSeconds(5)));

    Await.until("the new serving certificate is presented", Duration.ofSeconds(20), () -> {
      try {
        return peer(get(TestCertificates.client(newCa, scheduler), "/healthz")).equals(newServer.certificate());
      } catch (Exception e) {
        return false;
      }
    });
    assertThat(app.server().tlsReloader().reloads()).isGreaterThanOrEqualTo(1);
    // Client authentication still uses the client CA file.
    assertThatThrownBy(() -> get(TestCertificates.client(newCa, null), "/healthz")).isInstanceOf(IOException.class);
  }

  @Test
  void missingFilesAreNamedWithTheirFlag() {
    assertThatThrownBy(() -> TlsConfig.fromOptions(dir.resolve("nope.crt"), dir.resolve("tls.key"), null))
        .hasMessageContaining("--tls-cert").hasMessageContaining("nope.crt");
    assertThatThrownBy(() -> TlsConfig.fromOptions(dir.resolve("tls.crt"), null, null)).hasMessageContaining("go together");
    assertThatThrownBy(() -> TlsConfig.fromOptions(null, null, dir.resolve("ca.crt"))).hasMessageContaining("--tls-client-ca");
    assertThat(TlsConfig.fromOptions(null, null, null)).isNull();
  }
}
