package dev.gpusched.extender.dcgm;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Maps the {@code Hostname} label dcgm-exporter writes to the Kubernetes node name gpusched schedules onto.
 *
 * <p>dcgm-exporter labels series with the host it runs on, which is not always the node name (a fully qualified name,
 * or a pod name when it does not run with the host's network). Rules, in order: an explicit entry for the hostname;
 * else, with strip-domain, everything before the first dot; else the hostname unchanged.
 */
public final class HostnameMapping {

  /** Hostname is the node name. */
  public static final HostnameMapping IDENTITY = new HostnameMapping(Map.of(), false);

  private final Map<String, String> explicit;
  private final boolean stripDomain;

  public HostnameMapping(Map<String, String> explicit, boolean stripDomain) {
    this.explicit = Map.copyOf(explicit);
    this.stripDomain = stripDomain;
  }

  /**
   * Parses the {@code --dcgm-hostname-map} value: comma-separated entries, each {@code strip-domain} or
   * {@code hostname=node-name}. Null or blank gives {@link #IDENTITY}.
   *
   * @throws IllegalArgumentException naming the entry that is neither form
   */
  public static HostnameMapping parse(String spec) {
    if (spec == null || spec.isBlank()) {
      return IDENTITY;
    }
    Map<String, String> explicit = new LinkedHashMap<>();
    boolean strip = false;
    for (String raw : spec.split(",")) {
      String entry = raw.trim();
      if (entry.isEmpty()) {
        continue;
      }
      if (entry.equals("strip-domain")) {
        strip = true;
        continue;
      }
      int eq = entry.indexOf('=');
      if (eq <= 0 || eq == entry.length() - 1 || entry.indexOf('=', eq + 1) >= 0) {
        throw new IllegalArgumentException("dcgm hostname map: entry '" + entry
            + "' is neither 'strip-domain' nor 'hostname=node-name' (example: 'strip-domain,gpu-a.lab=gpu-node-a')");
      }
      String host = entry.substring(0, eq).trim();
      String node = entry.substring(eq + 1).trim();
      if (host.isEmpty() || node.isEmpty()) {
        throw new IllegalArgumentException("dcgm hostname map: entry '" + entry
            + "' has an empty hostname or node name; write 'hostname=node-name'");
      }
      String previous = explicit.put(host, node);
      if (previous != null && !previous.equals(node)) {
        throw new IllegalArgumentException("dcgm hostname map: hostname '" + host + "' is mapped twice, to '"
            + previous + "' and to '" + node + "'; keep one");
      }
    }
    return new HostnameMapping(explicit, strip);
  }

  /** The node name for a dcgm-exporter {@code Hostname} label value. */
  public String nodeName(String hostname) {
    String mapped = explicit.get(hostname);
    if (mapped != null) {
      return mapped;
    }
    if (stripDomain) {
      int dot = hostname.indexOf('.');
      if (dot > 0) {
        return hostname.substring(0, dot);
      }
    }
    return hostname;
  }

  @Override
  public String toString() {
    return "HostnameMapping{explicit=" + explicit + ", stripDomain=" + stripDomain + "}";
  }
}
