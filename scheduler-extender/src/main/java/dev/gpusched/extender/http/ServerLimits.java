package dev.gpusched.extender.http;

/**
 * Request limits of the webhook server.
 *
 * @param maxBodyBytes larger bodies get HTTP 413 (kube-scheduler's 5,000-node NodeList is about 40 MB only without
 *     nodeCacheCapable; with it, 5,000 names are about 100 KB)
 * @param maxHeaderBytes larger header sections are refused
 * @param idleTimeoutSeconds a connection silent this long is closed (stops slow senders holding connections)
 */
public record ServerLimits(long maxBodyBytes, int maxHeaderBytes, int idleTimeoutSeconds) {
  public static final ServerLimits DEFAULT = new ServerLimits(8L * 1024 * 1024, 16 * 1024, 30);
}
