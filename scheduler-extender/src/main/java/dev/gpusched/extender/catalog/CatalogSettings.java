package dev.gpusched.extender.catalog;

import dev.gpusched.topology.cluster.ClusterTopology;
import java.net.URI;
import java.util.List;

/**
 * How gpusched's catalog entities are named, owned and linked; checked when made, with a message naming the option.
 *
 * @param namespace the Backstage namespace of every entity (give each cluster its own when several feed one Backstage)
 * @param system the name of the {@code System} entity that groups the cluster's MLServices and GPU pools
 * @param ownerLabel the MLService label whose value owns its Component (a Backstage group name, as label values allow)
 * @param defaultOwner the owner of Components without that label, of the GPU pools and of the System (an entity
 *     reference: {@code ml-platform} or {@code group:default/ml-platform})
 * @param lifecycleLabel the MLService label whose value is its Component's lifecycle; {@code production} without it
 * @param grafanaUrl Grafana's base URL for links to gpusched's dashboard ({@code https://grafana.example.com}), or null
 *     for no links
 * @param leafKey the node label key of the network leaf a GPU pool is confined to, or null for pools per product only
 */
public record CatalogSettings(String namespace, String system, String ownerLabel, String defaultOwner,
    String lifecycleLabel, String grafanaUrl, String leafKey) {

  public static final String DEFAULT_NAMESPACE = "default";
  public static final String DEFAULT_SYSTEM = "gpusched";
  public static final String DEFAULT_OWNER_LABEL = "owner";
  public static final String DEFAULT_OWNER = "ml-platform";
  public static final String DEFAULT_LIFECYCLE_LABEL = "lifecycle";
  /** The defaults, with the leaf of the default topology level keys and no Grafana. */
  public static final CatalogSettings DEFAULT = new CatalogSettings(DEFAULT_NAMESPACE, DEFAULT_SYSTEM,
      DEFAULT_OWNER_LABEL, DEFAULT_OWNER, DEFAULT_LIFECYCLE_LABEL, null, leafKeyOf(ClusterTopology.DEFAULT_LEVEL_KEYS));

  public CatalogSettings {
    if (!EntityNames.isValidNamespace(namespace)) {
      throw new IllegalArgumentException("--catalog-namespace \"" + namespace + "\" is not a Backstage namespace: use"
          + " lower-case letters and digits separated by dashes, at most 63 characters (e.g. default, gpu-prod)");
    }
    if (!EntityNames.isValidName(system)) {
      throw new IllegalArgumentException("--catalog-system \"" + system + "\" is not a Backstage entity name: use"
          + " letters and digits separated by - _ or ., at most 63 characters (e.g. gpusched, gpu-prod)");
    }
    if (ownerLabel == null || ownerLabel.isBlank() || lifecycleLabel == null || lifecycleLabel.isBlank()) {
      throw new IllegalArgumentException("--catalog-owner-label and --catalog-lifecycle-label must name a label key");
    }
    checkOwnerReference(defaultOwner);
    if (grafanaUrl != null) {
      grafanaUrl = checkUrl(grafanaUrl);
    }
  }

  /** These settings with another Grafana base URL (null: none). */
  public CatalogSettings withGrafanaUrl(String url) {
    return new CatalogSettings(namespace, system, ownerLabel, defaultOwner, lifecycleLabel, url, leafKey);
  }

  /**
   * The key of the level that inter-node policies call {@code leaf} among these topology level keys (as
   * {@code same-leaf} finds it), or null when none is one.
   */
  public static String leafKeyOf(List<String> levelKeys) {
    ClusterTopology levels = ClusterTopology.of(levelKeys, List.of(), List.of());
    int level = levels.levelNamed("leaf");
    return level < 0 ? null : levels.levelKey(level);
  }

  /** An owner reference must be {@code [kind:][namespace/]name} with Backstage's namespace and name rules. */
  private static void checkOwnerReference(String ref) {
    String problem = null;
    if (ref == null || ref.isBlank()) {
      problem = "is empty";
    } else {
      String rest = ref;
      int colon = rest.indexOf(':');
      if (colon >= 0) {
        String kind = rest.substring(0, colon);
        if (!kind.equalsIgnoreCase("group") && !kind.equalsIgnoreCase("user")) {
          problem = "names kind \"" + kind + "\"; an owner is a group or a user";
        }
        rest = rest.substring(colon + 1);
      }
      int slash = rest.indexOf('/');
      if (problem == null && slash >= 0 && !EntityNames.isValidNamespace(rest.substring(0, slash))) {
        problem = "has an invalid namespace \"" + rest.substring(0, slash) + "\"";
      }
      if (problem == null && !EntityNames.isValidName(rest.substring(slash + 1))) {
        problem = "has an invalid name \"" + rest.substring(slash + 1) + "\"";
      }
    }
    if (problem != null) {
      throw new IllegalArgumentException("--catalog-default-owner \"" + ref + "\" " + problem
          + ": use a Backstage group, e.g. ml-platform or group:default/ml-platform");
    }
  }

  private static String checkUrl(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (java.net.URISyntaxException e) {
      uri = null;
    }
    if (uri == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
        || uri.getQuery() != null || uri.getFragment() != null) {
      throw new IllegalArgumentException("--grafana-url \"" + url + "\" is not an http(s) base URL such as"
          + " https://grafana.example.com or http://grafana.monitoring.svc:3000/grafana");
    }
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
