package dev.gpusched.extender;

import dev.gpusched.extender.bind.Binder;
import dev.gpusched.extender.catalog.CatalogEndpoint;
import dev.gpusched.extender.catalog.CatalogSettings;
import dev.gpusched.extender.catalog.LiveCatalog;
import dev.gpusched.extender.cycle.FilterAnswer;
import dev.gpusched.extender.cycle.Scheduler;
import dev.gpusched.extender.dcgm.DcgmPoller;
import dev.gpusched.extender.dcgm.DcgmSettings;
import dev.gpusched.extender.decide.DecisionPipeline;
import dev.gpusched.extender.decide.FragmentationScore;
import dev.gpusched.extender.decide.LedgerCpuView;
import dev.gpusched.extender.decide.WorkloadProfileLearner;
import dev.gpusched.extender.gang.GangScheduling;
import dev.gpusched.extender.gang.GangWriter;
import dev.gpusched.extender.ha.FollowerGate;
import dev.gpusched.extender.http.ExtenderServer;
import dev.gpusched.extender.http.ExtenderService;
import dev.gpusched.extender.http.ExtenderVerbs;
import dev.gpusched.extender.http.InspectView;
import dev.gpusched.extender.http.ServerLimits;
import dev.gpusched.extender.http.TlsConfig;
import dev.gpusched.extender.kube.InformerCache;
import dev.gpusched.extender.kube.KubeEdge;
import dev.gpusched.extender.kube.KubernetesSource;
import dev.gpusched.extender.kube.LeaderElection;
import dev.gpusched.extender.kube.OwnerAnnotations;
import dev.gpusched.extender.metrics.ExtenderMetrics;
import dev.gpusched.extender.retry.AbsenceRetry;
import dev.gpusched.extender.retry.RetryNudges;
import dev.gpusched.extender.state.ClusterState;
import dev.gpusched.extender.state.PodCache;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The composition root: cluster state fed by informers, the decision pipeline, the binder and the HTTP server, wired in
 * one visible place. Used by {@code gpusched serve} and by tests.
 */
public final class GpuschedApp implements AutoCloseable {
  /**
   * Where and how to listen, where DCGM metrics come from ({@link DcgmSettings#enabled()} false: ledger alone), on how
   * many threads one call's new verdicts are computed ({@code --decision-threads}), which resource holds the
   * MLServices whose annotations their pods inherit ({@code --mlservice-resource}), the plain-HTTP port of the
   * health and metrics endpoints ({@code --health-port}; -1: none, they are on {@code port} only), and the names of
   * the kube-scheduler profiles that call gpusched ({@code --scheduler-name}: their pods that failed while gpusched
   * was away are retried when it serves again), and which fitting nodes filter answers ({@code --filter-answer}).
   */
  public record Options(String host, int port, ServerLimits limits, DcgmSettings dcgm, int decisionThreads,
      OwnerAnnotations.Resource mlServices, int healthPort, java.util.Set<String> schedulerNames,
      FilterAnswer filterAnswer) {
    /** The profile name of the shipped scheduler configuration. */
    public static final String DEFAULT_SCHEDULER_NAME = "gpusched";

    public static final DcgmSettings NO_DCGM = DcgmSettings.fromOptions(null, List.of(), null, null, null, null, null);

    public Options {
      dev.gpusched.extender.decide.ParallelChunks.checkThreads(decisionThreads);
      java.util.Objects.requireNonNull(mlServices, "mlServices");
      java.util.Objects.requireNonNull(filterAnswer, "filterAnswer");
      schedulerNames = java.util.Set.copyOf(schedulerNames);
    }

    /**
     * The MLServices of {@link OwnerAnnotations.Resource#DEFAULT} ({@code mlservices.v1alpha1.kro.run}), without a
     * health port, filter answering gpusched's choice ({@link FilterAnswer#BEST}).
     */
    public Options(String host, int port, ServerLimits limits, DcgmSettings dcgm, int decisionThreads) {
      this(host, port, limits, dcgm, decisionThreads, OwnerAnnotations.Resource.DEFAULT, -1,
          java.util.Set.of(DEFAULT_SCHEDULER_NAME), FilterAnswer.BEST);
    }

    /** With the MLServices of this resource. */
    public Options withMlServices(OwnerAnnotations.Resource mlServices) {
      return new Options(host, port, limits, dcgm, decisionThreads, mlServices, healthPort, schedulerNames, filterAnswer);
    }

    /** With the pods of these kube-scheduler profiles ({@code spec.schedulerName}) retried after an absence. */
    public Options withSchedulerNames(java.util.Set<String> names) {
      return new Options(host, port, limits, dcgm, decisionThreads, mlServices, healthPort, names, filterAnswer);
    }

    /** With filter answering the fitting nodes {@code answer} says. */
    public Options withFilterAnswer(FilterAnswer answer) {
      return new Options(host, port, limits, dcgm, decisionThreads, mlServices, healthPort, schedulerNames, answer);
    }

    /** With {@code /healthz}, {@code /readyz} and {@code /metrics} on this plain-HTTP port too (0: any free one). */
    public Options withHealthPort(int healthPort) {
      return new Options(host, port, limits, dcgm, decisionThreads, mlServices, healthPort, schedulerNames, filterAnswer);
    }

    /** On the machine's CPUs ({@link dev.gpusched.extender.decide.ParallelChunks#DEFAULT_THREADS}). */
    public Options(String host, int port, ServerLimits limits, DcgmSettings dcgm) {
      this(host, port, limits, dcgm, dev.gpusched.extender.decide.ParallelChunks.DEFAULT_THREADS);
    }

    public static Options loopback(int port) {
      return new Options("127.0.0.1", port, ServerLimits.DEFAULT, NO_DCGM);
    }

  }

  private final ClusterState state;
  private final KubernetesSource source;
  private final ExtenderServer server;
  private final ExtenderMetrics metrics;
  private final CompletableFuture<Void> synced;
  private final DcgmPoller dcgm;
  private final ScheduledExecutorService watchdog;
  private final GangScheduling gangs;
  private final RetryNudges nudges;
  private final OwnerAnnotations owners;
  private LeaderElection election;

  private GpuschedApp(ClusterState state, KubernetesSource source, ExtenderServer server, ExtenderMetrics metrics,
      CompletableFuture<Void> synced, DcgmPoller dcgm, ScheduledExecutorService watchdog, GangScheduling gangs,
      RetryNudges nudges, OwnerAnnotations owners) {
    this.gangs = gangs;
    this.nudges = nudges;
    this.owners = owners;
    this.state = state;
    this.source = source;
    this.server = server;
    this.metrics = metrics;
    this.synced = synced;
    this.dcgm = dcgm;
    this.watchdog = watchdog;
  }

  /** Starts informers and the server; the server answers (not ready) at once and decides once the cache synced. */
  public static GpuschedApp start(Options options, KubeEdge kube) {
    return start(options, GangScheduling.Settings.DEFAULT, kube, null, null);
  }

  /** As {@link #start(Options, KubeEdge)} with gang scheduling settings. */
  public static GpuschedApp start(Options options, GangScheduling.Settings gangSettings, KubeEdge kube) {
    return start(options, gangSettings, kube, null, null);
  }

  /**
   * As above, over HTTPS when {@code tls} is not null, and as one of several replicas when {@code leaderElection} is not
   * null (only the Lease holder decides and binds; without it this process always leads).
   */
  public static GpuschedApp start(Options options, GangScheduling.Settings gangSettings, KubeEdge kube, TlsConfig tls,
      LeaderElection.Settings leaderElection) {
    return start(options, gangSettings, kube, tls, leaderElection, CatalogSettings.DEFAULT);
  }

  /** As above, serving the Backstage catalog ({@code GET /catalog/entities.yaml}) with these settings. */
  public static GpuschedApp start(Options options, GangScheduling.Settings gangSettings, KubeEdge kube, TlsConfig tls,
      LeaderElection.Settings leaderElection, CatalogSettings catalogSettings) {
    ClusterState state = new ClusterState();
    KubernetesSource source = kube.informers(state);
    WorkloadProfileLearner profile = new WorkloadProfileLearner();
    DecisionPipeline pipeline = DecisionPipeline.standard(profile::current, new LedgerCpuView(), options.decisionThreads());
    // Owners first: gang recovery and every verb read intent from the owning MLService too.
    OwnerAnnotations owners = kube.owners(options.mlServices(), 10_000);
    PodCache pods = new InformerCache(source, owners);
    Binder binder = new Binder(state, pipeline, kube.bindWriter(), pods);
    java.util.function.BooleanSupplier ready = () -> state.snapshot().synced() && source.healthy();
    // A new leader first catches up with the API (the previous leader's last binds), then rebuilds the gang
    // reservations from the pods' annotations, and only then decides.
    GangScheduling[] gangHolder = new GangScheduling[1];
    LeaderElection election = leaderElection == null ? null
        : kube.leaderElection(leaderElection, () -> {
          source.awaitCaughtUp(leaderElection.leaseDuration());
          gangHolder[0].recover();
        });
    ExtenderMetrics metrics = new ExtenderMetrics(state::snapshot, ready, election == null ? () -> true : election::isLeader);
    DcgmSettings dcgmSettings = options.dcgm();
    DcgmPoller dcgm = dcgmSettings.poller(metrics.registry(),
        telemetry -> state.submit(ledger -> ledger.setTelemetry(telemetry, dcgmSettings.health())), Clock.systemUTC());
    ScheduledExecutorService watchdog = null;
    if (dcgm != null) {
      // Stale metrics must stop steering decisions even when no new poll arrives to say so.
      watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gpusched-dcgm-staleness");
        t.setDaemon(true);
        return t;
      });
      long period = Math.max(100, Math.min(1000, dcgmSettings.staleness().toMillis() / 4));
      watchdog.scheduleAtFixedRate(() -> {
        if (dcgm.isStale()) {
          state.submit(ledger -> {
            if (ledger.hasTelemetry()) {
              ledger.setTelemetry(null, dcgmSettings.health());
            }
          });
        }
      }, period, period, TimeUnit.MILLISECONDS);
      dcgm.start();
    }
    GangWriter gangWrites = kube.gangWriter();
    RetryNudges nudges = new RetryNudges(gangWrites::annotate, Clock.systemUTC(), RetryNudges.DEFAULT_PER_SECOND);
    GangScheduling gangs = new GangScheduling(gangSettings, Clock.systemUTC(), state, pods, kube.bindWriter(),
        gangWrites, kube.gangDisruptions(leaderElection == null ? "gpusched" : leaderElection.identity()), nudges,
        metrics);
    gangHolder[0] = gangs;
    if (election != null) {
      gangs.leaderCheck(election::isLeader);
    }
    source.onPodDeleted(gangs::podDeleted);
    source.beforeSynced(gangs::recover); // reservations rebuilt from pod annotations before any decision
    Scheduler scheduler = new Scheduler(state::snapshot, pipeline, binder, pods, metrics).withGangs(gangs)
        .observingDemands(profile::observe).answering(options.filterAnswer());
    ExtenderService service = new ExtenderService(scheduler, metrics);
    ExtenderVerbs verbs = election == null ? service
        : new FollowerGate(service, election::isLeader, election::notLeaderMessage);
    ExtenderServer server;
    try {
      server = ExtenderServer.start(options.host(), options.port(), options.limits(), tls, verbs, metrics,
          () -> InspectView.cluster(state.snapshot(), dcgm), ready, state::snapshot,
          (ns, name) -> {
            var pod = pods.pod(ns, name);
            return pod == null ? null : InspectView.pod(pod);
          }, gangs, options.healthPort(), new CatalogEndpoint(new LiveCatalog(catalogSettings, state::snapshot,
              new FragmentationScore(profile::current, new LedgerCpuView(), FragmentationScore.DEFAULT_MILLI_PER_POINT),
              owners::mlServices, pods, gangs, election == null ? () -> true : election::isLeader)));
    } catch (RuntimeException e) {
      gangs.close();
      nudges.close();
      owners.close();
      state.close();
      throw e;
    }
    CompletableFuture<Void> synced = source.start();
    gangs.start();
    new AbsenceRetry(pods, options.schedulerNames(),
        () -> ready.getAsBoolean() && (election == null || election.isLeader()), nudges, Clock.systemUTC()).start();
    GpuschedApp app = new GpuschedApp(state, source, server, metrics, synced, dcgm, watchdog, gangs, nudges, owners);
    if (election != null) {
      app.election = election;
      election.start();
    }
    return app;
  }

  /** The leader election, or null when this process always leads (standalone, single replica). */
  public LeaderElection leaderElection() {
    return election;
  }

  /** True when this replica decides and binds. */
  public boolean isLeader() {
    return election == null || election.isLeader();
  }

  /** The HTTP server (connection counters, TLS reloader). */
  public ExtenderServer server() {
    return server;
  }

  /** The informer edge (resync counter). */
  public KubernetesSource source() {
    return source;
  }

  public int port() {
    return server.port();
  }

  public ClusterState state() {
    return state;
  }

  public ExtenderMetrics metrics() {
    return metrics;
  }

  /** Completes when the informers have synced and the first full snapshot is about to be published. */
  public CompletableFuture<Void> synced() {
    return synced;
  }

  /** Blocks until the cache is synced and published (for tests and start-up logs). */
  public void awaitReady(long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (!(state.snapshot().synced() && source.healthy())) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("gpusched did not sync with the API server within " + timeoutMillis + " ms");
      }
      Thread.sleep(10);
    }
  }

  /** Gang scheduling (reservations, barrier, recovery). */
  public GangScheduling gangs() {
    return gangs;
  }

  /** The DCGM poller, or null when gpusched runs on its ledger alone. */
  public DcgmPoller dcgm() {
    return dcgm;
  }

  @Override
  public void close() {
    if (election != null) {
      election.close();
    }
    if (watchdog != null) {
      watchdog.shutdownNow();
    }
    if (dcgm != null) {
      dcgm.close();
    }
    server.close();
    gangs.close();
    nudges.close();
    source.close();
    owners.close();
    state.close();
  }
}
