package io.pgmlfollower.replicator;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmlfollower.featurestore.offline.OfflineStore;
import io.pgmlfollower.replicator.kafka.KafkaSource;
import io.pgmlfollower.replicator.kafka.KafkaSourceConfig;
import io.pgmlfollower.testing.DebeziumToKafka;
import io.pgmlfollower.testing.KafkaBroker;
import io.pgmlfollower.testing.PostgresFixture;
import io.pgmlfollower.testing.SourceRole;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code source.type: kafka} end to end with real components: a source PostgreSQL, Debezium
 * Embedded (the PostgreSQL connector over pgoutput, as a non-superuser REPLICATION role) writing
 * its JSON change events into a real KRaft broker, and the follower's Kafka source applying the
 * topics to the real offline store.
 */
class KafkaSourceIT {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final String COLUMNS =
      "id, name, score::text, extract(epoch FROM seen)::text, born::text, tags::text,"
          + " ratio::text, active::text";

  private static PostgresFixture postgres;
  private static KafkaBroker broker;

  @TempDir Path directory;

  @BeforeAll
  static void start() {
    postgres = PostgresFixture.start();
    broker = KafkaBroker.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (broker != null) {
      broker.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void debeziumTopicsAreAppliedExactlyOnceAcrossRestarts() throws Exception {
    String database = "kafka_src";
    try (Connection admin = postgres.connectAsSuperuser("postgres");
        Statement statement = admin.createStatement()) {
      statement.execute("CREATE DATABASE " + database);
    }
    try (Connection source = postgres.connectAsSuperuser(database);
        Statement statement = source.createStatement()) {
      statement.execute(
          "CREATE TABLE users (id int PRIMARY KEY, name text, score numeric(10,2),"
              + " seen timestamptz, born date, tags text[], ratio float8, active boolean)");
      statement.execute(
          "INSERT INTO users SELECT i, 'user ' || i, i * 1.25, timestamptz '2024-01-01 00:00:00+00'"
              + " + i * interval '1 hour 1.5 seconds', date '1990-01-01' + i,"
              + " ARRAY['a' || i, 'b \"q\"'], i / 7.0, i % 2 = 0 FROM generate_series(1, 300) i");
    }
    SourceRole role = postgres.createReplicationSource(database, "dbz_pub", List.of("users"));
    try (DebeziumToKafka debezium =
            DebeziumToKafka.start(role, "dbz_slot", "app", broker, directory.resolve("offsets"));
        OfflineStore store = TestSources.open(postgres, directory.resolve("store"), "kafka")) {
      KafkaSourceConfig config =
          new KafkaSourceConfig()
              .setSourceName("orders")
              .setBootstrapServers(broker.bootstrapServers())
              .setTopicPrefix("app")
              .setGroupId("follower-it")
              // The first load at COPY speed: the snapshot's reads spilled, then loaded at once.
              .setLoadDirectory(directory.resolve("kafka-load"));

      // The snapshot ('r' events), then changes while the follower runs.
      try (KafkaSource follower = new KafkaSource(config, store)) {
        follower.start();
        await(() -> sameRows(role, store), follower);
        sourceSql(
            database,
            "UPDATE users SET name = 'renamed', score = score + 0.01 WHERE id <= 50",
            "DELETE FROM users WHERE id BETWEEN 51 AND 60",
            "INSERT INTO users (id, name, tags) VALUES (1000, NULL, '{}')");
        await(() -> sameRows(role, store), follower);
        // 300 snapshot rows, 50 updates, 10 deletes each with its tombstone, 1 insert.
        awaitRecords(follower, 300 + 50 + 10 * 2 + 1);
      }
      // The position is the store's, kept with the rows: one entry per topic partition.
      assertThat(store.offsets("orders")).containsOnlyKeys("app.public.users/0");
      // Changes while the follower is away are applied once when it is back, from the offsets its
      // store holds: even in a new consumer group, which has no committed offsets of its own (a
      // replay from the start would fail on deletes of rows that are gone).
      config.setGroupId("follower-it-new-group");
      sourceSql(
          database,
          "UPDATE users SET active = NOT active WHERE id > 200",
          "DELETE FROM users WHERE id = 1000",
          "INSERT INTO users (id, name) VALUES (1001, 'back')");
      try (KafkaSource follower = new KafkaSource(config, store)) {
        follower.start();
        await(() -> sameRows(role, store), follower);
        // Exactly the records since: 101 updates (ids 201 to 300, and 1000), a delete and its
        // tombstone, an insert.
        awaitRecords(follower, 101 + 2 + 1);
        // A TRUNCATE empties the table; rows after it come back.
        sourceSql(database, "TRUNCATE users", "INSERT INTO users (id, name) VALUES (7, 'after')");
        await(() -> sameRows(role, store), follower);
        assertThat(rows(store.dataSource().getConnection(), "public.users")).hasSize(1);
        assertThat(follower.failure()).isNull();
      }
    }
  }

  @Test
  void aTopicsPartitionsAreAppliedSideBySideEachWithItsOwnOffset() throws Exception {
    String database = "kafka_parts";
    sourceSql("postgres", "CREATE DATABASE " + database);
    sourceSql(
        database,
        "CREATE TABLE items (id int PRIMARY KEY, name text, score numeric(10,2),"
            + " seen timestamptz, born date, tags text[], ratio float8, active boolean)",
        "INSERT INTO items (id, name, score) SELECT i, 'item ' || i, i * 0.5"
            + " FROM generate_series(1, 2000) i");
    // Four partitions: Debezium's records are keyed by primary key, so a row stays in one.
    try (org.apache.kafka.clients.admin.Admin admin =
        org.apache.kafka.clients.admin.Admin.create(
            java.util.Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      admin
          .createTopics(
              List.of(
                  new org.apache.kafka.clients.admin.NewTopic("parts.public.items", 4, (short) 1)))
          .all()
          .get();
    }
    SourceRole role = postgres.createReplicationSource(database, "parts_pub", List.of("items"));
    try (DebeziumToKafka debezium =
            DebeziumToKafka.start(
                role, "parts_slot", "parts", broker, directory.resolve("parts-offsets"));
        OfflineStore store = TestSources.open(postgres, directory.resolve("store"), "parts")) {
      KafkaSourceConfig config =
          new KafkaSourceConfig()
              .setSourceName("parts")
              .setBootstrapServers(broker.bootstrapServers())
              .setTopicPrefix("parts")
              .setGroupId("parts-it")
              .setApplyThreads(4)
              // The converter extension point (Avro would be named the same way).
              .setValueConverter(KafkaSourceConfig.JSON_CONVERTER)
              .setConverterProperties(java.util.Map.of("schemas.cache.size", "10"));
      try (KafkaSource follower = new KafkaSource(config, store)) {
        follower.start();
        await(() -> sameRows(role, store, "public.items"), follower);
        sourceSql(
            database,
            "UPDATE items SET name = 'renamed', ratio = id / 3.0 WHERE id % 3 = 0",
            "DELETE FROM items WHERE id % 7 = 0",
            "INSERT INTO items (id, name) SELECT i, 'late' FROM generate_series(3000, 3500) i");
        await(() -> sameRows(role, store, "public.items"), follower);
        // 2000 snapshot rows, 666 updates, 285 deletes with their tombstones, 501 inserts.
        awaitRecords(follower, 2000 + 666 + 285 * 2 + 501);
      }
      assertThat(store.offsets("parts"))
          .containsOnlyKeys(
              "parts.public.items/0",
              "parts.public.items/1",
              "parts.public.items/2",
              "parts.public.items/3");
    }
  }

  @Test
  void eventsWrittenWithoutSchemasAreStoredAsText() throws Exception {
    String database = "kafka_plain";
    sourceSql("postgres", "CREATE DATABASE " + database);
    sourceSql(
        database,
        "CREATE TABLE plain (id int PRIMARY KEY, name text, n bigint, flag boolean, ratio float8,"
            + " doc jsonb)",
        "INSERT INTO plain SELECT i, 'p ' || i, i * 1000000000::bigint, i % 2 = 0, i / 7.0,"
            + " jsonb_build_object('i', i, 'tags', jsonb_build_array('a', i))"
            + " FROM generate_series(1, 200) i");
    SourceRole role = postgres.createReplicationSource(database, "plain_pub", List.of("plain"));
    String source =
        "SELECT id::text, name, n::text, flag::text, ratio::text, doc::text FROM plain"
            + " ORDER BY plain.id";
    // Numbers are stored as the JSON wrote them (7 / 7.0 as 1.0): cast, as a view would.
    String stored =
        "SELECT id, name, n, flag, ratio::float8::text, doc FROM plain ORDER BY id::int";
    try (DebeziumToKafka debezium =
            DebeziumToKafka.start(
                role, "plain_slot", "plain", broker, directory.resolve("plain-offsets"), false);
        OfflineStore store = TestSources.open(postgres, directory.resolve("store"), "plain")) {
      KafkaSourceConfig config =
          new KafkaSourceConfig()
              .setSourceName("plain")
              .setBootstrapServers(broker.bootstrapServers())
              .setTopicPrefix("plain")
              .setGroupId("plain-it")
              .setConverterProperties(java.util.Map.of("schemas.enable", "false"));
      BooleanSupplier same =
          () -> {
            try {
              return query(postgres.connectAsSuperuser(database), source)
                  .equals(query(store.dataSource().getConnection(), stored));
            } catch (SQLException e) {
              return false;
            }
          };
      try (KafkaSource follower = new KafkaSource(config, store)) {
        follower.start();
        await(same, follower);
        sourceSql(
            database,
            "UPDATE plain SET name = NULL, flag = NOT flag WHERE id <= 20",
            "DELETE FROM plain WHERE id > 190",
            "INSERT INTO plain (id, name) VALUES (500, 'new')");
        await(same, follower);
      }
      // Without schemas every column is text (a view can cast them), the key from the key.
      assertThat(
              query(
                  store.dataSource().getConnection(),
                  "SELECT string_agg(DISTINCT data_type, ',') FROM information_schema.columns"
                      + " WHERE table_name = 'plain'"))
          .containsExactly(List.of("text"));
    }
  }

  private static List<List<String>> query(Connection connection, String sql) throws SQLException {
    try (connection;
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
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

  /** Waits for the count, then checks it stays there (nothing applied twice). */
  private void awaitRecords(KafkaSource follower, long expected) throws InterruptedException {
    await(() -> follower.appliedRecords() >= expected, follower);
    Thread.sleep(500);
    assertThat(follower.appliedRecords()).isEqualTo(expected);
  }

  private void await(BooleanSupplier condition, KafkaSource follower) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      assertThat(follower.failure()).isNull();
      if (condition.getAsBoolean()) {
        return;
      }
      Thread.sleep(200);
    }
    assertThat(condition.getAsBoolean()).as("the store equals the source in time").isTrue();
  }

  private static boolean sameRows(SourceRole role, OfflineStore store) {
    return sameRows(role, store, "public.users");
  }

  private static boolean sameRows(SourceRole role, OfflineStore store, String table) {
    try (Connection source = postgres.connectAsSuperuser(role.database());
        Connection replica = store.dataSource().getConnection()) {
      return rows(source, table).equals(rows(replica, table));
    } catch (SQLException e) {
      return false; // the table is not in the store yet
    }
  }

  private static List<List<String>> rows(Connection connection, String table) throws SQLException {
    try (connection;
        Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery("SELECT " + COLUMNS + " FROM " + table + " ORDER BY id")) {
      ResultSetMetaData meta = rs.getMetaData();
      List<List<String>> rows = new ArrayList<>();
      while (rs.next()) {
        List<String> row = new ArrayList<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          row.add(rs.getString(i));
        }
        rows.add(row);
      }
      return rows;
    }
  }

  private static void sourceSql(String database, String... statements) throws SQLException {
    try (Connection source = postgres.connectAsSuperuser(database);
        Statement statement = source.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }
}
