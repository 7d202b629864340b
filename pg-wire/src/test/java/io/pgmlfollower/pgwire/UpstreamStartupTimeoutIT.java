package io.pgmlfollower.pgwire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An upstream that accepts connections but never answers does not hold clients forever. */
class UpstreamStartupTimeoutIT {
  @Test
  void aSilentUpstreamFailsTheClientsLoginAndFreesItsSlot() throws Exception {
    Vertx vertx = Vertx.vertx();
    List<Socket> accepted = new ArrayList<>();
    try (ServerSocket silent = new ServerSocket(0)) {
      Thread acceptor =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      while (true) {
                        accepted.add(silent.accept()); // accepts, never answers
                      }
                    } catch (java.io.IOException closed) {
                      // the test is over
                    }
                  });
      PgWireServer server =
          new PgWireServer(
              vertx,
              new PgWireOptions()
                  .setPort(0)
                  .setAuthMethod(AuthMethod.TRUST)
                  .setUpstream(
                      new UpstreamOptions()
                          .setPort(silent.getLocalPort())
                          .setUser("nobody")
                          .setStartupTimeout(Duration.ofMillis(500))),
              session -> new TestSessionHandler());
      int port = server.start();
      try {
        assertThatThrownBy(
                () ->
                    DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:" + port + "/app?loginTimeout=60",
                        "someone",
                        ""))
            .isInstanceOfSatisfying(
                SQLException.class,
                e -> {
                  assertThat(e.getSQLState()).isEqualTo("08006");
                  assertThat(e.getMessage()).contains("did not complete its startup");
                });
        assertThat(server.activeSessions()).isZero();
      } finally {
        server.close();
        acceptor.interrupt();
      }
    } finally {
      for (Socket socket : accepted) {
        socket.close();
      }
      vertx.close().toCompletionStage().toCompletableFuture().join();
    }
  }
}
