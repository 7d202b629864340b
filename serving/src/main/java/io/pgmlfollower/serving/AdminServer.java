package io.pgmlfollower.serving;

import static java.util.Objects.requireNonNull;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The admin HTTP endpoint: {@code /health/live} (the process answers), {@code /health/ready} (the
 * initial snapshot is loaded and replication is streaming) and {@code /metrics} (Prometheus). The
 * dashboard comes later.
 */
final class AdminServer implements AutoCloseable {
  private final HttpServer server;

  /** Readiness as a short reason: null when ready. */
  private AdminServer(HttpServer server) {
    this.server = server;
  }

  static AdminServer start(
      Vertx vertx,
      String host,
      int port,
      Supplier<String> notReadyReason,
      Supplier<String> prometheusScrape)
      throws Exception {
    requireNonNull(prometheusScrape, "prometheusScrape is null");
    requireNonNull(notReadyReason, "notReadyReason is null");
    HttpServer server =
        vertx
            .createHttpServer(new HttpServerOptions().setHost(host).setPort(port))
            .requestHandler(
                request -> {
                  switch (request.path()) {
                    case "/health/live" ->
                        request.response().putHeader("content-type", "text/plain").end("live\n");
                    case "/health/ready" -> {
                      String reason = notReadyReason.get();
                      request
                          .response()
                          .setStatusCode(reason == null ? 200 : 503)
                          .putHeader("content-type", "text/plain")
                          .end(reason == null ? "ready\n" : "not ready: " + reason + "\n");
                    }
                    case "/metrics" ->
                        // A scrape may query the offline store: off the event loop.
                        vertx
                            .executeBlocking(prometheusScrape::get)
                            .onComplete(
                                scrape -> {
                                  if (scrape.succeeded()) {
                                    request
                                        .response()
                                        .putHeader(
                                            "content-type",
                                            "text/plain; version=0.0.4; charset=utf-8")
                                        .end(scrape.result());
                                  } else {
                                    request
                                        .response()
                                        .setStatusCode(500)
                                        .end("metrics failed: " + scrape.cause() + "\n");
                                  }
                                });
                    default -> request.response().setStatusCode(404).end("not found\n");
                  }
                });
    server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return new AdminServer(server);
  }

  int port() {
    return server.actualPort();
  }

  @Override
  public void close() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
