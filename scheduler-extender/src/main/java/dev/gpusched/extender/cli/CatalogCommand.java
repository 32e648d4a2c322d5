package dev.gpusched.extender.cli;

import dev.gpusched.extender.catalog.CatalogSettings;
import dev.gpusched.extender.catalog.LiveCatalog;
import dev.gpusched.extender.decide.FragmentationScore;
import dev.gpusched.extender.decide.LedgerCpuView;
import dev.gpusched.extender.decide.WorkloadProfileLearner;
import dev.gpusched.extender.kube.EmbeddedApiServer;
import dev.gpusched.extender.kube.InformerCache;
import dev.gpusched.extender.kube.KubeEdge;
import dev.gpusched.extender.kube.KubernetesSource;
import dev.gpusched.extender.kube.OwnerAnnotations;
import dev.gpusched.extender.state.ClusterState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gpusched catalog}: the Backstage catalog entities that {@code GET /catalog/entities.yaml} serves, printed once,
 * for teams that keep catalog files in Git. Reads the cluster (or an embedded one seeded from a file) with the same
 * informers as {@code serve}; it is not the scheduler, so gang states are {@code unknown} and, without DCGM, pool
 * health is {@code unknown}.
 */
@Command(name = "catalog", mixinStandardHelpOptions = true,
    description = {"Print Backstage catalog entities (backstage.io/v1alpha1, multi-document YAML): a Component per MLService,"
        + " a Resource per GPU pool (GPU product and network leaf), a System grouping them.",
        "With --cluster-file, reads an embedded API server seeded from those files (Nodes, Pods, MLServices), as serve"
            + " does; else the cluster of --kubeconfig."})
public final class CatalogCommand implements Callable<Integer> {
  @Option(names = "--cluster-file", paramLabel = "FILE",
      description = "Kubernetes YAML of Nodes, Pods and MLServices (multi-document or kind: List) instead of a cluster;"
          + " repeatable.")
  java.util.List<Path> clusterFiles = new java.util.ArrayList<>();

  @Option(names = "--kubeconfig", paramLabel = "FILE",
      description = "kubeconfig to use; default: in-cluster service account, else $KUBECONFIG or ~/.kube/config.")
  Path kubeconfig;

  @Option(names = "--output", paramLabel = "FILE", description = "Write the YAML to FILE instead of standard output.")
  Path output;

  @Option(names = "--sync-timeout-seconds", defaultValue = "60",
      description = "How long to wait for the first list of nodes and pods (default: ${DEFAULT-VALUE}).")
  int syncTimeoutSeconds;

  @Option(names = "--topology-label-keys", paramLabel = "KEYS", split = ",",
      description = "Node label keys of the inter-node topology levels, narrowest first, as serve takes them; the "
          + "'leaf' level splits GPU pools (default: serve's).")
  java.util.List<String> topologyLabelKeys;

  @Option(names = "--mlservice-resource", paramLabel = "PLURAL.VERSION.GROUP", defaultValue = "mlservices.v1alpha1.kro.run",
      description = "The MLService custom resource, as kubectl names it, as serve takes it (default: ${DEFAULT-VALUE}).")
  String mlServiceResource;

  @Mixin CatalogOptions catalog = new CatalogOptions();

  @Override
  public Integer call() throws Exception {
    CatalogSettings settings;
    OwnerAnnotations.Resource mlServices;
    try {
      settings = catalog.settings(topologyLabelKeys);
      mlServices = OwnerAnnotations.Resource.parse(mlServiceResource);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    EmbeddedApiServer embedded = null;
    if (!clusterFiles.isEmpty()) {
      try {
        embedded = EmbeddedApiServer.startWith(clusterFiles);
      } catch (IllegalArgumentException e) {
        System.err.println(e.getMessage());
        return 2;
      }
    }
    try (EmbeddedApiServer toClose = embedded;
        KubeEdge kube = embedded != null ? embedded.edge(embedded.newClient()) : KubeEdge.fromKubeconfig(kubeconfig)) {
      String yaml = read(kube, settings, mlServices);
      if (yaml == null) {
        return 1;
      }
      if (output == null) {
        System.out.print(yaml);
      } else {
        Files.writeString(output, yaml, StandardCharsets.UTF_8);
      }
      return 0;
    }
  }

  /** The catalog once the informers have listed everything, or null (with a message) when they did not in time. */
  private String read(KubeEdge kube, CatalogSettings settings, OwnerAnnotations.Resource mlServices) throws Exception {
    try (ClusterState state = new ClusterState(); KubernetesSource source = kube.informers(state);
        OwnerAnnotations owners = kube.owners(mlServices, TimeUnit.SECONDS.toMillis(syncTimeoutSeconds))) {
      try {
        source.start().get(syncTimeoutSeconds, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        System.err.println("gpusched catalog: the node and pod lists were not in within " + syncTimeoutSeconds
            + " s (--sync-timeout-seconds)");
        return null;
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(syncTimeoutSeconds);
      while (!state.snapshot().synced()) {
        if (System.nanoTime() > deadline) {
          System.err.println("gpusched catalog: the node and pod lists were not in within " + syncTimeoutSeconds
              + " s (--sync-timeout-seconds)");
          return null;
        }
        Thread.sleep(10);
      }
      // Stranded GPU against the generic workload mix: this command sees no pods being filtered to learn from.
      FragmentationScore fragmentation = new FragmentationScore(() -> WorkloadProfileLearner.DEFAULT, new LedgerCpuView(),
          FragmentationScore.DEFAULT_MILLI_PER_POINT);
      return new LiveCatalog(settings, state::snapshot, fragmentation, owners::mlServices, new InformerCache(source, owners),
          null, () -> false).get();
    }
  }
}
