package dev.gpusched.extender.kube;

import dev.gpusched.extender.bind.ClusterWriter;
import dev.gpusched.extender.gang.GangDisruptions;
import dev.gpusched.extender.gang.GangWriter;
import dev.gpusched.extender.state.ClusterState;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * gpusched's connection to one API server, and the one place its Kubernetes I/O is made from: the informers that feed
 * the ledger, the MLService informer, the bind and gang writers and the leader election, all over one client.
 * Closing it closes the client.
 */
public final class KubeEdge implements AutoCloseable {
  private final KubernetesClient client;
  private final ClusterWriter binds;

  private KubeEdge(KubernetesClient client, ClusterWriter binds) {
    this.client = client;
    this.binds = binds;
  }

  /** Over this client, binding through the API's Binding subresource ({@link KubernetesClusterWriter}). */
  public static KubeEdge of(KubernetesClient client) {
    return new KubeEdge(client, new KubernetesClusterWriter(client));
  }

  /** Over this client, binding through {@code binds} (the embedded server's writer, a test's failing writer). */
  public static KubeEdge of(KubernetesClient client, ClusterWriter binds) {
    return new KubeEdge(client, binds);
  }

  /**
   * A client to the cluster of a kubeconfig file, or, with none, the in-cluster service account, else
   * {@code $KUBECONFIG} or {@code ~/.kube/config}.
   */
  public static KubeEdge fromKubeconfig(Path kubeconfig) throws IOException {
    Config config = kubeconfig == null ? Config.autoConfigure(null)
        : Config.fromKubeconfig(null, Files.readString(kubeconfig), kubeconfig.toString());
    return of(new KubernetesClientBuilder().withConfig(config).build());
  }

  /** The Node and Pod informers feeding {@code state} (started by the caller). */
  public KubernetesSource informers(ClusterState state) {
    return new KubernetesSource(client, state);
  }

  /** The MLService informer, waiting at most {@code waitMillis} for its first list (a missing CRD is fine). */
  public OwnerAnnotations owners(OwnerAnnotations.Resource mlServices, long waitMillis) {
    return OwnerAnnotations.start(client, mlServices, waitMillis);
  }

  /** Where binds write {@code gpusched.dev/gpu-ids} and the Binding. */
  public ClusterWriter bindWriter() {
    return binds;
  }

  /** Where gang scheduling writes claims, removes them, nudges retries and deletes members of released gangs. */
  public GangWriter gangWriter() {
    return new KubernetesGangWriter(client);
  }

  /**
   * Where a preemption that takes a gang whole evicts its pods (the Eviction API) and reports it in events, as
   * {@code instance} (this replica's name).
   */
  public GangDisruptions gangDisruptions(String instance) {
    return new KubernetesGangDisruptions(client, instance);
  }

  /** The Lease election among replicas; {@code catchUp} runs after the lease is won, before this replica leads. */
  public LeaderElection leaderElection(LeaderElection.Settings settings, Runnable catchUp) {
    return new LeaderElection(client, settings, catchUp);
  }

  @Override
  public void close() {
    client.close();
  }
}
