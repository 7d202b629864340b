package io.pgmlfollower.replicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.featurestore.offline.OfflineStore;
import io.pgmlfollower.featurestore.spi.SourceOffset;
import io.pgmlfollower.replicator.debezium.DebeziumSource;
import io.pgmlfollower.replicator.debezium.DebeziumSourceConfig;
import io.pgmlfollower.testing.PostgresFixture;
import io.pgmlfollower.testing.SourceRole;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code source.type: debezium} end to end with real components: a source PostgreSQL, Debezium
 * Embedded's PostgreSQL connector (pgoutput, a non-superuser REPLICATION role, the DBA's
 * publication) in the test's process, and the real offline store.
 */
class DebeziumSourceIT {
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final String USERS =
      "SELECT id, name, score::text, extract(epoch FROM seen)::text, born::text, tags::text,"
          + " ratio::text, active::text FROM public.users ORDER BY id";
  private static final String EVENTS =
      "SELECT kind, amount::text, count(*) FROM public.events GROUP BY 1, 2 ORDER BY 1, 2";

  private static PostgresFixture postgres;

  @TempDir Path directory;

  @BeforeAll
  static void start() {
    postgres = PostgresFixture.start();
  }

  @AfterAll
  static void stop() {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void snapshotThenStreamExactlyOnceAcrossRestarts() throws Exception {
    String database = "dbz_src";
    sql("postgres", "CREATE DATABASE " + database);
    sql(
        database,
        "CREATE TABLE users (id int PRIMARY KEY, name text, score numeric(10,2),"
            + " seen timestamptz, born date, tags text[], ratio float8, active boolean)",
        "INSERT INTO users SELECT i, 'user ' || i || E'\\ttab\\\\', i * 1.25,"
            + " timestamptz '2024-01-01 00:00:00+00' + i * interval '1 hour 1.5 seconds',"
            + " date '1990-01-01' + i, ARRAY['a' || i, 'b \"q\"'], i / 7.0, i % 2 = 0"
            + " FROM generate_series(1, 500) i",
        // No primary key: a row sent twice would be stored twice.
        "CREATE TABLE events (kind text, amount int)",
        "ALTER TABLE events REPLICA IDENTITY FULL",
        "INSERT INTO events SELECT 'k' || (i % 5), i % 3 FROM generate_series(1, 200) i");
    SourceRole role =
        postgres.createReplicationSource(database, "dbz_pub", List.of("users", "events"));
    try (OfflineStore store = TestSources.open(postgres, directory.resolve("store"), "dbz")) {
      DebeziumSourceConfig config = config(role);

      try (DebeziumSource source = new DebeziumSource(config, store)) {
        source.start();
        source.awaitSnapshot(WAIT);
        // The snapshot is one atomic load, stamped with where streaming starts.
        assertThat(same(database, store)).as("the snapshot equals the source").isTrue();
        assertThat(source.status().state()).isEqualTo(ReplicationState.STREAMING);
        assertThat(store.positions("orders")).containsOnlyKeys("", "snapshot-tables");
        // Multi-statement transactions, a keyless table, NULLs, escapes.
        sql(
            database,
            "BEGIN; UPDATE users SET name = 'renamed', score = score + 0.01 WHERE id <= 50;"
                + " DELETE FROM users WHERE id BETWEEN 51 AND 60;"
                + " INSERT INTO events VALUES ('new', 7), ('new', 7); COMMIT",
            "INSERT INTO users (id, name, tags) VALUES (1000, NULL, '{}')",
            "DELETE FROM events WHERE kind = 'k1'");
        await(() -> same(database, store), source);
      }
      SourceOffset stored = store.positions("orders").get("");
      assertThat(stored.resume()).contains("lsn_commit");

      // While the follower is away: changes, a column added, a table truncated.
      sql(
          database,
          "UPDATE users SET active = NOT active WHERE id > 400",
          "ALTER TABLE users ADD COLUMN note text",
          "INSERT INTO users (id, name, note) VALUES (1001, 'back', 'added')",
          "INSERT INTO events SELECT 'again', i FROM generate_series(1, 30) i");
      try (DebeziumSource source = new DebeziumSource(config, store)) {
        source.start();
        source.awaitSnapshot(WAIT);
        await(() -> same(database, store), source);
        await(() -> notes(database).equals(notes(store)), source);
        sql(database, "TRUNCATE events", "INSERT INTO events VALUES ('after', 1)");
        await(() -> same(database, store), source);
        // Nothing applied twice: the keyless table's multiset equals the source's.
        Thread.sleep(1_000);
        assertThat(rows(store, EVENTS)).isEqualTo(rows(database, EVENTS));
        assertThat(source.failure()).isNull();
        assertThat(
                Long.compareUnsigned(
                    store.positions("orders").get("").position(), stored.position()))
            .isPositive();
        // Read-your-writes by LSN needs the server's positions: a clear 0A000.
        // A transaction that spans an ALTER TABLE applies whole, in the new shape.
        sql(
            database,
            "BEGIN; UPDATE users SET name = 'before alter' WHERE id = 1;"
                + " DELETE FROM users WHERE id = 2; ALTER TABLE users ADD COLUMN extra int;"
                + " INSERT INTO users (id, name, extra) VALUES (2000, 'after alter', 7);"
                + " UPDATE users SET extra = 8 WHERE id = 3; COMMIT");
        await(() -> same(database, store), source);
        await(
            () ->
                extras(database).equals(extras(store))
                    && extras(store).contains(List.of("2000", "7")),
            source);
        assertThatThrownBy(
                () -> source.awaitApplied(io.pgmlfollower.replicator.connection.Lsn.of(1), WAIT))
            .isInstanceOfSatisfying(
                ReplicatorException.class,
                e -> assertThat(e.code()).isEqualTo(ReplicatorErrorCode.UNSUPPORTED));
      }
    }
  }

  @Test
  void emptyTablesTruncatesAndTablesPublishedLater() throws Exception {
    String database = "dbz_later";
    sql("postgres", "CREATE DATABASE " + database);
    sql(
        database,
        "CREATE TABLE a (id int PRIMARY KEY, v text)",
        "INSERT INTO a SELECT i, 'a' || i FROM generate_series(1, 100) i",
        // Empty at the snapshot: created with its first row.
        "CREATE TABLE b (id int PRIMARY KEY, v text)",
        "CREATE TABLE later (id int PRIMARY KEY, v text)",
        "INSERT INTO later SELECT i, 'l' || i FROM generate_series(1, 50) i");
    SourceRole role = postgres.createReplicationSource(database, "later_pub", List.of("a", "b"));
    sql(database, "GRANT SELECT ON later TO " + role.user());
    try (OfflineStore store = TestSources.open(postgres, directory.resolve("store2"), "later")) {
      DebeziumSourceConfig config =
          new DebeziumSourceConfig(
                  TestSources.config("later", role, "later_slot")
                      .setPublicationRefreshInterval(Duration.ofMillis(500)))
              .setWorkDirectory(directory.resolve("debezium2"))
              .setHeartbeatInterval(Duration.ofMillis(200));
      try (DebeziumSource source = new DebeziumSource(config, store)) {
        source.start();
        source.awaitSnapshot(WAIT);
        sql(database, "INSERT INTO b VALUES (1, 'first')");
        await(
            () ->
                tableRows(database, "a").equals(tableRows(store, "a"))
                    && tableRows(database, "b").equals(tableRows(store, "b")),
            source);
      }
      // A truncate is the first change after a restart: the table is emptied all the same.
      try (DebeziumSource source = new DebeziumSource(config, store)) {
        source.start();
        source.awaitSnapshot(WAIT);
        sql(database, "TRUNCATE a");
        await(() -> tableRows(store, "a").isEmpty(), source);
        // A table added to the publication while the source runs: copied, then followed.
        sql(database, "ALTER PUBLICATION later_pub ADD TABLE later");
        await(() -> tableRows(database, "later").equals(tableRows(store, "later")), source);
        sql(
            database,
            "UPDATE later SET v = 'changed' WHERE id <= 10",
            "INSERT INTO a VALUES (7, 'x')");
        await(
            () ->
                tableRows(database, "later").equals(tableRows(store, "later"))
                    && tableRows(database, "a").equals(tableRows(store, "a"))
                    && tableRows(database, "b").equals(tableRows(store, "b")),
            source);
        assertThat(source.failure()).isNull();
      }
    }
  }

  private static List<List<String>> tableRows(String database, String table) {
    try {
      return rows(database, "SELECT * FROM " + table + " ORDER BY 1");
    } catch (SQLException e) {
      return List.of(List.of("missing"));
    }
  }

  private static List<List<String>> tableRows(OfflineStore store, String table) {
    try {
      return rows(store, "SELECT * FROM " + table + " ORDER BY 1");
    } catch (SQLException e) {
      return List.of(List.of("missing in the store"));
    }
  }

  private static List<List<String>> extras(String database) {
    try {
      return rows(database, "SELECT id::text, extra::text FROM users ORDER BY id");
    } catch (SQLException e) {
      return List.of();
    }
  }

  private static List<List<String>> extras(OfflineStore store) {
    try {
      return rows(store, "SELECT id::text, extra::text FROM users ORDER BY id");
    } catch (SQLException e) {
      return List.of(List.of("missing"));
    }
  }

  @Test
  void propertiesTheFollowerSetsCannotBeOverridden() {
    DebeziumSourceConfig config =
        new DebeziumSourceConfig(new PgOutputSourceConfig().setSourceName("s"));
    assertThatThrownBy(() -> config.setProperties(Map.of("snapshot.mode", "never")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("snapshot.mode");
    assertThat(config.setProperties(Map.of("snapshot.fetch.size", "5000")).properties())
        .containsEntry("snapshot.fetch.size", "5000");
  }

  private DebeziumSourceConfig config(SourceRole role) {
    return new DebeziumSourceConfig(TestSources.config("orders", role, "dbz_slot"))
        .setWorkDirectory(directory.resolve("debezium"))
        .setHeartbeatInterval(Duration.ofMillis(200));
  }

  private static boolean same(String database, OfflineStore store) {
    try {
      return rows(database, USERS).equals(rows(store, USERS))
          && rows(database, EVENTS).equals(rows(store, EVENTS));
    } catch (SQLException e) {
      return false; // a table is not in the store yet
    }
  }

  private static List<List<String>> notes(String database) {
    try {
      return rows(database, "SELECT id, note FROM users ORDER BY id");
    } catch (SQLException e) {
      return List.of();
    }
  }

  private static List<List<String>> notes(OfflineStore store) {
    try {
      return rows(store, "SELECT id, note FROM users ORDER BY id");
    } catch (SQLException e) {
      return List.of(List.of("missing"));
    }
  }

  private void await(BooleanSupplier condition, DebeziumSource source) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      assertThat(source.failure()).isNull();
      if (condition.getAsBoolean()) {
        return;
      }
      Thread.sleep(200);
    }
    assertThat(condition.getAsBoolean())
        .as("the store equals the source in time: %s", difference())
        .isTrue();
  }

  private static String difference() {
    try {
      List<List<String>> source = rows("dbz_src", USERS);
      List<List<String>> store = rows(postgres.connectAsSuperuser("dbz_store"), USERS);
      List<List<String>> missing = new ArrayList<>(source);
      missing.removeAll(store);
      List<List<String>> extra = new ArrayList<>(store);
      extra.removeAll(source);
      return "users missing "
          + missing.stream().limit(5).toList()
          + " extra "
          + extra.stream().limit(5).toList()
          + "; events source "
          + rows("dbz_src", EVENTS)
          + " store "
          + rows(postgres.connectAsSuperuser("dbz_store"), EVENTS);
    } catch (SQLException e) {
      return e.toString();
    }
  }

  private static List<List<String>> rows(String database, String query) throws SQLException {
    return rows(postgres.connectAsSuperuser(database), query);
  }

  private static List<List<String>> rows(OfflineStore store, String query) throws SQLException {
    return rows(store.dataSource().getConnection(), query);
  }

  private static List<List<String>> rows(Connection connection, String query) throws SQLException {
    try (connection;
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(query)) {
      int columns = rs.getMetaData().getColumnCount();
      List<List<String>> rows = new ArrayList<>();
      while (rs.next()) {
        List<String> row = new ArrayList<>();
        for (int i = 1; i <= columns; i++) {
          row.add(rs.getString(i));
        }
        rows.add(row);
      }
      return rows;
    }
  }

  private static void sql(String database, String... statements) throws SQLException {
    try (Connection connection = postgres.connectAsSuperuser(database);
        Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }
}
