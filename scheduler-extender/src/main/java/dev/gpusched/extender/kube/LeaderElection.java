package dev.gpusched.extender.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election through a {@code coordination.k8s.io} Lease with fabric8's {@link LeaderElector}: exactly one replica
 * leads (decides and binds). On start and whenever it stops leading, a replica labels its own pod
 * {@code gpusched.dev/leader=false} before anything else; once it leads and its cache has caught up with everything the
 * previous leader wrote ({@code catchUp}), it labels the pod {@code true} and only then answers as leader. A replica that
 * lost the lease runs for it again.
 */
public final class LeaderElection implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderElection.class);
  public static final String LEADER_LABEL = "gpusched.dev/leader";

  /**
   * Where the Lease is and who this replica is.
   *
   * @param namespace namespace of the Lease
   * @param lease name of the Lease
   * @param identity this replica's holder identity (the pod name in a cluster)
   * @param podNamespace namespace of this replica's pod, or null (no leader label)
   * @param podName this replica's pod, or null (no leader label)
   * @param leaseDuration how long a lease holds without renewal: a crashed leader is replaced within this
   * @param renewDeadline the leader gives up leading when it could not renew for this long (less than leaseDuration)
   * @param retryPeriod how often candidates try and the leader renews
   * @param releaseOnClose whether {@link #close()} releases the lease at once (a graceful stop) or lets it expire
   */
  public record Settings(String namespace, String lease, String identity, String podNamespace, String podName,
      Duration leaseDuration, Duration renewDeadline, Duration retryPeriod, boolean releaseOnClose) {
    public Settings {
      if (namespace == null || namespace.isBlank() || lease == null || lease.isBlank()) {
        throw new IllegalArgumentException("leader election needs both --leader-election-namespace and "
            + "--leader-election-lease (the Lease gpusched replicas share)");
      }
      if (identity == null || identity.isBlank()) {
        throw new IllegalArgumentException("leader election needs an identity: set POD_NAME (the Deployment does)");
      }
      if (!(retryPeriod.compareTo(renewDeadline) < 0 && renewDeadline.compareTo(leaseDuration) < 0)) {
        throw new IllegalArgumentException("leader election needs retryPeriod < renewDeadline < leaseDuration, got "
            + retryPeriod + ", " + renewDeadline + ", " + leaseDuration);
      }
    }

    /** Kubernetes' usual timings (15 s lease, 10 s renew deadline, 2 s retry); identity from POD_NAME, else hostname. */
    public static Settings forDeployment(String namespace, String lease, Map<String, String> env) {
      String podName = blankToNull(env.get("POD_NAME"));
      String podNamespace = blankToNull(env.get("POD_NAMESPACE"));
      String identity = podName != null ? podName : hostname();
      return new Settings(namespace, lease, identity, podName == null ? null : (podNamespace != null ? podNamespace : namespace),
          podName, Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2), true);
    }

    public Settings withTimings(Duration lease, Duration renew, Duration retry) {
      return new Settings(namespace, this.lease, identity, podNamespace, podName, lease, renew, retry, releaseOnClose);
    }

    public Settings withReleaseOnClose(boolean release) {
      return new Settings(namespace, lease, identity, podNamespace, podName, leaseDuration, renewDeadline, retryPeriod, release);
    }

    private static String blankToNull(String s) {
      return s == null || s.isBlank() ? null : s;
    }

    private static String hostname() {
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (Exception e) {
        return null;
      }
    }
  }

  private final KubernetesClient client;
  private final Settings settings;
  private final Runnable catchUp;
  private final ExecutorService executor;
  private volatile boolean leading;
  private volatile String holder = "";
  private volatile boolean closed;
  private volatile CompletableFuture<?> running;
  private volatile Future<?> promotion;
  /** Counts lease wins and losses: a promotion started for one win never completes after a later loss. */
  private long term;

  /**
   * @param catchUp blocks until this replica's cache has seen every write made before it was called (run after the
   *     lease is won and before the replica acts as leader)
   */
  public LeaderElection(KubernetesClient client, Settings settings, Runnable catchUp) {
    this.client = client;
    this.settings = settings;
    this.catchUp = catchUp;
    this.executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "gpusched-leader-election");
      t.setDaemon(true);
      return t;
    });
  }

  /** Labels this pod as not leading, then runs for the lease (and again whenever it loses it). */
  public void start() {
    label(false);
    run();
  }

  private synchronized void run() {
    if (closed) {
      return;
    }
    LeaderElector elector = new LeaderElector(client, new LeaderElectionConfigBuilder()
        .withName("gpusched")
        .withLock(new LeaseLock(settings.namespace(), settings.lease(), settings.identity()))
        .withLeaseDuration(settings.leaseDuration())
        .withRenewDeadline(settings.renewDeadline())
        .withRetryPeriod(settings.retryPeriod())
        .withReleaseOnCancel(settings.releaseOnClose())
        .withLeaderCallbacks(new LeaderCallbacks(this::startedLeading, this::stoppedLeading, this::newLeader))
        .build(), executor);
    CompletableFuture<?> f = elector.start();
    running = f;
    f.whenComplete((v, t) -> {
      if (t != null && !(t instanceof java.util.concurrent.CancellationException)) {
        LOG.warn("leader election of {} stopped: {}", settings.identity(), t.getMessage());
      }
      if (!closed) {
        // Lost the lease (or the elector failed): run for it again after a retry period.
        executor.execute(() -> {
          sleep(settings.retryPeriod());
          run();
        });
      }
    });
  }

  private void startedLeading() {
    long won;
    synchronized (this) {
      won = ++term;
    }
    long wonAt = System.nanoTime();
    promotion = executor.submit(() -> {
      // Lead only on a cache that has seen the previous leader's writes; keep trying while the lease is ours.
      while (true) {
        synchronized (this) {
          if (closed || term != won) {
            return;
          }
        }
        try {
          catchUp.run();
          break;
        } catch (RuntimeException e) {
          LOG.warn("{} won the lease but its cache has not caught up with the API server yet ({}); not deciding yet",
              settings.identity(), e.getMessage());
          sleep(settings.retryPeriod());
        }
      }
      synchronized (this) {
        if (closed || term != won) {
          return;
        }
        label(true);
        leading = true;
      }
      LOG.info("{} leads (Lease {}/{}), {} ms after winning it (cache catch-up)", settings.identity(), settings.namespace(),
          settings.lease(), (System.nanoTime() - wonAt) / 1_000_000);
    });
  }

  private void stoppedLeading() {
    boolean was;
    synchronized (this) {
      term++;
      was = leading;
      leading = false;
      if (promotion != null) {
        promotion.cancel(true);
      }
    }
    if (was) {
      LOG.warn("{} stopped leading", settings.identity());
    }
    label(false);
  }

  private void newLeader(String identity) {
    holder = identity == null ? "" : identity;
    LOG.info("leader of {}/{} is now {}", settings.namespace(), settings.lease(), holder);
  }

  /** True while this replica holds the lease and has caught up: the only state in which it decides and binds. */
  public boolean isLeader() {
    return leading;
  }

  /** The holder last observed in the Lease ("" before any). */
  public String leaderIdentity() {
    return holder;
  }

  public String identity() {
    return settings.identity();
  }

  /** The answer a follower gives. */
  public String notLeaderMessage() {
    String h = holder;
    return settings.identity() + " is not the leader (leader: " + (h.isEmpty() || h.equals(settings.identity()) ? "none yet" : h)
        + "); retry";
  }

  private void label(boolean leader) {
    if (settings.podName() == null) {
      return;
    }
    String body = "{\"metadata\":{\"labels\":{\"" + LEADER_LABEL + "\":\"" + leader + "\"}}}";
    try {
      client.pods().inNamespace(settings.podNamespace()).withName(settings.podName())
          .patch(PatchContext.of(PatchType.JSON_MERGE), body);
    } catch (RuntimeException e) {
      LOG.warn("could not label pod {}/{} {}={}: {}", settings.podNamespace(), settings.podName(), LEADER_LABEL, leader,
          e.getMessage());
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops leading (releasing the lease if the settings say so) and labels the pod not leading. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      term++;
      leading = false;
    }
    CompletableFuture<?> f = running;
    if (f != null) {
      f.cancel(true);
    }
    label(false);
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
