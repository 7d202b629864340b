package io.pgmlfollower.pgwire.session;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.PgWireStats;
import io.pgmlfollower.pgwire.auth.Authenticator;
import io.pgmlfollower.pgwire.spi.SessionHandlerFactory;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** What every connection of one server shares; {@code tls} is null when TLS is not offered. */
public record ServerResources(
    Vertx vertx,
    int maxMessageSize,
    int maxConnections,
    Duration authenticationTimeout,
    Duration idleSessionTimeout,
    Duration statementTimeout,
    Authenticator authenticator,
    UpstreamDialer upstream,
    CancelRegistry cancelRegistry,
    SessionHandlerFactory handlerFactory,
    AtomicInteger activeSessions,
    PgWireStats stats,
    io.vertx.core.net.ServerSSLOptions tls) {
  public ServerResources {
    requireNonNull(vertx, "vertx is null");
    requireNonNull(authenticationTimeout, "authenticationTimeout is null");
    requireNonNull(idleSessionTimeout, "idleSessionTimeout is null");
    requireNonNull(statementTimeout, "statementTimeout is null");
    requireNonNull(authenticator, "authenticator is null");
    requireNonNull(upstream, "upstream is null");
    requireNonNull(cancelRegistry, "cancelRegistry is null");
    requireNonNull(handlerFactory, "handlerFactory is null");
    requireNonNull(activeSessions, "activeSessions is null");
    requireNonNull(stats, "stats is null");
  }
}
