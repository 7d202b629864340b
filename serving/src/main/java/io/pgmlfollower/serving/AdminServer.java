package io.pgmlfollower.serving;

import static java.util.Objects.requireNonNull;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * polling. The request is answered when the source announces a change of state ({@link
 * Readiness#addListener}), not by re-reading the state on a timer: with a 5 ms timer before, the
 * admin event loop took 0.23 CPU-s of a 3.9 s initial load on 2 cores (docs/benchmarks.md, session
 * 12).
 */
final class AdminServer implements AutoCloseable {
  static final double MAX_WAIT_SECONDS = 3600;

  /** How often a waiting request checks again when readiness can change unannounced (lag). */
  static final long UNANNOUNCED_CHECK_MS = 100;

  private final HttpServer server;

  private AdminServer(HttpServer server) {
    this.server = server;
  }

  static AdminServer start(
      Vertx vertx, String host, int port, Readiness readiness, Supplier<String> prometheusScrape)
      throws Exception {
    return start(vertx, host, port, readiness, prometheusScrape, router -> {});
  }

  /**
   * @param more further routes (the dashboard), after the health and metrics ones
   */
  static AdminServer start(
      Vertx vertx,
      String host,
      int port,
      Readiness readiness,
      Supplier<String> prometheusScrape,
      Consumer<Router> more)
      throws Exception {
    requireNonNull(prometheusScrape, "prometheusScrape is null");
    requireNonNull(readiness, "readiness is null");
    Set<Waiter> waiters = ConcurrentHashMap.newKeySet();
    readiness.addListener(() -> waiters.forEach(Waiter::changed));
    Router router = Router.router(vertx);
    router
        .route("/health/*")
        .handler(
            context -> {
              HttpServerRequest request = context.request();
              switch (request.path()) {
                case "/health/live" ->
                    request.response().putHeader("content-type", "text/plain").end("live\n");
                case "/health/ready" -> ready(vertx, request, readiness, waiters);
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
      Vertx vertx, HttpServerRequest request, Readiness readiness, Set<Waiter> waiters) {
    String wait = request.getParam("wait");
    if (wait == null) {
      answerReady(request, readiness.notReadyReason());
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
    // Registered before the first check: a change between the two still reaches this waiter.
    Waiter waiter = new Waiter(vertx, Vertx.currentContext(), request, readiness, waiters);
    waiters.add(waiter);
    request.response().closeHandler(closed -> waiter.finish(null, false));
    try {
      waiter.start((long) Math.ceil(seconds * 1000));
    } catch (RuntimeException e) {
      waiter.finish(null, false); // the router answers 500; nothing else may answer after it
      throw e;
    }
  }

  /**
   * A request held by {@code ?wait=}: answered on the first change that makes the follower ready,
   * or when its wait is over. Every step runs on the request's own context (event loop).
   */
  private static final class Waiter {
    private final Vertx vertx;
    private final Context context;
    private final HttpServerRequest request;
    private final Readiness readiness;
    private final Set<Waiter> waiters;
    private boolean finished;
    private long deadlineTimer = -1;
    private long pollTimer = -1;

    Waiter(
        Vertx vertx,
        Context context,
        HttpServerRequest request,
        Readiness readiness,
        Set<Waiter> waiters) {
      this.vertx = vertx;
      this.context = requireNonNull(context, "context is null");
      this.request = request;
      this.readiness = readiness;
      this.waiters = waiters;
    }

    void start(long waitMillis) {
      if (check()) {
        return;
      }
      // Vert.x timers take at least 1 ms; a wait of 0 answers at the first tick.
      deadlineTimer =
          vertx.setTimer(Math.max(1, waitMillis), id -> finish(readiness.notReadyReason(), true));
      if (readiness.changesUnannounced()) {
        pollTimer = vertx.setPeriodic(UNANNOUNCED_CHECK_MS, id -> check());
      }
    }

    /** From any thread: the readiness may have changed. */
    void changed() {
      context.runOnContext(v -> check());
    }

    /** Answers 200 when ready now; true when this waiter is done. */
    private boolean check() {
      if (finished) {
        return true;
      }
      String reason = readiness.notReadyReason();
      if (reason == null) {
        finish(null, true);
        return true;
      }
      return false;
    }

    private void finish(String reason, boolean answer) {
      if (finished) {
        return;
      }
      finished = true;
      waiters.remove(this);
      if (deadlineTimer != -1) {
        vertx.cancelTimer(deadlineTimer);
      }
      if (pollTimer != -1) {
        vertx.cancelTimer(pollTimer);
      }
      if (answer && !request.response().closed() && !request.response().ended()) {
        answerReady(request, reason);
      }
    }
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
