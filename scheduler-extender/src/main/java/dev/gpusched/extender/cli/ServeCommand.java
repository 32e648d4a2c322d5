package dev.gpusched.extender.cli;

import dev.gpusched.extender.GpuschedApp;
import dev.gpusched.extender.dcgm.DcgmSettings;
import dev.gpusched.extender.http.ServerLimits;
import dev.gpusched.extender.kube.EmbeddedApiServer;
import dev.gpusched.extender.kube.KubeEdge;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gpusched serve}: the extender webhook, against a real cluster or an embedded one seeded from a file. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Serve kube-scheduler's extender webhook (filter, prioritize, bind, preempt) and /inspect, /metrics.",
        "With --cluster-file, gpusched runs against an embedded API server seeded from that file (no cluster needed)."})
public final class ServeCommand implements Callable<Integer> {
  private static volatile boolean serving;

  @Option(names = "--port", defaultValue = "8888", description = "HTTP port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--host", defaultValue = "0.0.0.0", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--health-port", paramLabel = "PORT",
      description = "Also serve /healthz, /readyz and /metrics over plain HTTP on this port, without client certificates "
          + "(the kubelet's probes and Prometheus); the verbs and /inspect stay on --port only. Default: none.")
  Integer healthPort;

  @Option(names = "--cluster-file", paramLabel = "FILE",
      description = "Standalone mode: Kubernetes YAML of Nodes and Pods (multi-document or kind: List).")
  Path clusterFile;

  @Option(names = "--kubeconfig", paramLabel = "FILE",
      description = "kubeconfig to use; default: in-cluster service account, else $KUBECONFIG or ~/.kube/config.")
  Path kubeconfig;

  @Option(names = "--max-body-bytes", defaultValue = "8388608",
      description = "Largest request body accepted; larger gets HTTP 413 (default: ${DEFAULT-VALUE}).")
  long maxBodyBytes;

  @Option(names = "--max-header-bytes", defaultValue = "16384", description = "Largest header section (default: ${DEFAULT-VALUE}).")
  int maxHeaderBytes;

  @Option(names = "--idle-timeout-seconds", defaultValue = "" + ServerLimits.DEFAULT_IDLE_TIMEOUT_SECONDS,
      description = "Close connections idle this long; keep it above kube-scheduler's 90 s for idle connections "
          + "(default: ${DEFAULT-VALUE}).")
  int idleTimeoutSeconds;

  @Option(names = "--max-connections", defaultValue = "256",
      description = "Open connections beyond this get HTTP 503 and are closed; 0: unlimited (default: ${DEFAULT-VALUE}).")
  int maxConnections;

  @Option(names = "--request-timeout-seconds", defaultValue = "10",
      description = "A request not fully received this long after it started gets HTTP 408 and its connection is closed; "
          + "0: no limit (default: ${DEFAULT-VALUE}).")
  int requestTimeoutSeconds;

  @Option(names = "--tls-cert", paramLabel = "FILE", description = "PEM certificate (chain) to serve HTTPS with; re-read when it changes.")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM private key of --tls-cert; re-read when it changes.")
  Path tlsKey;

  @Option(names = "--tls-client-ca", paramLabel = "FILE",
      description = "PEM CA bundle: clients must present a certificate it signed (kube-scheduler's extender tlsConfig).")
  Path tlsClientCa;

  @Option(names = "--leader-election-namespace", paramLabel = "NAMESPACE",
      description = "Namespace of the leader Lease; with --leader-election-lease, only the Lease holder decides and binds.")
  String leaderElectionNamespace;

  @Option(names = "--leader-election-lease", paramLabel = "NAME",
      description = "Name of the leader Lease shared by the replicas (identity: $POD_NAME, else the hostname).")
  String leaderElectionLease;

  @Option(names = "--prometheus-url", paramLabel = "URL",
      description = "Prometheus that scrapes dcgm-exporter; without it (and without --dcgm-scrape-url) gpusched decides on its ledger alone.")
  String prometheusUrl;

  @Option(names = "--dcgm-scrape-url", paramLabel = "URL",
      description = "Fallback: scrape dcgm-exporter's /metrics directly (repeatable); used only without --prometheus-url.")
  java.util.List<String> dcgmScrapeUrls = new java.util.ArrayList<>();

  @Option(names = "--dcgm-poll-interval", defaultValue = "5s", description = "How often DCGM metrics are read (default: ${DEFAULT-VALUE}).")
  String dcgmPollInterval;

  @Option(names = "--dcgm-staleness", defaultValue = "60s",
      description = "Metrics older than this are ignored and decisions use the ledger alone (default: ${DEFAULT-VALUE}).")
  String dcgmStaleness;

  @Option(names = "--dcgm-request-timeout", defaultValue = "2s", description = "Bound on one Prometheus request (default: ${DEFAULT-VALUE}).")
  String dcgmRequestTimeout;

  @Option(names = "--dcgm-hostname-map", paramLabel = "RULES",
      description = "Map dcgm-exporter's Hostname label to node names: strip-domain and/or host=node pairs, comma-separated.")
  String dcgmHostnameMap;

  @Option(names = "--fatal-xids", defaultValue = "48,63,64,74,79,92,94,95",
      description = "XIDs that exclude a GPU until they clear (default: ${DEFAULT-VALUE}).")
  String fatalXids;

  @Option(names = "--decision-threads",
      description = "Threads that compute one filter or prioritize call's new verdicts when it has 1,024 or more (a new "
          + "kind of pod on a large cluster), the request's own included; 1 computes on the request's thread alone "
          + "(default: the machine's CPUs, at most 16: ${DEFAULT-VALUE}).")
  int decisionThreads = dev.gpusched.extender.decide.ParallelChunks.DEFAULT_THREADS;

  @Option(names = "--topology-label-keys", paramLabel = "KEYS", split = ",",
      description = "Node label keys of the inter-node topology levels for gangs, narrowest first, comma-separated "
          + "(default: nvidia.com/gpu.clique, network.topology.nvidia.com/accelerator, .../leaf, .../spine, .../core, "
          + "topology.kubernetes.io/zone).")
  java.util.List<String> topologyLabelKeys;

  @Option(names = "--mlservice-resource", paramLabel = "PLURAL.VERSION.GROUP", defaultValue = "mlservices.v1alpha1.kro.run",
      description = "The MLService custom resource whose annotations its pods inherit, as kubectl names it "
          + "(default: ${DEFAULT-VALUE}; kro's group unless the RGD sets spec.schema.group).")
  String mlServiceResource;

  @Option(names = "--scheduler-name", paramLabel = "NAME", split = ",",
      description = "spec.schedulerName of the kube-scheduler profile(s) that call gpusched (repeatable): when gpusched "
          + "serves again after a start, a leader hand-over or a lost watch, their pods that failed meanwhile are "
          + "retried at once (default: gpusched, the shipped profile).")
  java.util.List<String> schedulerNames = new java.util.ArrayList<>(java.util.List.of(GpuschedApp.Options.DEFAULT_SCHEDULER_NAME));

  @Option(names = "--filter-answer", paramLabel = "best|all-fitting", defaultValue = "best",
      description = "Which fitting nodes filter answers for a GPU pod: best, the node gpusched places it on, alone (for a "
          + "pod with preferred affinities, every node gpusched scores highest), so kube-scheduler's scores cannot "
          + "undo the placement and it skips scoring; all-fitting, every node that fits, for kube-scheduler's scores "
          + "to choose from (default: ${DEFAULT-VALUE}).")
  String filterAnswer;

  @picocli.CommandLine.Mixin CatalogOptions catalog = new CatalogOptions();

  static boolean serving() {
    return serving;
  }

  @Override
  public Integer call() throws Exception {
    if (port < 0 || port > 65535) {
      System.err.println("--port " + port + " is not a TCP port: use 0..65535");
      return 2;
    }
    if (healthPort != null && (healthPort < 0 || healthPort > 65535 || (healthPort != 0 && healthPort == port))) {
      System.err.println("--health-port " + healthPort + " must be a TCP port (0..65535) other than --port " + port);
      return 2;
    }
    if (maxBodyBytes < 1024) {
      System.err.println("--max-body-bytes " + maxBodyBytes + " is too small: use at least 1024");
      return 2;
    }
    ServerLimits limits;
    dev.gpusched.extender.kube.OwnerAnnotations.Resource mlServices;
    dev.gpusched.extender.http.TlsConfig tls;
    dev.gpusched.extender.kube.LeaderElection.Settings election = null;
    dev.gpusched.extender.cycle.FilterAnswer answer;
    try {
      answer = dev.gpusched.extender.cycle.FilterAnswer.ofOption(filterAnswer);
      dev.gpusched.extender.decide.ParallelChunks.checkThreads(decisionThreads);
      limits = new ServerLimits(maxBodyBytes, maxHeaderBytes, idleTimeoutSeconds, maxConnections, requestTimeoutSeconds);
      mlServices = dev.gpusched.extender.kube.OwnerAnnotations.Resource.parse(mlServiceResource);
      tls = dev.gpusched.extender.http.TlsConfig.fromOptions(tlsCert, tlsKey, tlsClientCa);
      if (leaderElectionNamespace != null || leaderElectionLease != null) {
        election = dev.gpusched.extender.kube.LeaderElection.Settings.forDeployment(leaderElectionNamespace,
            leaderElectionLease, System.getenv());
      }
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    DcgmSettings dcgm;
    try {
      dcgm = DcgmSettings.fromOptions(prometheusUrl, dcgmScrapeUrls, dcgmPollInterval, dcgmStaleness, dcgmRequestTimeout,
          dcgmHostnameMap, fatalXids);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    dev.gpusched.extender.gang.GangScheduling.Settings gangSettings = dev.gpusched.extender.gang.GangScheduling.Settings.DEFAULT;
    if (topologyLabelKeys != null && !topologyLabelKeys.isEmpty()) {
      try {
        dev.gpusched.topology.cluster.ClusterTopology.of(topologyLabelKeys, java.util.List.of(), java.util.List.of());
      } catch (IllegalArgumentException e) {
        System.err.println("--topology-label-keys: " + e.getMessage());
        return 2;
      }
      gangSettings = gangSettings.withTopologyLabelKeys(topologyLabelKeys);
    }
    dev.gpusched.extender.catalog.CatalogSettings catalogSettings;
    try {
      catalogSettings = catalog.settings(topologyLabelKeys);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    EmbeddedApiServer embedded = null;
    KubeEdge kube;
    if (clusterFile != null) {
      if (!Files.isRegularFile(clusterFile)) {
        System.err.println("--cluster-file " + clusterFile + " does not exist: pass Kubernetes YAML of Nodes and Pods");
        return 2;
      }
      try {
        embedded = EmbeddedApiServer.startWith(clusterFile);
      } catch (IllegalArgumentException e) {
        System.err.println(e.getMessage());
        return 2;
      }
      kube = embedded.edge(embedded.newClient());
      System.err.println("gpusched: standalone mode, embedded API server seeded from " + clusterFile);
    } else {
      kube = KubeEdge.fromKubeconfig(kubeconfig);
    }
    GpuschedApp.Options options = new GpuschedApp.Options(host, port, limits, dcgm, decisionThreads)
        .withMlServices(mlServices).withHealthPort(healthPort == null ? -1 : healthPort)
        .withSchedulerNames(java.util.Set.copyOf(schedulerNames)).withFilterAnswer(answer);
    GpuschedApp app = GpuschedApp.start(options, gangSettings, kube, tls, election, catalogSettings);
    EmbeddedApiServer toClose = embedded;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      app.close();
      kube.close();
      if (toClose != null) {
        toClose.close();
      }
    }, "gpusched-shutdown"));
    serving = true;
    app.synced().thenRun(() -> System.err.println("gpusched: ready on " + (tls == null ? "http" : "https") + "://" + host + ":" + app.port()
        + " (POST /scheduler/{filter,prioritize,bind,preempt}; GET /inspect, /metrics, /healthz, /readyz)"
        + (app.server().healthPort() < 0 ? "" : "; health and metrics on http://" + host + ":" + app.server().healthPort())));
    return 0;
  }
}
