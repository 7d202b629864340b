package io.pgmlfollower.pgwire;

import io.pgmlfollower.testing.PostgresFixture;
import io.vertx.core.Vertx;
import java.util.function.UnaryOperator;

/**
 * An endpoint for a test: its own Vert.x, a real PostgreSQL upstream reached as {@code role}, the
 * {@link TestSessionHandler}'s local statements, and the options the test adjusts. Closing stops
 * the endpoint and its Vert.x (the PostgreSQL fixture belongs to the test).
 */
final class TestEndpoint implements AutoCloseable {
  private final Vertx vertx;
  private final PgWireServer server;
  private final int port;

  private TestEndpoint(Vertx vertx, PgWireServer server, int port) {
    this.vertx = vertx;
    this.server = server;
    this.port = port;
  }

  /**
   * @param settings adjusts the options: authentication (trust unless changed), TLS, limits
   */
  static TestEndpoint start(
      PostgresFixture postgres,
      String role,
      String password,
      UnaryOperator<PgWireOptions> settings) {
    Vertx vertx = Vertx.vertx();
    PgWireServer server = server(vertx, postgres, role, password, settings);
    try {
      return new TestEndpoint(vertx, server, server.start());
    } catch (RuntimeException e) {
      server.close();
      vertx.close().toCompletionStage().toCompletableFuture().join();
      throw e;
    }
  }

  /**
   * An endpoint on {@code vertx}, not started: loopback, port 0, trusting unless {@code settings}
   * change it, upstream the test PostgreSQL as {@code role}, {@link TestSessionHandler}.
   */
  static PgWireServer server(
      Vertx vertx,
      PostgresFixture postgres,
      String role,
      String password,
      UnaryOperator<PgWireOptions> settings) {
    return new PgWireServer(
        vertx,
        settings.apply(
            new PgWireOptions()
                .setHost("127.0.0.1")
                .setPort(0)
                .setAuthMethod(AuthMethod.TRUST)
                .setUpstream(
                    new UpstreamOptions()
                        .setHost(postgres.host())
                        .setPort(postgres.port())
                        .setUser(role)
                        .setPassword(password))),
        session -> new TestSessionHandler());
  }

  int port() {
    return port;
  }

  @Override
  public void close() {
    server.close();
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }
}
