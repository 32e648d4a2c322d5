package dev.gpusched.extender.http;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;

/**
 * Answers requests the HTTP decoder could not read (bad request line, oversized headers, broken chunking) with a 4xx
 * and a JSON {@code Error} saying what was wrong, then closes the connection: nothing after a framing error can be
 * trusted to start a new request.
 */
public final class InvalidRequests implements Handler<HttpServerRequest> {
  private final ServerLimits limits;

  public InvalidRequests(ServerLimits limits) {
    this.limits = limits;
  }

  @Override
  public void handle(HttpServerRequest req) {
    DecoderResult result = req.decoderResult();
    Throwable cause = result == null ? null : result.cause();
    int status;
    String message;
    if (cause instanceof TooLongFrameException && String.valueOf(cause.getMessage()).toLowerCase().contains("header")) {
      status = 431;
      message = "request header section is larger than the limit of " + limits.maxHeaderBytes()
          + " bytes (serve --max-header-bytes)";
    } else if (cause instanceof TooLongFrameException) {
      status = 414;
      message = "request line is longer than the HTTP decoder accepts: " + cause.getMessage();
    } else {
      status = 400;
      message = "malformed HTTP request" + (cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage())
          + "; send HTTP/1.1 with a JSON body";
    }
    String body = "{\"Error\":\"" + message.replace("\\", "\\\\").replace("\"", "\\\"").replaceAll("[\\x00-\\x1f]", " ")
        + "\"}";
    req.response().setStatusCode(status).putHeader("Content-Type", "application/json").putHeader("Connection", "close")
        .end(body).onComplete(ar -> req.connection().close());
  }
}
