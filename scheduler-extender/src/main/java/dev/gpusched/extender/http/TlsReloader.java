package dev.gpusched.extender.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls the TLS files' real paths, sizes and modification times and, when any changed, hands the server freshly read
 * SSL options; new connections get the new certificate, open ones keep theirs. A Kubernetes Secret volume swaps a
 * symlink, which changes the real path, so that is part of the fingerprint. A file that fails to load keeps the old
 * certificate in service and is logged; the next change is tried again.
 */
public final class TlsReloader {
  private static final Logger LOG = LoggerFactory.getLogger(TlsReloader.class);

  private final Vertx vertx;
  private final HttpServer server;
  private final TlsConfig tls;
  private List<String> fingerprint;
  private long timer = -1;
  private volatile int reloads;

  public TlsReloader(Vertx vertx, HttpServer server, TlsConfig tls) {
    this.vertx = vertx;
    this.server = server;
    this.tls = tls;
    this.fingerprint = fingerprint(tls.files());
  }

  public void start() {
    timer = vertx.setPeriodic(tls.reloadInterval().toMillis(), id -> check());
  }

  /** How many reloads the server accepted (for tests and logs). */
  public int reloads() {
    return reloads;
  }

  private void check() {
    List<String> now = fingerprint(tls.files());
    if (Objects.equals(now, fingerprint)) {
      return;
    }
    fingerprint = now;
    server.updateSSLOptions(tls.sslOptions(), true).onComplete(ar -> {
      if (ar.succeeded()) {
        reloads++;
        LOG.info("TLS files changed on disk; now serving {} (reload {})", tls.certFile(), reloads);
      } else {
        LOG.error("TLS files changed but could not be loaded; still serving the previous certificate: {}",
            ar.cause().getMessage());
      }
    });
  }

  private static List<String> fingerprint(List<Path> files) {
    List<String> out = new ArrayList<>(files.size());
    for (Path f : files) {
      try {
        out.add(f.toRealPath() + "|" + Files.size(f) + "|" + Files.getLastModifiedTime(f).toMillis());
      } catch (IOException e) {
        out.add(f + "|missing");
      }
    }
    return out;
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }
}
