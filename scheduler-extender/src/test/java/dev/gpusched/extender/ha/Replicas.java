package dev.gpusched.extender.ha;

import dev.gpusched.extender.GpuschedApp;
import dev.gpusched.extender.http.ServerLimits;
import dev.gpusched.extender.kube.EmbeddedApiServer;
import dev.gpusched.extender.kube.LeaderElection;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;

/**
 * gpusched replicas under leader election against one embedded API server, each with its own client, as separate
 * processes would be; each replica has a pod of its own in {@code gpusched-system} to label.
 */
public final class Replicas implements AutoCloseable {
  public static final String NAMESPACE = "gpusched-system";
  public static final String LEASE = "gpusched";
  public static final Duration LEASE_DURATION = Duration.ofMillis(2000);

  public final EmbeddedApiServer api;
  private final Map<String, GpuschedApp> apps = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, KubernetesClient> clients = new java.util.concurrent.ConcurrentHashMap<>();
  private final ServerLimits limits;

  public Replicas(EmbeddedApiServer api, ServerLimits limits) {
    this.api = api;
    this.limits = limits;
    if (api.client().namespaces().withName(NAMESPACE).get() == null) {
      api.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
          .create();
    }
  }

  public static LeaderElection.Settings settings(String identity, boolean releaseOnClose) {
    return new LeaderElection.Settings(NAMESPACE, LEASE, identity, NAMESPACE, identity, LEASE_DURATION,
        Duration.ofMillis(1500), Duration.ofMillis(250), releaseOnClose);
  }

  /** Starts replica {@code identity} (creating its pod if missing); returns once its cache is synced. */
  public GpuschedApp start(String identity, boolean releaseOnClose) throws InterruptedException {
    if (api.client().pods().inNamespace(NAMESPACE).withName(identity).get() == null) {
      Pod pod = new PodBuilder().withNewMetadata().withName(identity).withNamespace(NAMESPACE)
          .addToLabels("app.kubernetes.io/name", "gpusched").endMetadata()
          .withNewSpec().addNewContainer().withName("gpusched").withImage("gpusched").endContainer().endSpec().build();
      api.client().pods().inNamespace(NAMESPACE).resource(pod).create();
    }
    KubernetesClient client = api.newClient();
    GpuschedApp app = GpuschedApp.start(new GpuschedApp.Options("127.0.0.1", 0, limits, GpuschedApp.Options.NO_DCGM),
        dev.gpusched.extender.gang.GangScheduling.Settings.DEFAULT, api.edge(client), null,
        settings(identity, releaseOnClose));
    apps.put(identity, app);
    clients.put(identity, client);
    app.awaitReady(30_000);
    return app;
  }

  /** Stops replica {@code identity}: like SIGTERM when {@code graceful} and the settings release, else like a crash. */
  public void stop(String identity) {
    GpuschedApp app = apps.remove(identity);
    KubernetesClient client = clients.remove(identity);
    if (app != null) {
      app.close();
    }
    if (client != null) {
      client.close();
    }
  }

  public GpuschedApp app(String identity) {
    return apps.get(identity);
  }

  public Map<String, GpuschedApp> running() {
    return apps;
  }

  /** The Lease's holder identity as the API server has it ("" when none). */
  public String holder() {
    Lease lease = api.client().leases().inNamespace(NAMESPACE).withName(LEASE).get();
    if (lease == null || lease.getSpec() == null || lease.getSpec().getHolderIdentity() == null) {
      return "";
    }
    return lease.getSpec().getHolderIdentity();
  }

  /** The running replica that currently acts as leader, or null. */
  public GpuschedApp leader() {
    for (GpuschedApp a : apps.values()) {
      if (a.isLeader()) {
        return a;
      }
    }
    return null;
  }

  public int leaders() {
    int n = 0;
    for (GpuschedApp a : apps.values()) {
      if (a.isLeader()) {
        n++;
      }
    }
    return n;
  }

  public String label(String identity) {
    Pod p = api.client().pods().inNamespace(NAMESPACE).withName(identity).get();
    return p.getMetadata().getLabels() == null ? null : p.getMetadata().getLabels().get(LeaderElection.LEADER_LABEL);
  }

  @Override
  public void close() {
    for (String id : new java.util.ArrayList<>(apps.keySet())) {
      stop(id);
    }
  }
}
