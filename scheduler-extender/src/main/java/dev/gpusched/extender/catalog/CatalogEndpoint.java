package dev.gpusched.extender.catalog;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /catalog/entities.yaml}: the catalog as YAML, built on a worker thread (a large cluster's catalog takes
 * longer than an event loop may be held) from the caches at the time of the request.
 */
public final class CatalogEndpoint implements Handler<RoutingContext> {
  /** Where the catalog is served. */
  public static final String PATH = "/catalog/entities.yaml";
  private static final Logger LOG = LoggerFactory.getLogger(CatalogEndpoint.class);

  private final Supplier<String> yaml;

  /** @param yaml builds the catalog's YAML from the current caches */
  public CatalogEndpoint(Supplier<String> yaml) {
    this.yaml = yaml;
  }

  @Override
  public void handle(RoutingContext ctx) {
    ctx.vertx().executeBlocking(yaml::get, false).onComplete(ar -> {
      if (ctx.response().ended() || ctx.response().closed()) {
        return;
      }
      if (ar.succeeded()) {
        ctx.response().putHeader("Content-Type", CatalogYaml.CONTENT_TYPE).end(ar.result());
      } else {
        LOG.error("building the Backstage catalog failed", ar.cause());
        ctx.response().setStatusCode(500).putHeader("Content-Type", "text/plain; charset=utf-8")
            .end("gpusched could not build the catalog: " + ar.cause().getMessage() + " (logged)\n");
      }
    });
  }
}
