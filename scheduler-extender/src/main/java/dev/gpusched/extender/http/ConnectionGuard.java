package dev.gpusched.extender.http;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Connection-level limits in front of the router: at most {@link ServerLimits#maxConnections()} open HTTP connections
 * (one beyond gets HTTP 503 for its request and is closed), and, through {@link #bodyDeadline()},
 * {@link ServerLimits#requestTimeoutSeconds()} for a request's body to arrive in full after its headers (else HTTP 408
 * and the connection is closed). A request that has fully arrived is never cut short: a bind waiting for the API
 * server is bounded by kube-scheduler's own httpTimeout.
 * Vert.x 5 hands a connection over once its first header section is complete, so connections still sending their first
 * headers are not counted here: they are bounded by the idle timeout, the header-size limit and, with client
 * certificates required, by the TLS handshake timeout (see README-limits.md).
 */
public final class ConnectionGuard {
  private static final String JSON = "application/json";

  private final Vertx vertx;
  private final ServerLimits limits;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong refusedTotal = new AtomicLong();
  private final AtomicLong timedOutTotal = new AtomicLong();
  private final AtomicInteger armed = new AtomicInteger();
  private final Set<HttpConnection> refused = ConcurrentHashMap.newKeySet();
  private final Set<HttpConnection> connections = ConcurrentHashMap.newKeySet();
  private final Set<HttpConnection> answeredAsLeader = ConcurrentHashMap.newKeySet();

  public ConnectionGuard(Vertx vertx, ServerLimits limits) {
    this.vertx = vertx;
    this.limits = limits;
  }

  /** Open connections right now. */
  public int openConnections() {
    return open.get();
  }

  /** Connections refused for being over the limit, since start. */
  public long refusedConnections() {
    return refusedTotal.get();
  }

  /**
   * The router's first handler: arms the body deadline of a request still arriving, and disarms it when the request's
   * answer is done. Disarming matters: an armed timer holds the request, body included, until it fires, so a server
   * answering 2,000 requests a second would otherwise keep the last {@code --request-timeout-seconds} of them in memory
   * (found by the sustained load run: 700 MiB after GC at 1,000 nodes).
   */
  public Handler<RoutingContext> bodyDeadline() {
    return ctx -> {
      HttpServerRequest req = ctx.request();
      if (limits.requestTimeoutSeconds() > 0 && !req.isEnded()) {
        armed.incrementAndGet();
        long timer = vertx.setTimer(limits.requestTimeoutSeconds() * 1000L, id -> {
          armed.decrementAndGet();
          if (!req.isEnded() && !req.response().ended()) {
            timedOutTotal.incrementAndGet();
            HttpConnection conn = req.connection();
            req.response().setStatusCode(408).putHeader("Content-Type", JSON).putHeader("Connection", "close")
                .end("{\"Error\":\"request body did not arrive within " + limits.requestTimeoutSeconds()
                    + " s (serve --request-timeout-seconds); connection closed\"}")
                .onComplete(ar -> conn.close());
          }
        });
        ctx.addEndHandler(ar -> {
          if (vertx.cancelTimer(timer)) {
            armed.decrementAndGet();
          }
        });
      }
      ctx.next();
    };
  }

  /** Body deadlines armed and not yet fired or disarmed: requests whose answer is still being read or made. */
  public int armedDeadlines() {
    return armed.get();
  }

  /** Requests or connections closed for arriving too slowly, since start. */
  public long timedOut() {
    return timedOutTotal.get();
  }

  /** For {@code HttpServer.connectionHandler}: counts connections and marks those over the limit. */
  public Handler<HttpConnection> onConnection() {
    return conn -> {
      int now = open.incrementAndGet();
      connections.add(conn);
      conn.closeHandler(v -> {
        open.decrementAndGet();
        refused.remove(conn);
        connections.remove(conn);
        answeredAsLeader.remove(conn);
      });
      if (limits.maxConnections() > 0 && now > limits.maxConnections()) {
        refused.add(conn);
        refusedTotal.incrementAndGet();
        // Give a prompt client its 503; close anyway soon after.
        vertx.setTimer(1000, id -> conn.close());
      }
    };
  }

  /**
   * Notes that the connection carried an answer this replica gave as the leader. One already closed is not noted (its
   * close handler, on the same event loop, has run), so nothing outlives its connection.
   */
  public void answeredAsLeader(HttpConnection conn) {
    if (connections.contains(conn)) {
      answeredAsLeader.add(conn);
    }
  }

  /**
   * Shuts down gracefully, once, each open connection that carried an answer given as the leader (an idle one closes at
   * once, one with a request in progress after its answer, or after {@code timeout}); returns how many. Called while
   * this replica does not lead, it closes what kube-scheduler kept open to it however short the leadership was: a
   * kept-alive connection stays with the replica it was opened to whatever the Service selects now.
   */
  public int shutdownLeaderConnections(java.time.Duration timeout) {
    int count = 0;
    for (HttpConnection conn : answeredAsLeader) {
      if (answeredAsLeader.remove(conn)) {
        conn.shutdown(timeout);
        count++;
      }
    }
    return count;
  }

  /** Wraps the router: refuses requests on over-limit connections. */
  public Handler<HttpServerRequest> guard(Handler<HttpServerRequest> next) {
    return req -> {
      HttpConnection conn = req.connection();
      if (refused.contains(conn)) {
        req.response().setStatusCode(503).putHeader("Content-Type", JSON).putHeader("Connection", "close")
            .end("{\"Error\":\"gpusched has " + limits.maxConnections() + " connections open, its limit "
                + "(serve --max-connections); retry on an existing connection or later\"}")
            .onComplete(ar -> conn.close());
        return;
      }
      next.handle(req);
    };
  }
}
