package dev.gpusched.extender.http;

import dev.gpusched.extender.api.BadRequestException;
import dev.gpusched.extender.api.FilterResult;
import dev.gpusched.extender.api.WireJson;
import dev.gpusched.extender.metrics.ExtenderMetrics;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.NodeGpuState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The webhook: {@code POST /scheduler/{filter,prioritize,bind,preempt}}, {@code GET /healthz}, {@code /readyz},
 * {@code /metrics}, {@code /inspect[/{node}]}. Filter and prioritize run on the event loop (they only read a snapshot);
 * bind and preempt run on a worker (they call the API server). With a health port, {@code /healthz}, {@code /readyz} and
 * {@code /metrics} are also served there over plain HTTP: the kubelet's probes and Prometheus carry no client
 * certificate, which the verb port requires with TLS.
 */
public final class ExtenderServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ExtenderServer.class);
  private static final String JSON = "application/json";
  /** How often the server looks whether this replica stopped leading. */
  private static final long LEADERSHIP_CHECK_MILLIS = 200;
  /** Longer than kube-scheduler's extender httpTimeout (10s): a call in progress at a hand-over gets its answer. */
  private static final java.time.Duration HAND_OVER_DRAIN = java.time.Duration.ofSeconds(15);

  private final Vertx vertx;
  private final HttpServer server;
  private final ConnectionGuard guard;
  private final TlsReloader reloader;
  private final HttpServer health;

  private ExtenderServer(Vertx vertx, HttpServer server, ConnectionGuard guard, TlsReloader reloader, HttpServer health) {
    this.vertx = vertx;
    this.server = server;
    this.guard = guard;
    this.reloader = reloader;
    this.health = health;
  }

  /** Connection limits and their counters. */
  public ConnectionGuard guard() {
    return guard;
  }

  /** The TLS file watcher, or null over plain HTTP. */
  public TlsReloader tlsReloader() {
    return reloader;
  }

  public int port() {
    return server.actualPort();
  }

  /** The plain-HTTP port of {@code /healthz}, {@code /readyz} and {@code /metrics}, or -1 without one. */
  public int healthPort() {
    return health == null ? -1 : health.actualPort();
  }

  public static ExtenderServer start(String host, int port, ServerLimits limits, ExtenderVerbs service,
      ExtenderMetrics metrics, Supplier<JsonNode> clusterView, BooleanSupplier ready, Supplier<ClusterSnapshot> snapshots,
      java.util.function.BiFunction<String, String, JsonNode> podView) {
    return start(host, port, limits, null, service, metrics, clusterView, ready, snapshots, podView, null, -1, null);
  }

  /**
   * As above, over HTTPS when {@code tls} is not null (the files are re-read when they change).
   *
   * @param gangs gang scheduling for {@code GET /inspect/gangs} and reservations in {@code /inspect/{node}}, or null
   * @param healthPort plain-HTTP port for {@code /healthz}, {@code /readyz} and {@code /metrics} as well (0: any free
   *     one), or -1 for none
   * @param catalog {@code GET /catalog/entities.yaml} (the Backstage catalog), or null; served beside {@code /metrics}
   */
  public static ExtenderServer start(String host, int port, ServerLimits limits, TlsConfig tls, ExtenderVerbs service,
      ExtenderMetrics metrics, Supplier<JsonNode> clusterView, BooleanSupplier ready, Supplier<ClusterSnapshot> snapshots,
      java.util.function.BiFunction<String, String, JsonNode> podView, dev.gpusched.extender.gang.GangScheduling gangs,
      int healthPort, io.vertx.core.Handler<RoutingContext> catalog) {
    Vertx vertx = Vertx.vertx();
    ConnectionGuard guard = new ConnectionGuard(vertx, limits);
    Router router = Router.router(vertx);
    // A client that hangs up mid-body (or is cut off for being too slow) is no server error: nothing left to answer.
    // A body that cannot be decoded (broken chunking) fails while it is still arriving: the client's framing is at
    // fault, so it gets 400 and the connection is closed (nothing after a framing error can be trusted).
    router.route().failureHandler(ctx -> {
      if (ctx.failure() instanceof io.vertx.core.http.HttpClosedException) {
        LOG.debug("client closed the connection before {} {} was read", ctx.request().method(), ctx.request().path());
      } else if (ctx.failure() != null && ctx.statusCode() < 400 && !ctx.request().isEnded() && !ctx.response().ended()) {
        ctx.response().putHeader("Connection", "close"); // respond() closes after the answer
        respond(ctx, 400, error("request body could not be read: " + rootMessage(ctx.failure())
            + "; send a JSON body with Content-Length or valid chunked encoding"));
      } else {
        ctx.next();
      }
    });
    router.route().handler(guard.bodyDeadline());
    router.route("/scheduler/*").handler(BodyHandler.create(false).setBodyLimit(limits.maxBodyBytes()));
    router.post("/scheduler/filter").handler(ctx -> verb(ctx, service, guard, metrics, "filter", () -> {
      FilterResult r = service.filter(body(ctx));
      return new Answer(r.toJson(), !r.failed());
    }));
    router.post("/scheduler/prioritize").handler(ctx -> verb(ctx, service, guard, metrics, "prioritize",
        () -> new Answer(service.prioritize(body(ctx)).toJson(), true)));
    router.post("/scheduler/preempt").handler(ctx -> {
      if (!jsonContent(ctx)) {
        metrics.recordRequest("preempt", false, 0);
        return;
      }
      byte[] bytes = body(ctx);
      long start = System.nanoTime();
      // Off the event loop: a gang taken whole is recorded through the API before the answer.
      vertx.executeBlocking(() -> Answer.of(service.preempt(bytes)), false).onComplete(ar -> {
        closeIfFollower(ctx, service, guard);
        metrics.recordRequest("preempt", ar.succeeded() && ar.result().ok(), System.nanoTime() - start);
        if (ar.succeeded()) {
          respond(ctx, 200, ar.result().json());
        } else {
          fail(ctx, ar.cause());
        }
      });
    });
    router.post("/scheduler/bind").handler(ctx -> {
      if (!jsonContent(ctx)) {
        return;
      }
      byte[] bytes = body(ctx);
      long start = System.nanoTime();
      // Off the event loop; a gang member held at the barrier completes later without holding a thread.
      Callable<java.util.concurrent.CompletionStage<JsonNode>> call =
          () -> service.bindAsync(bytes).thenApply(answer -> (JsonNode) answer);
      io.vertx.core.Context context = vertx.getOrCreateContext();
      vertx.executeBlocking(call, false).compose(stage -> Future.fromCompletionStage(stage, context))
          .onComplete(ar -> {
        closeIfFollower(ctx, service, guard);
        if (ar.succeeded()) {
          JsonNode answer = ar.result();
          metrics.recordRequest("bind", answer.path("Error").asString("").isEmpty(), System.nanoTime() - start);
          respond(ctx, 200, answer);
        } else {
          metrics.recordRequest("bind", false, System.nanoTime() - start);
          fail(ctx, ar.cause());
        }
      });
    });
    healthRoutes(router, metrics, ready, catalog);
    router.get("/inspect").handler(ctx -> respond(ctx, 200, clusterView.get()));
    if (gangs != null) {
      router.get("/inspect/gangs").handler(ctx -> respond(ctx, 200, gangs.inspect()));
    }
    router.get("/inspect/:node").handler(ctx -> {
      String name = ctx.pathParam("node");
      NodeGpuState node = snapshots.get().node(name);
      if (node == null) {
        respond(ctx, 404, error("node \"" + name + "\" is unknown to gpusched; GET /inspect lists the nodes it knows"));
      } else {
        tools.jackson.databind.node.ObjectNode view = InspectView.node(node);
        if (gangs != null) {
          view.set("reservations", gangs.reservationsOn(name));
        }
        respond(ctx, 200, view);
      }
    });
    router.get("/inspect/pod/:namespace/:name").handler(ctx -> {
      JsonNode pod = podView.apply(ctx.pathParam("namespace"), ctx.pathParam("name"));
      if (pod == null) {
        respond(ctx, 404, error("pod " + ctx.pathParam("namespace") + "/" + ctx.pathParam("name")
            + " is not in gpusched's cache"));
      } else {
        respond(ctx, 200, pod);
      }
    });
    router.errorHandler(413, ctx -> respond(ctx, 413, error("request body is larger than the limit of "
        + limits.maxBodyBytes() + " bytes (serve --max-body-bytes)")));
    router.errorHandler(404, ctx -> respond(ctx, 404, error("no such endpoint " + ctx.request().method() + " "
        + ctx.request().path() + ": use POST /scheduler/{filter,prioritize,bind,preempt} or GET /healthz, /readyz, /metrics, /inspect")));
    router.errorHandler(405, ctx -> respond(ctx, 405, error(ctx.request().method() + " is not allowed on "
        + ctx.request().path() + ": the scheduler verbs take POST, the rest GET")));
    router.errorHandler(500, ctx -> fail(ctx, ctx.failure()));

    // HTTP/1.1 only, as kube-scheduler's extender client speaks it (TLS without ALPN; no h2c upgrade either): a
    // follower's Connection: close then ends every connection, where an HTTP/2 GOAWAY would fail calls in flight on
    // some clients (Java's).
    HttpServerOptions options = new HttpServerOptions()
        .setHost(host).setPort(port).setHttp2ClearTextEnabled(false)
        .setMaxHeaderSize(limits.maxHeaderBytes())
        .setIdleTimeout(limits.idleTimeoutSeconds()).setIdleTimeoutUnit(TimeUnit.SECONDS);
    if (tls != null) {
      var ssl = tls.sslOptions();
      options.setSsl(true).setKeyCertOptions(ssl.getKeyCertOptions()).setClientAuth(ssl.getClientAuth());
      if (ssl.getTrustOptions() != null) {
        options.setTrustOptions(ssl.getTrustOptions());
      }
    }
    Future<HttpServer> listening = vertx.createHttpServer(options).connectionHandler(guard.onConnection())
        .invalidRequestHandler(new InvalidRequests(limits)).requestHandler(guard.guard(router)).listen();
    HttpServer server = listen(vertx, listening, host, port);
    LOG.info("gpusched listening on {}://{}:{}{}", tls == null ? "http" : "https", host, server.actualPort(),
        tls != null && tls.clientAuth() ? " (client certificates required)" : "");
    HttpServer health = healthPort < 0 ? null : startHealth(vertx, host, healthPort, limits, metrics, ready, catalog);
    TlsReloader reloader = null;
    if (tls != null) {
      reloader = new TlsReloader(vertx, server, tls);
      reloader.start();
    }
    watchLeadership(vertx, service, guard);
    return new ExtenderServer(vertx, server, guard, reloader, health);
  }

  /**
   * {@code GET /healthz} (alive), {@code /readyz} (informers synced), {@code /metrics} (Prometheus text) and, when
   * given, the Backstage catalog: reads of the service's state that carry no secrets, served on the health port too.
   */
  private static void healthRoutes(Router router, ExtenderMetrics metrics, BooleanSupplier ready,
      io.vertx.core.Handler<RoutingContext> catalog) {
    router.get("/healthz").handler(ctx -> ctx.response().putHeader("Content-Type", "text/plain").end("ok"));
    router.get("/readyz").handler(ctx -> {
      boolean ok = ready.getAsBoolean();
      ctx.response().setStatusCode(ok ? 200 : 503).putHeader("Content-Type", "text/plain")
          .end(ok ? "ready" : "not ready: node and pod cache not synced with the API server");
    });
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape()));
    if (catalog != null) {
      router.get(dev.gpusched.extender.catalog.CatalogEndpoint.PATH).handler(catalog);
    }
  }

  /** The plain-HTTP health port: the health routes and nothing else (no verbs, no /inspect). */
  private static HttpServer startHealth(Vertx vertx, String host, int port, ServerLimits limits, ExtenderMetrics metrics,
      BooleanSupplier ready, io.vertx.core.Handler<RoutingContext> catalog) {
    Router router = Router.router(vertx);
    healthRoutes(router, metrics, ready, catalog);
    router.errorHandler(404, ctx -> respond(ctx, 404, error("the health port serves GET /healthz, /readyz, /metrics "
        + (catalog != null ? "and " + dev.gpusched.extender.catalog.CatalogEndpoint.PATH + " " : "")
        + "only; the verbs and /inspect are on the verb port")));
    HttpServerOptions options = new HttpServerOptions().setHost(host).setPort(port)
        .setMaxHeaderSize(limits.maxHeaderBytes())
        .setIdleTimeout(limits.idleTimeoutSeconds()).setIdleTimeoutUnit(TimeUnit.SECONDS);
    HttpServer health = listen(vertx, vertx.createHttpServer(options).requestHandler(router).listen(), host, port);
    LOG.info("gpusched health and metrics on http://{}:{} (/healthz, /readyz, /metrics)", host, health.actualPort());
    return health;
  }

  private static HttpServer listen(Vertx vertx, Future<HttpServer> listening, String host, int port) {
    try {
      return listening.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException("cannot listen on " + host + ":" + port + ": " + rootMessage(e), e);
    }
  }

  /**
   * kube-scheduler calls the gpusched Service, whose endpoints follow the leader label, but a kept-alive connection stays
   * with the pod it was opened to. While this replica does not lead, every connection that carried one of its answers
   * as the leader is shut down (an idle one at once, one with a call in progress after its answer), so kube-scheduler's
   * next call opens a connection to the new leader. Marking the connections at the answer, rather than watching for the
   * moment leadership ends, also catches a leadership shorter than the check's period.
   */
  private static void watchLeadership(Vertx vertx, ExtenderVerbs service, ConnectionGuard guard) {
    vertx.setPeriodic(LEADERSHIP_CHECK_MILLIS, id -> {
      if (!service.leading()) {
        int closed = guard.shutdownLeaderConnections(HAND_OVER_DRAIN);
        if (closed > 0) {
          LOG.info("no longer the leader: closing {} connection(s) kube-scheduler kept, so its next call reaches the new"
              + " leader", closed);
        }
      }
    });
  }

  /**
   * A follower's answer says {@code Connection: close} ({@link #respond} then closes the connection after it); a
   * leader's marks its connection for {@link #watchLeadership}.
   */
  private static void closeIfFollower(RoutingContext ctx, ExtenderVerbs service, ConnectionGuard guard) {
    if (service.leading()) {
      guard.answeredAsLeader(ctx.request().connection());
    } else {
      ctx.response().putHeader("Connection", "close");
    }
  }

  /** A verb's JSON body, and whether it answered without an Error (for the request metric's outcome). */
  private record Answer(byte[] json, boolean ok) {
    /** A tree answer; an object with a non-empty {@code Error} counts as failed. */
    static Answer of(JsonNode tree) {
      return new Answer(WireJson.write(tree), !tree.isObject() || tree.path("Error").asString("").isEmpty());
    }
  }

  /**
   * Runs a verb and answers it: 415 without a JSON body, 400/503/500 as {@link #fail} says, else 200 with the answer
   * (filter and prioritize answers are written as streams, not built as trees).
   */
  private static void verb(RoutingContext ctx, ExtenderVerbs service, ConnectionGuard guard, ExtenderMetrics metrics,
      String verb, Callable<Answer> handler) {
    if (!jsonContent(ctx)) {
      metrics.recordRequest(verb, false, 0);
      return;
    }
    long start = System.nanoTime();
    try {
      Answer answer = handler.call();
      metrics.recordRequest(verb, answer.ok(), System.nanoTime() - start);
      closeIfFollower(ctx, service, guard);
      respond(ctx, 200, answer.json());
    } catch (Exception e) {
      metrics.recordRequest(verb, false, System.nanoTime() - start);
      closeIfFollower(ctx, service, guard);
      fail(ctx, e);
    }
  }

  private static boolean jsonContent(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    if (type == null || !type.toLowerCase().startsWith(JSON)) {
      respond(ctx, 415, error("Content-Type must be application/json (kube-scheduler sends it), got "
          + (type == null ? "none" : "\"" + type + "\"")));
      return false;
    }
    return true;
  }

  private static byte[] body(RoutingContext ctx) {
    Buffer b = ctx.body().buffer();
    return b == null ? new byte[0] : b.getBytes();
  }

  private static void fail(RoutingContext ctx, Throwable t) {
    if (t instanceof BadRequestException) {
      respond(ctx, 400, error(t.getMessage()));
    } else if (t instanceof ExtenderService.NotReadyException || t instanceof ServiceUnavailableException) {
      respond(ctx, 503, error(t.getMessage()));
    } else {
      LOG.error("internal error serving {} {}", ctx.request().method(), ctx.request().path(), t);
      respond(ctx, 500, error("internal error in gpusched: " + rootMessage(t) + " (logged); the scheduler will retry"));
    }
  }

  static JsonNode error(String message) {
    return WireJson.object().put("Error", message);
  }

  private static void respond(RoutingContext ctx, int status, JsonNode body) {
    respond(ctx, status, WireJson.write(body));
  }

  /** Answers with JSON; an answer that says {@code Connection: close} closes its connection once written. */
  private static void respond(RoutingContext ctx, int status, byte[] json) {
    if (ctx.response().ended() || ctx.response().closed()) { // e.g. kube-scheduler gave up on a held bind
      return;
    }
    io.vertx.core.http.HttpConnection connection = ctx.request().connection();
    Future<Void> written = ctx.response().setStatusCode(status).putHeader("Content-Type", JSON).end(Buffer.buffer(json));
    if ("close".equalsIgnoreCase(ctx.response().headers().get("Connection"))) {
      written.onComplete(ar -> connection.close());
    }
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
  }

  @Override
  public void close() {
    if (reloader != null) {
      reloader.stop();
    }
    for (HttpServer s : health == null ? java.util.List.of(server) : java.util.List.of(server, health)) {
      try {
        s.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("closing the HTTP server: {}", e.getMessage());
      }
    }
    vertx.close();
  }
}
