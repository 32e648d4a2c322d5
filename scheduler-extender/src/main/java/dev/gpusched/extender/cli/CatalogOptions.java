package dev.gpusched.extender.cli;

import dev.gpusched.extender.catalog.CatalogSettings;
import dev.gpusched.topology.cluster.ClusterTopology;
import java.util.List;
import picocli.CommandLine.Option;

/** The Backstage catalog's options, shared by {@code serve} (the endpoint) and {@code catalog} (the command). */
public final class CatalogOptions {
  @Option(names = "--catalog-namespace", defaultValue = CatalogSettings.DEFAULT_NAMESPACE,
      description = "Backstage namespace of the catalog entities; give each cluster its own when several feed one "
          + "Backstage (default: ${DEFAULT-VALUE}).")
  String namespace;

  @Option(names = "--catalog-system", defaultValue = CatalogSettings.DEFAULT_SYSTEM,
      description = "Name of the Backstage System that groups the cluster's MLServices and GPU pools (default: ${DEFAULT-VALUE}).")
  String system;

  @Option(names = "--catalog-owner-label", defaultValue = CatalogSettings.DEFAULT_OWNER_LABEL,
      description = "MLService label whose value owns its Component in Backstage (default: ${DEFAULT-VALUE}).")
  String ownerLabel;

  @Option(names = "--catalog-default-owner", defaultValue = CatalogSettings.DEFAULT_OWNER,
      description = "Owner of MLServices without that label, of the GPU pools and of the System (default: ${DEFAULT-VALUE}).")
  String defaultOwner;

  @Option(names = "--catalog-lifecycle-label", defaultValue = CatalogSettings.DEFAULT_LIFECYCLE_LABEL,
      description = "MLService label whose value is its Component's lifecycle; production without it (default: ${DEFAULT-VALUE}).")
  String lifecycleLabel;

  @Option(names = "--grafana-url", paramLabel = "URL",
      description = "Grafana base URL; catalog entities then link to gpusched's dashboard (uid gpusched-overview) there.")
  String grafanaUrl;

  /**
   * The settings, the leaf taken from the topology level keys (the defaults when null or empty).
   *
   * @throws IllegalArgumentException naming the option that is wrong
   */
  CatalogSettings settings(List<String> topologyLabelKeys) {
    List<String> keys = topologyLabelKeys == null || topologyLabelKeys.isEmpty() ? ClusterTopology.DEFAULT_LEVEL_KEYS
        : topologyLabelKeys;
    String leafKey;
    try {
      leafKey = CatalogSettings.leafKeyOf(keys);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--topology-label-keys: " + e.getMessage(), e);
    }
    return new CatalogSettings(namespace, system, ownerLabel, defaultOwner, lifecycleLabel, grafanaUrl, leafKey);
  }
}
