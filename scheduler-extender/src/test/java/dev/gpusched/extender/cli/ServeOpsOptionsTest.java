package dev.gpusched.extender.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TLS, limit, health-port and leader-election options of {@code serve} reject inconsistent input with a message, exit 2. */
class ServeOpsOptionsTest {
  @TempDir
  Path dir;

  private static String[] run(String... args) {
    CommandRun r = CommandRun.of(args);
    return new String[] {Integer.toString(r.code()), r.err()};
  }

  @Test
  void tlsCertificateWithoutKeyIsRefused() throws Exception {
    Path cert = Files.writeString(dir.resolve("tls.crt"), "x");
    String[] r = run("serve", "--port=0", "--tls-cert=" + cert);
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[1]).contains("--tls-cert and --tls-key go together");
  }

  @Test
  void missingTlsFileIsNamed() {
    String[] r = run("serve", "--port=0", "--tls-cert=" + dir.resolve("none.crt"), "--tls-key=" + dir.resolve("none.key"));
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[1]).contains("--tls-cert").contains("none.crt").contains("--tls-key");
  }

  @Test
  void leaseWithoutNamespaceIsRefused() {
    String[] r = run("serve", "--port=0", "--leader-election-lease=gpusched");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[1]).contains("--leader-election-namespace");
  }

  @Test
  void aHealthPortThatIsTheVerbPortOrNoPortIsRefused() {
    String[] same = run("serve", "--port=8443", "--health-port=8443");
    assertThat(same[0]).isEqualTo("2");
    assertThat(same[1]).contains("--health-port 8443 must be a TCP port (0..65535) other than --port 8443");
    assertThat(run("serve", "--port=0", "--health-port=70000")[0]).isEqualTo("2");
  }

  @Test
  void negativeLimitsAreRefused() {
    String[] r = run("serve", "--port=0", "--max-connections=-1");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[1]).contains("connections -1");
  }
}
