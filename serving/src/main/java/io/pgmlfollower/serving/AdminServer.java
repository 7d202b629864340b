package io.pgmlfollower.serving;

import static java.util.Objects.requireNonNull;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The admin HTTP endpoint (a Vert.x Web router): {@code /health/live} (the process answers), {@code
 * /health/ready} (the initial snapshot is loaded and replication is streaming), {@code /metrics}
 * (Prometheus), and the dashboard mounted by the caller ({@code DashboardApi}).
 *
 * <p>{@code /health/ready?wait=<seconds>} holds the answer until the follower is ready or the wait
 * is over (at most {@link #MAX_WAIT_SECONDS}): a deploy script waits with one request instead of
 * polling, and the follower checks its own state every {@link #WAIT_CHECK_MS} ms, which costs
 * nothing next to answering HTTP requests at that rate.
 */
final class AdminServer implements AutoCloseable {
  static final double MAX_WAIT_SECONDS = 3600;
  static final long WAIT_CHECK_MS = 5;

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
    return start(vertx, host, port, notReadyReason, prometheusScrape, router -> {});
  }

  /**
   * @param more further routes (the dashboard), after the health and metrics ones
   */
  static AdminServer start(
      Vertx vertx,
      String host,
      int port,
      Supplier<String> notReadyReason,
      Supplier<String> prometheusScrape,
      Consumer<Router> more)
      throws Exception {
    requireNonNull(prometheusScrape, "prometheusScrape is null");
    requireNonNull(notReadyReason, "notReadyReason is null");
    Router router = Router.router(vertx);
    router
        .route("/health/*")
        .handler(
            context -> {
              HttpServerRequest request = context.request();
              switch (request.path()) {
                case "/health/live" ->
                    request.response().putHeader("content-type", "text/plain").end("live\n");
                case "/health/ready" -> ready(vertx, request, notReadyReason);
                default -> context.next();
              }
            });
    router
        .get("/metrics")
        .handler(
            context ->
                // A scrape may query the offline store: off the event loop.
                vertx
                    .executeBlocking(prometheusScrape::get, false) // unordered: see DashboardApi
                    .onComplete(
                        scrape -> {
                          if (scrape.succeeded()) {
                            context
                                .response()
                                .putHeader(
                                    "content-type", "text/plain; version=0.0.4; charset=utf-8")
                                .end(scrape.result());
                          } else {
                            context
                                .response()
                                .setStatusCode(500)
                                .end("metrics failed: " + scrape.cause() + "\n");
                          }
                        }));
    more.accept(router);
    HttpServer server =
        vertx
            .createHttpServer(new HttpServerOptions().setHost(host).setPort(port))
            .requestHandler(router);
    server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return new AdminServer(server);
  }

  private static void ready(
      Vertx vertx, HttpServerRequest request, Supplier<String> notReadyReason) {
    String wait = request.getParam("wait");
    if (wait == null) {
      answerReady(request, notReadyReason.get());
      return;
    }
    double seconds;
    try {
      seconds = Double.parseDouble(wait);
    } catch (NumberFormatException e) {
      seconds = Double.NaN;
    }
    if (!(seconds >= 0 && seconds <= MAX_WAIT_SECONDS)) {
      request
          .response()
          .setStatusCode(400)
          .putHeader("content-type", "text/plain")
          .end("wait must be a number of seconds from 0 to " + (long) MAX_WAIT_SECONDS + "\n");
      return;
    }
    String reason = notReadyReason.get();
    if (reason == null) {
      answerReady(request, null);
      return;
    }
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    long timer =
        vertx.setPeriodic(
            WAIT_CHECK_MS,
            id -> {
              String now = notReadyReason.get();
              if (now == null || System.nanoTime() - deadline >= 0) {
                vertx.cancelTimer(id);
                if (!request.response().closed()) {
                  answerReady(request, now);
                }
              }
            });
    request.response().closeHandler(closed -> vertx.cancelTimer(timer));
  }

  private static void answerReady(HttpServerRequest request, String reason) {
    request
        .response()
        .setStatusCode(reason == null ? 200 : 503)
        .putHeader("content-type", "text/plain")
        .end(reason == null ? "ready\n" : "not ready: " + reason + "\n");
  }

  int port() {
    return server.actualPort();
  }

  @Override
  public void close() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
