package dev.gpusched.extender.http;

import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * HTTPS for the webhook: a PEM certificate chain and key, and optionally a PEM CA bundle whose certificates a client
 * must present one of (kube-scheduler's extender {@code tlsConfig.certFile/keyFile}). The files are re-read when they
 * change on disk (see {@link TlsReloader}), so a rotated Secret is served without a restart.
 *
 * @param certFile PEM certificate (chain) served to clients
 * @param keyFile PEM private key of {@code certFile}
 * @param clientCaFile PEM CA bundle; when set, a client certificate signed by it is required; null: no client auth
 * @param reloadInterval how often the files' modification times are checked
 */
public record TlsConfig(Path certFile, Path keyFile, Path clientCaFile, Duration reloadInterval) {
  public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(5);

  public TlsConfig {
    if (certFile == null || keyFile == null) {
      throw new IllegalArgumentException("TLS needs both --tls-cert and --tls-key (PEM files)");
    }
    if (reloadInterval == null || reloadInterval.toMillis() < 10) {
      throw new IllegalArgumentException("TLS reload interval must be at least 10 ms, got " + reloadInterval);
    }
  }

  /**
   * Checks the options a command line gave: both or neither of certificate and key; a client CA only with them.
   * Returns null when TLS is off.
   */
  public static TlsConfig fromOptions(Path cert, Path key, Path clientCa) {
    if (cert == null && key == null) {
      if (clientCa != null) {
        throw new IllegalArgumentException("--tls-client-ca needs --tls-cert and --tls-key: client certificates are "
            + "only checked over HTTPS");
      }
      return null;
    }
    if (cert == null || key == null) {
      throw new IllegalArgumentException("--tls-cert and --tls-key go together: pass both PEM files, or neither for plain HTTP");
    }
    TlsConfig tls = new TlsConfig(cert, key, clientCa, DEFAULT_RELOAD_INTERVAL);
    tls.checkReadable();
    return tls;
  }

  /** Throws with the missing file's name and flag when one cannot be read. */
  public void checkReadable() {
    List<String> missing = new ArrayList<>();
    check(certFile, "--tls-cert", missing);
    check(keyFile, "--tls-key", missing);
    if (clientCaFile != null) {
      check(clientCaFile, "--tls-client-ca", missing);
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", missing));
    }
  }

  private static void check(Path file, String flag, List<String> missing) {
    if (!Files.isReadable(file)) {
      missing.add(flag + " " + file + " is not a readable file: pass a PEM file");
    }
  }

  public boolean clientAuth() {
    return clientCaFile != null;
  }

  /** The server's SSL options as of the files' current content (Vert.x reads them when the options are applied). */
  public ServerSSLOptions sslOptions() {
    ServerSSLOptions ssl = new ServerSSLOptions()
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(certFile.toString()).setKeyPath(keyFile.toString()));
    if (clientCaFile != null) {
      ssl.setTrustOptions(new PemTrustOptions().addCertPath(clientCaFile.toString()));
      ssl.setClientAuth(ClientAuth.REQUIRED);
    } else {
      ssl.setClientAuth(ClientAuth.NONE);
    }
    return ssl;
  }

  /** The files whose changes trigger a reload. */
  public List<Path> files() {
    return clientCaFile == null ? List.of(certFile, keyFile) : List.of(certFile, keyFile, clientCaFile);
  }
}
