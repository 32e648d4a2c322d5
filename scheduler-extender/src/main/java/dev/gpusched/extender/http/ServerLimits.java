package dev.gpusched.extender.http;

/**
 * Request limits of the webhook server (documented in scheduler-extender/README-limits.md).
 *
 * @param maxBodyBytes larger bodies get HTTP 413 (kube-scheduler's 5,000-node NodeList is about 40 MB only without
 *     nodeCacheCapable; with it, 5,000 names are about 100 KB)
 * @param maxHeaderBytes larger header sections are refused (HTTP 431)
 * @param idleTimeoutSeconds a connection silent this long is closed
 * @param maxConnections open HTTP connections beyond this many get HTTP 503 and are closed (0: unlimited)
 * @param requestTimeoutSeconds a request whose body has not fully arrived this long after its headers gets HTTP 408
 *     and its connection is closed: stops slow senders holding connections and memory (0: no limit)
 */
public record ServerLimits(long maxBodyBytes, int maxHeaderBytes, int idleTimeoutSeconds, int maxConnections,
    int requestTimeoutSeconds) {
  public static final int DEFAULT_MAX_CONNECTIONS = 256;
  public static final int DEFAULT_REQUEST_TIMEOUT_SECONDS = 10;
  /**
   * Longer than kube-scheduler keeps an idle connection to an extender (90 s: Go's default transport, which its extender
   * client takes), so kube-scheduler closes an idle connection first. Were gpusched first, a filter kube-scheduler sent
   * on a connection just as gpusched closed it would fail: Go resends a POST only when none of it was written.
   */
  public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 120;
  public static final ServerLimits DEFAULT = new ServerLimits(8L * 1024 * 1024, 16 * 1024, DEFAULT_IDLE_TIMEOUT_SECONDS);

  public ServerLimits {
    if (maxBodyBytes < 1 || maxHeaderBytes < 1 || idleTimeoutSeconds < 0 || maxConnections < 0 || requestTimeoutSeconds < 0) {
      throw new IllegalArgumentException("server limits must be positive (body, header) or >= 0 (timeouts, connections): "
          + "body " + maxBodyBytes + ", header " + maxHeaderBytes + ", idle " + idleTimeoutSeconds + " s, connections "
          + maxConnections + ", request timeout " + requestTimeoutSeconds + " s");
    }
  }

  /** Body, header and idle limits with the default connection limit and request timeout. */
  public ServerLimits(long maxBodyBytes, int maxHeaderBytes, int idleTimeoutSeconds) {
    this(maxBodyBytes, maxHeaderBytes, idleTimeoutSeconds, DEFAULT_MAX_CONNECTIONS, DEFAULT_REQUEST_TIMEOUT_SECONDS);
  }

  public ServerLimits withConnections(int max) {
    return new ServerLimits(maxBodyBytes, maxHeaderBytes, idleTimeoutSeconds, max, requestTimeoutSeconds);
  }

  public ServerLimits withRequestTimeout(int seconds) {
    return new ServerLimits(maxBodyBytes, maxHeaderBytes, idleTimeoutSeconds, maxConnections, seconds);
  }
}
