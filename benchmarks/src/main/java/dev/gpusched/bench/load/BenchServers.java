package dev.gpusched.bench.load;

import dev.gpusched.bench.jmh.SyntheticCluster;
import dev.gpusched.extender.bind.Binder;
import dev.gpusched.extender.bind.ClusterWriter;
import dev.gpusched.extender.decide.DecisionPipeline;
import dev.gpusched.extender.http.ExtenderServer;
import dev.gpusched.extender.http.ExtenderService;
import dev.gpusched.extender.http.ExtenderVerbs;
import dev.gpusched.extender.http.InspectView;
import dev.gpusched.extender.http.ServerLimits;
import dev.gpusched.extender.metrics.ExtenderMetrics;
import dev.gpusched.extender.state.ClusterState;
import dev.gpusched.extender.state.PodCache;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * The two servers the load tool measures, on 127.0.0.1 and ephemeral ports, each on its own Vert.x instance of the same
 * {@link ExtenderServer} stack: gpusched ({@link ExtenderService} over a {@link SyntheticCluster} of N nodes) and the
 * {@link NullExtender}. Run in process, or as a child JVM through {@link #main} (see {@link ServerProcess}).
 */
public final class BenchServers implements AutoCloseable {
  /** Printed by the child once both servers listen: {@code READY <gpusched port> <null port>}. */
  static final String READY = "READY";

  private final ClusterState state;
  private final ExtenderServer gpusched;
  private final ExtenderServer nullServer;

  private BenchServers(ClusterState state, ExtenderServer gpusched, ExtenderServer nullServer) {
    this.state = state;
    this.gpusched = gpusched;
    this.nullServer = nullServer;
  }

  /** @param decisionThreads threads of one call's new verdicts ({@code gpusched serve --decision-threads}) */
  public static BenchServers start(int nodes, long seed, int decisionThreads) {
    ClusterState state = SyntheticCluster.build(nodes, seed, SyntheticCluster.loadShapes(SyntheticCluster.fixtureDir()));
    ExtenderServer g = null;
    try {
      BooleanSupplier ready = () -> state.snapshot().synced();
      DecisionPipeline pipeline = SyntheticCluster.serverPipeline(decisionThreads);
      ExtenderMetrics gMetrics = new ExtenderMetrics(state::snapshot, ready, () -> true);
      Binder binder = new Binder(state, pipeline, REFUSING_WRITER, PodCache.EMPTY);
      ExtenderService service = new ExtenderService(state::snapshot, pipeline, binder, gMetrics);
      g = serve(service, gMetrics, state, ready);
      ExtenderMetrics nMetrics = new ExtenderMetrics(state::snapshot, ready, () -> true);
      ExtenderServer n = serve(new NullExtender(), nMetrics, state, ready);
      return new BenchServers(state, g, n);
    } catch (RuntimeException e) {
      if (g != null) {
        g.close();
      }
      state.close();
      throw e;
    }
  }

  private static ExtenderServer serve(ExtenderVerbs verbs, ExtenderMetrics metrics, ClusterState state,
      BooleanSupplier ready) {
    return ExtenderServer.start("127.0.0.1", 0, ServerLimits.DEFAULT, verbs, metrics,
        () -> InspectView.cluster(state.snapshot(), null), ready, state::snapshot, (ns, name) -> null);
  }

  public int gpuschedPort() {
    return gpusched.port();
  }

  public int nullPort() {
    return nullServer.port();
  }

  /** Heap in use right after a full collection, in bytes: what the servers retain. */
  public static long heapAfterGc() {
    System.gc();
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  @Override
  public void close() {
    gpusched.close();
    nullServer.close();
    state.close();
  }

  /** Binds are never sent by the load tool; if one were, it fails with this message instead of touching a cluster. */
  private static final ClusterWriter REFUSING_WRITER = (namespace, name, uid, node, gpuIds) -> {
    throw new UnsupportedOperationException("the load benchmark's gpusched has no API server to bind through");
  };

  /**
   * Child-process entry: {@code BenchServers NODES SEED DECISION_THREADS}. Prints {@code READY <gpusched port> <null port>}, then answers
   * {@code GC} with {@code HEAP <bytes>} and stops on {@code QUIT} or when its standard input closes (the parent died).
   */
  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: BenchServers NODES SEED DECISION_THREADS");
      System.exit(2);
    }
    BenchServers servers = start(Integer.parseInt(args[0]), Long.parseLong(args[1]), Integer.parseInt(args[2]));
    System.out.println(READY + " " + servers.gpuschedPort() + " " + servers.nullPort());
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.equals("GC")) {
        System.out.println("HEAP " + heapAfterGc());
        System.out.flush();
      } else if (line.equals("QUIT")) {
        break;
      } else {
        System.out.println("ERROR unknown command \"" + line + "\": use GC or QUIT");
        System.out.flush();
      }
    }
    servers.close();
    System.exit(0);
  }
}
