package io.pgmlfollower.replicator.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.replicator.PgOutputSourceConfig;
import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.connection.SourceConnections;
import io.pgmlfollower.testing.PostgresFixture;
import io.pgmlfollower.testing.SourceRole;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/** {@link SnapshotConnection} against a real PostgreSQL and the RDS-like replication role. */
class SnapshotConnectionIT {
  private static final String DATABASE = "snapshot_connection";

  private static PostgresFixture postgres;
  private static SourceRole role;

  @BeforeAll
  static void start() throws SQLException {
    postgres = PostgresFixture.start();
    postgres.createDatabase(DATABASE);
    postgres.execute(DATABASE, "CREATE TABLE t (id int PRIMARY KEY, v text)");
    role = postgres.createReplicationSource(DATABASE, "snapshot_pub", List.of("t"));
  }

  @AfterAll
  static void stop() {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void theTakenConnectionHasReadThePublicationAndCanImportASnapshot() throws Exception {
    try (SnapshotConnection ahead =
            SnapshotConnection.open(connections(role.password()), "snapshot_pub");
        Connection connection = ahead.take();
        Connection admin = postgres.connectAsSuperuser(DATABASE)) {
      int pid = connection.unwrap(PGConnection.class).getBackendPID();
      // The warm-up's last statement, the read of the shapes' types, ran on that backend.
      assertThat(lastQuery(admin, pid)).contains("format_type");
      // And it left no transaction open: the snapshot's own transaction can start there.
      assertThat(connection.getAutoCommit()).isTrue();
      try (Statement statement = connection.createStatement()) {
        statement.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        statement.execute("ROLLBACK");
      }
    }
  }

  @Test
  void aConnectionNeverTakenIsClosed() throws Exception {
    try (Connection admin = postgres.connectAsSuperuser(DATABASE)) {
      SnapshotConnection ahead =
          SnapshotConnection.open(connections(role.password()), "snapshot_pub");
      assertThat(awaitBackends(admin, 1)).isEqualTo(1); // it opened
      ahead.close();
      assertThat(awaitBackends(admin, 0)).isZero();
    }
  }

  @Test
  void aConnectionThatCannotOpenFailsTake() {
    try (SnapshotConnection ahead =
        SnapshotConnection.open(connections("not-" + role.password()), "snapshot_pub")) {
      assertThatThrownBy(ahead::take)
          .isInstanceOf(ReplicatorException.class)
          .hasMessageContaining("password authentication failed");
    }
  }

  private static SourceConnections connections(String password) {
    return new SourceConnections(
        new PgOutputSourceConfig()
            .setSourceName("source")
            .setHost(role.host())
            .setPort(role.port())
            .setDatabase(role.database())
            .setUser(role.user())
            .setPassword(password)
            .setSslMode("disable")
            .setPublication(role.publication())
            .setSlot("unused_slot"));
  }

  private static String lastQuery(Connection admin, int pid) throws SQLException {
    try (PreparedStatement select =
        admin.prepareStatement("SELECT query FROM pg_catalog.pg_stat_activity WHERE pid = ?")) {
      select.setInt(1, pid);
      try (ResultSet rs = select.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return rs.getString(1);
      }
    }
  }

  /** The role's backends, polled until there are {@code wanted} of them (10 s at most). */
  private static int awaitBackends(Connection admin, int wanted) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    int backends = backendsOf(admin, role.user());
    while (backends != wanted && System.nanoTime() < deadline) {
      Thread.sleep(20);
      backends = backendsOf(admin, role.user());
    }
    return backends;
  }

  private static int backendsOf(Connection admin, String user) throws SQLException {
    try (PreparedStatement select =
        admin.prepareStatement(
            "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE usename = ?")) {
      select.setString(1, user);
      try (ResultSet rs = select.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }
}
