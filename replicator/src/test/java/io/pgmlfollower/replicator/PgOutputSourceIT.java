package io.pgmlfollower.replicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.featurestore.offline.OfflineStore;
import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.ChangeSink;
import io.pgmlfollower.featurestore.spi.ForwardingChangeSink;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.replicator.connection.Lsn;
import io.pgmlfollower.replicator.connection.SourceCatalog;
import io.pgmlfollower.replicator.snapshot.SnapshotProgress;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replicates from a real PostgreSQL, as a non-superuser REPLICATION role like on RDS, into the real
 * offline store (a second database of the same server).
 */
class PgOutputSourceIT {
  /** Generous: a bound for a hung test, never an expectation of speed. */
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static final AtomicInteger COUNTER = new AtomicInteger();

  private static PostgresFixture postgres;

  @TempDir Path storePath;

  private String sourceDatabase;
  private String slot;
  private SourceRole role;
  private OfflineStore store;
  private final List<PgOutputSource> sources = new ArrayList<>();

  @BeforeAll
  static void startPostgres() {
    postgres = PostgresFixture.start();
  }

  @AfterAll
  static void stopPostgres() {
    if (postgres != null) {
      postgres.close();
    }
  }

  @BeforeEach
  void createSourceAndStore() throws Exception {
    int n = COUNTER.incrementAndGet();
    sourceDatabase = "app" + n;
    slot = "pgml_slot_" + n;
    postgres.createDatabase(sourceDatabase);
    source(
        "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2),"
            + " tags text[], body text, updated timestamptz DEFAULT now())",
        "CREATE TABLE events (seq bigint, note text)", // no key: duplicates would show
        "CREATE TABLE unpublished (id int)",
        "INSERT INTO items SELECT g, 'item ' || g, g * 1.25, ARRAY['a', 'b' || g],"
            + " repeat('x', 10), '2024-01-01 00:00:00+00' FROM generate_series(1, 500) g",
        "INSERT INTO events SELECT g, 'before snapshot' FROM generate_series(1, 50) g");
    role = postgres.createReplicationSource(sourceDatabase, "pub", List.of("items", "events"));
    store = TestSources.open(postgres, storePath, "pgoutput" + n);
  }

  @AfterEach
  void closeAll() throws Exception {
    for (PgOutputSource source : sources) {
      source.close();
    }
    // Each test's slot would otherwise hold one of the server's max_replication_slots.
    postgres.execute(
        sourceDatabase,
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
            + " WHERE slot_name = '"
            + slot
            + "' AND NOT active");
    if (store != null) {
      store.close();
    }
  }

  @Test
  void snapshotsThenStreamsEveryKindOfChange() throws Exception {
    PgOutputSource source = start();
    source.awaitSnapshot(WAIT);

    assertStoreMatchesSource();
    assertThat(source.status().state()).isEqualTo(ReplicationState.STREAMING);

    source(
        "INSERT INTO items VALUES (1001, 'new', 3.50, '{}', 'y', now())",
        "UPDATE items SET name = 'renamed', price = NULL WHERE id = 2",
        "UPDATE items SET id = 100003 WHERE id = 3", // primary key change: 'K' old tuple
        "DELETE FROM items WHERE id = 4",
        "INSERT INTO events VALUES (51, 'streamed'), (52, NULL)",
        // One transaction over both tables, with a truncate in the middle.
        "BEGIN; INSERT INTO events VALUES (53, 'lost'); TRUNCATE events;"
            + " INSERT INTO events VALUES (54, 'after truncate');"
            + " UPDATE items SET tags = ARRAY['z'] WHERE id = 5; COMMIT");
    awaitSourceApplied(source);

    assertStoreMatchesSource();
    assertThat(
            storeRows(
                "SELECT id, name, price FROM items WHERE id IN (2, 3, 4, 100003) ORDER BY id"))
        .containsExactly(List.of("2", "renamed", "null"), List.of("100003", "item 3", "3.75"));
    assertThat(storeRows("SELECT seq, note FROM events"))
        .containsExactly(List.of("54", "after truncate"));
    assertFlushedNotBeyondStored();
  }

  @Test
  void inheritanceChildrenAreCopiedOnceAsTablesOfTheirOwn() throws Exception {
    source(
        "CREATE TABLE parent (id int PRIMARY KEY, v text)",
        "CREATE TABLE child (extra int) INHERITS (parent)",
        "ALTER TABLE child ADD PRIMARY KEY (id)",
        "INSERT INTO parent VALUES (1, 'parent row')",
        "INSERT INTO child VALUES (2, 'child row', 7)",
        "GRANT SELECT ON parent, child TO " + role.user(),
        "ALTER PUBLICATION pub ADD TABLE parent, child");
    PgOutputSource source = start();
    source.awaitSnapshot(WAIT);
    source("UPDATE child SET v = 'child updated' WHERE id = 2");
    awaitSourceApplied(source);

    // Without ONLY, the parent's copy would hold the child's row too, and never see its update.
    assertThat(storeRows("SELECT id, v FROM parent")).containsExactly(List.of("1", "parent row"));
    assertThat(storeRows("SELECT id, v, extra FROM child"))
        .containsExactly(List.of("2", "child updated", "7"));
  }

  @Test
  void keepsUnchangedToastedValues() throws Exception {
    PgOutputSource source = start();
    source.awaitSnapshot(WAIT);
    // Random text does not compress: stored out of line (TOAST), so an update of another column
    // sends it as 'u' (unchanged).
    source(
        "UPDATE items SET body = (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 400)"
            + " g) WHERE id = 7");
    awaitSourceApplied(source);
    source("UPDATE items SET name = 'toast kept' WHERE id = 7");
    awaitSourceApplied(source);

    assertThat(storeRows("SELECT name, length(body) FROM items WHERE id = 7"))
        .containsExactly(List.of("toast kept", "12800"));
    assertStoreMatchesSource();
  }

  @Test
  void followsColumnsAddedAndDroppedOnTheSource() throws Exception {
    PgOutputSource source = start();
    source.awaitSnapshot(WAIT);

    source(
        "ALTER TABLE items ADD COLUMN score double precision",
        "INSERT INTO items (id, name, score) VALUES (2001, 'scored', 0.5)",
        "ALTER TABLE items DROP COLUMN tags",
        "UPDATE items SET score = 1.5 WHERE id = 1");
    awaitSourceApplied(source);

    assertThat(storeRows("SELECT id, name, score FROM items WHERE id IN (1, 2001) ORDER BY id"))
        .containsExactly(List.of("1", "item 1", "1.5"), List.of("2001", "scored", "0.5"));
    assertStoreMatchesSource();

    // Renamed and retyped: every existing row keeps its value, converted as on the source.
    source(
        "ALTER TABLE items RENAME COLUMN body TO text_body",
        "ALTER TABLE items ALTER COLUMN price TYPE double precision",
        "ALTER TABLE items ALTER COLUMN id TYPE bigint",
        "UPDATE items SET price = 2.25, text_body = 'renamed' WHERE id = 2");
    awaitSourceApplied(source);

    assertTableMatchesSource("SELECT id, name, price, text_body, score FROM items ORDER BY id");
    assertThat(
            storeRows(
                "SELECT data_type FROM information_schema.columns WHERE table_name = 'items'"
                    + " AND column_name IN ('id', 'price') ORDER BY column_name"))
        .containsExactly(List.of("bigint"), List.of("double precision"));
  }

  /** On PostgreSQL 17 the slot is a failover slot: a standby that syncs slots keeps it. */
  @Test
  void theSlotIsMarkedForFailover() throws Exception {
    PgOutputSource source = start();
    source.awaitSnapshot(WAIT);
    source("UPDATE items SET name = 'after start' WHERE id = 1");
    awaitSourceApplied(source);
    assertThat(
            sourceRows(
                "SELECT failover FROM pg_replication_slots WHERE slot_name = '" + slot + "'"))
        .containsExactly(List.of("t"));
  }

  /**
   * A column added with a constant default gives the rows already there that value without writing
   * them (attmissingval): nothing in the WAL says so. The follower reads it from the catalog, both
   * when the stream reaches the ALTER and when the column was added while it was away, and a row
   * inserted before the ALTER but replayed after it gets it too.
   */
  @Test
  void columnsAddedWithADefaultGiveOlderRowsTheDefault() throws Exception {
    PgOutputSource source = start();
    source.awaitSnapshot(WAIT);
    source(
        "ALTER TABLE items ADD COLUMN grade int NOT NULL DEFAULT 3,"
            + " ADD COLUMN label text DEFAULT 'it''s n/a \\ {x}', ADD COLUMN plain int",
        "INSERT INTO items (id, name, grade, label) VALUES (2001, 'new', 9, NULL)",
        "UPDATE items SET name = 'touched' WHERE id = 1");
    awaitSourceApplied(source);
    assertThat(storeRows("SELECT grade, label, plain IS NULL FROM items WHERE id = 2"))
        .containsExactly(List.of("3", "it's n/a \\ {x}", "t"));
    assertTableMatchesSource("SELECT id, name, grade, label, plain FROM items ORDER BY id");

    // While the follower is away: a row inserted before the ALTER, one after.
    source.close();
    sources.remove(source);
    source(
        "INSERT INTO items (id, name) VALUES (3001, 'before the column')",
        "ALTER TABLE items ADD COLUMN weight numeric(6,2) DEFAULT 12.50",
        "INSERT INTO items (id, name, weight) VALUES (3002, 'after the column', 1)");
    PgOutputSource again = start();
    awaitSourceApplied(again);
    assertThat(storeRows("SELECT id, weight FROM items WHERE id IN (1, 3001, 3002) ORDER BY id"))
        .containsExactly(List.of("1", "12.50"), List.of("3001", "12.50"), List.of("3002", "1.00"));
    assertTableMatchesSource("SELECT id, name, grade, label, plain, weight FROM items ORDER BY id");
  }

  @Test
  void replicaIdentityIndexFindsRowsWhoseKeyTupleLacksThePrimaryKey() throws Exception {
    source(
        "CREATE TABLE coded (id int PRIMARY KEY, code text NOT NULL, v text)",
        "CREATE UNIQUE INDEX coded_code ON coded (code)",
        "ALTER TABLE coded REPLICA IDENTITY USING INDEX coded_code",
        "INSERT INTO coded SELECT g, 'c' || g, 'v' || g FROM generate_series(1, 20) g",
        "GRANT SELECT ON coded TO " + role.user(),
        "ALTER PUBLICATION pub ADD TABLE coded");
    PgOutputSource source = start();
    source.awaitSnapshot(WAIT);

    // Old key tuples carry code only (id is null in them).
    source(
        "UPDATE coded SET code = 'changed' || id, v = 'x' WHERE id <= 5",
        "UPDATE coded SET id = id + 100 WHERE id BETWEEN 6 AND 8",
        "DELETE FROM coded WHERE id BETWEEN 9 AND 12");
    awaitSourceApplied(source);

    assertThat(storeRows("SELECT id, code, v FROM coded ORDER BY id"))
        .isEqualTo(sourceRows("SELECT id, code, v FROM coded ORDER BY id"))
        .hasSize(16);
  }

  /**
   * The snapshot reads every published table's shape in one query; the stream reads one table's
   * when a Relation message announces a change. Both must agree, with column lists, generated and
   * dropped columns, keys in index order and another schema.
   */
  @Test
  void everyPublishedShapeIsReadAsTheStreamReadsItAndColumnListsKeepColumnsOff() throws Exception {
    source(
        "CREATE SCHEMA other",
        "CREATE TABLE wide (b int, a int, secret text, total int GENERATED ALWAYS AS (a + b)"
            + " STORED, gone int, note text, PRIMARY KEY (a, b))",
        "ALTER TABLE wide DROP COLUMN gone",
        "INSERT INTO wide (b, a, secret, note) SELECT g, -g, 'pin ' || g, 'n' || g"
            + " FROM generate_series(1, 30) g",
        "CREATE TABLE other.coded (id int PRIMARY KEY, code1 text NOT NULL, code2 int NOT NULL)",
        "CREATE UNIQUE INDEX coded_codes ON other.coded (code2, code1)",
        "ALTER TABLE other.coded REPLICA IDENTITY USING INDEX coded_codes",
        "INSERT INTO other.coded SELECT g, 'c' || g, g % 7 FROM generate_series(1, 20) g",
        "GRANT USAGE ON SCHEMA other TO " + role.user(),
        "GRANT SELECT ON wide, other.coded TO " + role.user(),
        "ALTER PUBLICATION pub ADD TABLE wide (a, b, note), other.coded");
    List<TableSpec> specs;
    try (Connection connection = postgres.connectAsSuperuser(sourceDatabase)) {
      SourceCatalog catalog = new SourceCatalog(connection);
      specs = catalog.publishedTableSpecs("pub");
      assertThat(specs)
          .extracting(spec -> spec.id().toString())
          .containsExactly("other.coded", "public.events", "public.items", "public.wide");
      for (TableSpec spec : specs) {
        assertThat(catalog.tableSpec(spec.id(), "pub")).contains(spec);
      }
    }
    TableSpec wide = specs.get(3);
    assertThat(wide.columns())
        .extracting(column -> column.name() + " " + column.typeName() + " " + column.notNull())
        .containsExactly("b integer true", "a integer true", "note text false");
    assertThat(wide.primaryKey()).containsExactly("a", "b");
    assertThat(wide.rowIdentity()).containsExactly("a", "b");
    TableSpec coded = specs.get(0);
    assertThat(coded.primaryKey()).containsExactly("id");
    assertThat(coded.rowIdentity()).containsExactly("code2", "code1");
    assertThat(specs.get(2).columns())
        .extracting(column -> column.typeName())
        .containsExactly(
            "integer", "text", "numeric(10,2)", "text[]", "text", "timestamp with time zone");

    PgOutputSource source = start();
    source.awaitSnapshot(WAIT);
    source(
        "UPDATE wide SET note = 'changed', secret = 'new pin' WHERE b <= 5",
        "UPDATE other.coded SET code1 = 'x' || id WHERE id <= 5",
        "DELETE FROM other.coded WHERE id > 15");
    awaitSourceApplied(source);

    assertTableMatchesSource("SELECT b, a, note FROM wide ORDER BY a, b");
    assertTableMatchesSource("SELECT id, code1, code2 FROM other.coded ORDER BY id");
    assertThat(
            storeRows(
                "SELECT string_agg(column_name, ',' ORDER BY ordinal_position)"
                    + " FROM information_schema.columns"
                    + " WHERE table_schema = 'public' AND table_name = 'wide'"))
        .containsExactly(List.of("b,a,note"));
  }

  @Test
  void tableWithoutKeyOrFullIdentityIsReportedAndReplicatesItsInserts() throws Exception {
    source(
        "CREATE TABLE log_lines (line text)",
        "CREATE TABLE log_full (line text)",
        "ALTER TABLE log_full REPLICA IDENTITY FULL",
        "GRANT SELECT ON log_lines, log_full TO " + role.user(),
        "ALTER PUBLICATION pub ADD TABLE log_lines, log_full");
    try (Connection connection = postgres.connectAsSuperuser(sourceDatabase)) {
      assertThat(new SourceCatalog(connection).tablesWithoutRowIdentity("pub"))
          .extracting(Object::toString)
          .containsExactly("public.events", "public.log_lines");
    }
    PgOutputSource source = start();
    source.awaitSnapshot(WAIT);
    source("INSERT INTO log_lines VALUES ('a'), ('a')");
    // What the source refuses never reaches the follower.
    assertThatThrownBy(() -> source("UPDATE log_lines SET line = 'b'"))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("does not have a replica identity");
    awaitSourceApplied(source);

    assertThat(storeRows("SELECT line FROM log_lines")).containsExactly(List.of("a"), List.of("a"));
  }

  @Test
  void typeModifierChangesAndAnAddedPrimaryKeyReshapeTheStore() throws Exception {
    source(
        "CREATE TABLE shaped (id int NOT NULL, label varchar(5), amount numeric(6,2))",
        "ALTER TABLE shaped REPLICA IDENTITY FULL",
        "INSERT INTO shaped VALUES (1, 'abc', 1234.50)",
        "GRANT SELECT ON shaped TO " + role.user(),
        "ALTER PUBLICATION pub ADD TABLE shaped");
    PgOutputSource source = start();
    source.awaitSnapshot(WAIT);
    source("INSERT INTO shaped VALUES (2, 'de', 1.00)");
    awaitSourceApplied(source);

    // Same names, same type OIDs: only the modifiers and the key flags differ.
    source(
        "ALTER TABLE shaped ALTER label TYPE varchar(12), ALTER amount TYPE numeric(12,3)",
        "ALTER TABLE shaped ADD PRIMARY KEY (id)",
        "INSERT INTO shaped VALUES (3, 'twelve chars', 123456789.125)",
        "UPDATE shaped SET label = 'longer label' WHERE id = 1");
    awaitSourceApplied(source);

    assertThat(
            storeRows(
                "SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod)"
                    + " FROM pg_attribute a WHERE a.attrelid = 'public.shaped'::regclass"
                    + " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"))
        .containsExactly(
            List.of("id integer"),
            List.of("label character varying(12)"),
            List.of("amount numeric(12,3)"));
    assertThat(
            storeRows(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                    + " WHERE conrelid = 'public.shaped'::regclass AND contype = 'p'"))
        .containsExactly(List.of("PRIMARY KEY (id)"));
    assertThat(storeRows("SELECT * FROM shaped ORDER BY id"))
        .isEqualTo(sourceRows("SELECT * FROM shaped ORDER BY id"));
  }

  @Test
  void anUpdateOfARowTheStoreDoesNotHoldStopsTheSourceInsteadOfDrifting() throws Exception {
    PgOutputSource source = start();
    source.awaitSnapshot(WAIT);
    long stored = storedOffset();
    // Changed behind the follower's back.
    try (Connection connection = store.writerConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("DELETE FROM items WHERE id = 10");
      connection.commit();
    }

    source("UPDATE items SET name = 'updated' WHERE id = 10");

    awaitUntil(() -> source.status().state() == ReplicationState.FAILED);
    assertThat(source.status().lastError())
        .hasValueSatisfying(
            message ->
                assertThat(message)
                    .contains("diverged")
                    .contains("public.items")
                    .contains("id=10"));
    assertThat(storedOffset()).isEqualTo(stored);
    assertFlushedNotBeyondStored();
  }

  @Test
  void restartResumesWithoutDuplicatesOrGaps() throws Exception {
    PgOutputSource first = start();
    first.awaitSnapshot(WAIT);
    source("INSERT INTO events SELECT g, 'first run' FROM generate_series(100, 199) g");
    awaitSourceApplied(first);
    // Writes racing with the shutdown: some are applied before close(), some are not.
    source(
        "INSERT INTO events SELECT g, 'racing' FROM generate_series(200, 299) g",
        "UPDATE items SET price = price + 1 WHERE id <= 100");
    first.close();
    assertThat(first.status().state()).isEqualTo(ReplicationState.STOPPED);
    assertFlushedNotBeyondStored();
    source(
        "INSERT INTO events SELECT g, 'while stopped' FROM generate_series(300, 399) g",
        "DELETE FROM items WHERE id BETWEEN 50 AND 60",
        "UPDATE items SET id = id + 10000 WHERE id BETWEEN 90 AND 95");

    PgOutputSource second = start();
    second.awaitSnapshot(WAIT);
    source("INSERT INTO events SELECT g, 'second run' FROM generate_series(400, 499) g");
    awaitSourceApplied(second);

    assertStoreMatchesSource();
    assertThat(storeRows("SELECT count(*), count(DISTINCT seq) FROM events"))
        .containsExactly(List.of("450", "450"));
    assertFlushedNotBeyondStored();
  }

  @Test
  void transactionStoredButNotAcknowledgedIsNotAppliedAgain() throws Exception {
    // The process dies after the store committed a transaction, before the server heard of it.
    PgOutputSource first = start(new FailsAfterApplyingRows(store));
    first.awaitSnapshot(WAIT);
    source("INSERT INTO events VALUES (800, 'stored, not acknowledged')");
    awaitUntil(() -> first.status().state() == ReplicationState.FAILED);
    first.close();
    // The slot still holds the transaction: streaming from the slot's position would resend it.
    assertThat(confirmedFlush()).isLessThan(Lsn.of(storedOffset()));

    PgOutputSource second = start();
    second.awaitSnapshot(WAIT);
    source("INSERT INTO events VALUES (801, 'after restart')");
    awaitSourceApplied(second);

    assertThat(storeRows("SELECT count(*) FROM events WHERE seq >= 800"))
        .containsExactly(List.of("2"));
    assertStoreMatchesSource();
    assertFlushedNotBeyondStored();
  }

  @Test
  void restartWithStoredOffsetsDoesNotSnapshotAgain() throws Exception {
    PgOutputSource first = start();
    first.awaitSnapshot(WAIT);
    first.close();
    // A mark only a new snapshot would overwrite.
    try (Connection connection = store.writerConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("UPDATE items SET name = 'kept in store' WHERE id = 1");
      connection.commit();
    }
    source("INSERT INTO items (id, name) VALUES (3001, 'while stopped')");

    PgOutputSource second = start();
    second.awaitSnapshot(WAIT);
    awaitSourceApplied(second);

    assertThat(storeRows("SELECT id, name FROM items WHERE id IN (1, 3001) ORDER BY id"))
        .containsExactly(List.of("1", "kept in store"), List.of("3001", "while stopped"));
  }

  @Test
  void reconnectsAfterTheConnectionIsLost() throws Exception {
    PgOutputSource source = start();
    source.awaitSnapshot(WAIT);

    postgres.execute(
        sourceDatabase,
        "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots"
            + " WHERE slot_name = '"
            + slot
            + "'");
    source("INSERT INTO events SELECT g, 'after reconnect' FROM generate_series(600, 649) g");
    awaitSourceApplied(source);

    assertStoreMatchesSource();
    assertThat(source.status().state()).isEqualTo(ReplicationState.STREAMING);
    assertFlushedNotBeyondStored();
  }

  @Test
  void followsTheSourceThroughARestartUnderWriteLoad() throws Exception {
    PgOutputSource source = start();
    source.awaitSnapshot(WAIT);
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger committed = new AtomicInteger();
    Thread writer = Thread.ofPlatform().start(() -> writeUntilStopped(writing, committed));
    awaitUntil(() -> committed.get() >= 100);

    postgres.restart();
    int afterRestart = committed.get();
    awaitUntil(() -> committed.get() >= afterRestart + 100);
    writing.set(false);
    writer.join();
    awaitSourceApplied(source);

    assertThat(source.status().state()).isEqualTo(ReplicationState.STREAMING);
    assertStoreMatchesSource();
    assertFlushedNotBeyondStored();
  }

  /**
   * Inserts into and updates the published tables, one small transaction at a time, until told to
   * stop; rides out the source going away by reconnecting.
   */
  private void writeUntilStopped(AtomicBoolean writing, AtomicInteger committed) {
    int i = 0;
    while (writing.get()) {
      try (Connection connection = postgres.connectAsSuperuser(sourceDatabase);
          Statement statement = connection.createStatement()) {
        while (writing.get()) {
          i++;
          statement.execute(
              "INSERT INTO events VALUES ("
                  + (100_000 + i)
                  + ", 'load'); UPDATE items SET price = price + 1 WHERE id = "
                  + (1 + i % 500));
          committed.incrementAndGet();
        }
      } catch (SQLException e) {
        try {
          Thread.sleep(100); // the source is restarting
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  @Test
  void waitsForASlotHeldByAnotherSession() throws Exception {
    PgOutputSource first = start();
    first.awaitSnapshot(WAIT);

    PgOutputSource second = start();
    awaitUntil(
        () ->
            second.status().state() == ReplicationState.RECONNECTING
                && second.status().lastError().orElse("").contains("is active for PID"));
    first.close();
    second.awaitSnapshot(WAIT);
    source("INSERT INTO events VALUES (700, 'second holds the slot')");
    awaitSourceApplied(second);

    assertStoreMatchesSource();
  }

  @Test
  void acknowledgedPositionNeverPassesTheStoredOffset() throws Exception {
    PgOutputSource source = start();
    source.awaitSnapshot(WAIT);

    for (int i = 0; i < 100; i++) {
      source(
          "INSERT INTO events VALUES (" + (1000 + i) + ", 'ack')",
          "UPDATE items SET price = price + 1 WHERE id = " + (i + 1));
      assertFlushedNotBeyondStored();
    }
    awaitSourceApplied(source);

    assertFlushedNotBeyondStored();
    assertStoreMatchesSource();
  }

  @Test
  void quietPublicationStillAdvancesTheSlotAfterStoringThePosition() throws Exception {
    PgOutputSource source = start();
    source.awaitSnapshot(WAIT);
    long before = storedOffset();

    source("INSERT INTO unpublished SELECT generate_series(1, 1000)");
    Lsn written = currentWalLsn();
    assertThat(source.awaitApplied(written, WAIT)).isTrue();
    awaitUntil(() -> Long.compareUnsigned(storedOffset(), written.value()) >= 0);
    awaitUntil(() -> confirmedFlush().compareTo(Lsn.of(before)) > 0);

    assertFlushedNotBeyondStored();
    assertStoreMatchesSource();
  }

  /**
   * RDS writes WAL to a hidden database all the time; a publication in another database may see no
   * change for days. The slot must follow the server's position anyway, or it retains WAL until the
   * disk fills.
   */
  @Test
  void idleSourceKeepsRetainedWalBoundedWhileOtherDatabasesWrite() throws Exception {
    PgOutputSource source = start();
    source.awaitSnapshot(WAIT);
    String busy = "busy" + COUNTER.incrementAndGet();
    postgres.createDatabase(busy);
    postgres.execute(busy, "CREATE TABLE filler (id int, pad text)");
    Lsn started = currentWalLsn();

    long written = 0;
    long retained = Long.MAX_VALUE;
    for (int round = 0; round < 40 && (written < 64L << 20 || retained > 32L << 20); round++) {
      postgres.execute(
          busy,
          "INSERT INTO filler SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g",
          "SELECT pg_switch_wal()",
          "CHECKPOINT"); // logs the running transactions the slot's restart point advances on
      Thread.sleep(300);
      written = currentWalLsn().bytesAfter(started);
      retained = retainedWal();
    }

    assertThat(written).as("WAL written elsewhere").isGreaterThanOrEqualTo(64L << 20);
    assertThat(retained).as("WAL the idle slot retains").isLessThan(32L << 20);
    assertFlushedNotBeyondStored();
    assertStoreMatchesSource();
  }

  @Test
  void failsWhenTheSlotIsGoneWhileTheStoreHoldsOffsets() throws Exception {
    PgOutputSource first = start();
    first.awaitSnapshot(WAIT);
    first.close();
    postgres.execute(sourceDatabase, "SELECT pg_drop_replication_slot('" + slot + "')");

    PgOutputSource second = start();

    assertThatThrownBy(() -> second.awaitSnapshot(WAIT))
        .isInstanceOf(ReplicatorException.class)
        .hasMessageContaining("no longer exists")
        .extracting(e -> ((ReplicatorException) e).code())
        .isEqualTo(ReplicatorErrorCode.SLOT_MISSING);
    assertThat(second.status().state()).isEqualTo(ReplicationState.FAILED);
    assertThat(second.status().lastError()).hasValueSatisfying(m -> assertThat(m).contains(slot));
  }

  @Test
  void tableAddedToThePublicationIsCopiedAndJoinsTheStreamWithoutGaps() throws Exception {
    PgOutputSource source = start();
    source.awaitSnapshot(WAIT);
    source(
        "CREATE TABLE later (id int PRIMARY KEY, v text, n int NOT NULL DEFAULT 0)",
        "INSERT INTO later SELECT g, 'before', 0 FROM generate_series(1, 2000) g",
        "GRANT SELECT ON later TO " + role.user());

    // Writers keep changing the new table (and a copied one) while it joins the publication: each
    // of their transactions must end up in the store exactly once, from the copy or the stream.
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger written = new AtomicInteger();
    Thread writer =
        Thread.ofPlatform()
            .start(
                () -> {
                  try (Connection connection = postgres.connectAsSuperuser(sourceDatabase);
                      Statement statement = connection.createStatement()) {
                    for (int i = 0; writing.get() || i < 50; i++) {
                      statement.execute(
                          "UPDATE later SET n = n + 1 WHERE id = "
                              + (1 + i % 2000)
                              + ";"
                              + " INSERT INTO later VALUES ("
                              + (10_000 + i)
                              + ", 'during', 0);"
                              + " UPDATE items SET price = price + 1 WHERE id = "
                              + (1 + i % 500));
                      written.incrementAndGet();
                    }
                  } catch (SQLException e) {
                    throw new IllegalStateException(e);
                  }
                });
    awaitUntil(() -> written.get() >= 20);
    source("ALTER PUBLICATION pub ADD TABLE later");
    awaitUntil(() -> written.get() >= 200);
    writing.set(false);
    writer.join();
    source("UPDATE later SET v = 'after' WHERE id <= 10", "DELETE FROM later WHERE id = 11");
    awaitSourceApplied(source);

    assertTableMatchesSource("SELECT * FROM later ORDER BY id");
    assertStoreMatchesSource();
    assertThat(store.offsets("src")).containsKey("table:\"public\".\"later\"");
    assertThat(source.status().tableCopies())
        .anySatisfy(
            copy -> {
              assertThat(copy.table()).isEqualTo(new TableId("public", "later"));
              assertThat(copy.state()).isEqualTo(SnapshotProgress.State.COMMITTED);
              assertThat(copy.rows()).isGreaterThanOrEqualTo(2000);
            });
  }

  @Test
  void tableAddedWithNoChangeSinceIsCopiedByThePublicationRefresh() throws Exception {
    PgOutputSource source =
        start(store, config().setPublicationRefreshInterval(Duration.ofMillis(200)));
    source.awaitSnapshot(WAIT);
    source(
        "CREATE TABLE quiet (id int PRIMARY KEY, v text)",
        "INSERT INTO quiet SELECT g, 'q' || g FROM generate_series(1, 300) g",
        "GRANT SELECT ON quiet TO " + role.user(),
        "ALTER PUBLICATION pub ADD TABLE quiet");

    awaitUntil(() -> storeHasRows("quiet", 300));

    assertTableMatchesSource("SELECT * FROM quiet ORDER BY id");
  }

  @Test
  void tableAddedWhileTheFollowerWasStoppedIsCopiedBeforeStreaming() throws Exception {
    PgOutputSource first = start();
    first.awaitSnapshot(WAIT);
    first.close();
    source(
        "CREATE TABLE added (id int PRIMARY KEY, v text)",
        "INSERT INTO added SELECT g, 'a' || g FROM generate_series(1, 100) g",
        "GRANT SELECT ON added TO " + role.user(),
        "ALTER PUBLICATION pub ADD TABLE added",
        "UPDATE added SET v = 'changed' WHERE id = 1");

    PgOutputSource second = start();
    second.awaitSnapshot(WAIT);
    source("UPDATE added SET v = 'streamed' WHERE id = 2");
    awaitSourceApplied(second);

    assertTableMatchesSource("SELECT * FROM added ORDER BY id");
    assertStoreMatchesSource();
  }

  @Test
  void tableRemovedFromThePublicationStopsAndIsCopiedAgainWhenAddedBack() throws Exception {
    PgOutputSource source =
        start(store, config().setPublicationRefreshInterval(Duration.ofMillis(200)));
    source.awaitSnapshot(WAIT);
    source("ALTER PUBLICATION pub DROP TABLE events");
    awaitUntil(
        () ->
            !store.offsets("src").containsKey("table:\"public\".\"events\"")
                || store.offsets("src").get("table:\"public\".\"events\"") == 0L);

    source("INSERT INTO events VALUES (900, 'not published')");
    source("INSERT INTO items (id, name) VALUES (9000, 'still published')");
    awaitSourceApplied(source);
    assertThat(storeRows("SELECT count(*) FROM events WHERE seq = 900"))
        .containsExactly(List.of("0"));
    assertThat(storeRows("SELECT count(*) FROM items WHERE id = 9000"))
        .containsExactly(List.of("1"));

    source("ALTER PUBLICATION pub ADD TABLE events", "INSERT INTO events VALUES (901, 'back')");
    awaitSourceApplied(source);

    assertStoreMatchesSource();
  }

  /**
   * A table that left the publication while the follower was stopped loses its position at the next
   * start, so that when it comes back, while the follower is stopped again, it is copied again: its
   * changes while it was out were never sent.
   */
  @Test
  void tableRemovedWhileStoppedIsCopiedAgainWhenAddedBackWhileStopped() throws Exception {
    PgOutputSource first = start();
    first.awaitSnapshot(WAIT);
    first.close();
    source("ALTER PUBLICATION pub DROP TABLE events");

    PgOutputSource second = start();
    second.awaitSnapshot(WAIT);
    assertThat(store.offsets("src").getOrDefault("table:\"public\".\"events\"", 0L)).isZero();
    second.close();
    source(
        "INSERT INTO events VALUES (900, 'written while not published')",
        "DELETE FROM events WHERE seq <= 10",
        "ALTER PUBLICATION pub ADD TABLE events");

    PgOutputSource third = start();
    third.awaitSnapshot(WAIT);
    source("INSERT INTO events VALUES (901, 'back')");
    awaitSourceApplied(third);

    assertStoreMatchesSource();
  }

  @Test
  void failsWhenTheSlotWasAdvancedBehindItsBack() throws Exception {
    PgOutputSource first = start();
    first.awaitSnapshot(WAIT);
    first.close();
    source("INSERT INTO items (id, name) VALUES (7001, 'skipped by the advance')");
    postgres.execute(
        sourceDatabase, "SELECT pg_replication_slot_advance('" + slot + "', pg_current_wal_lsn())");

    PgOutputSource second = start();

    assertThatThrownBy(() -> second.awaitSnapshot(WAIT))
        .isInstanceOf(ReplicatorException.class)
        .hasMessageContaining("was acknowledged up to")
        .extracting(e -> ((ReplicatorException) e).code())
        .isEqualTo(ReplicatorErrorCode.SLOT_AHEAD);
    assertThat(second.status().state()).isEqualTo(ReplicationState.FAILED);
  }

  @Test
  void anInvalidatedSlotIsReportedAndCanBeSnapshottedAgainWhenConfigured() throws Exception {
    PgOutputSource first = start();
    first.awaitSnapshot(WAIT);
    first.close();
    source("INSERT INTO items (id, name) VALUES (7002, 'written while the slot was lost')");
    try {
      postgres.execute(
          "postgres", "ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'", "SELECT pg_reload_conf()");
      awaitUntil(
          () -> {
            source(
                "INSERT INTO unpublished SELECT generate_series(1, 20000)",
                "SELECT pg_switch_wal()",
                "CHECKPOINT");
            return sourceRows(
                    "SELECT wal_status FROM pg_replication_slots WHERE slot_name = '" + slot + "'")
                .equals(List.of(List.of("lost")));
          });
    } finally {
      postgres.execute(
          "postgres", "ALTER SYSTEM RESET max_slot_wal_keep_size", "SELECT pg_reload_conf()");
    }

    PgOutputSource failing = start();
    assertThatThrownBy(() -> failing.awaitSnapshot(WAIT))
        .isInstanceOf(ReplicatorException.class)
        .hasMessageContaining("invalidated")
        .extracting(e -> ((ReplicatorException) e).code())
        .isEqualTo(ReplicatorErrorCode.SLOT_INVALIDATED);
    failing.close();

    PgOutputSource again = start(store, config().setResnapshotOnSlotLoss(true));
    again.awaitSnapshot(WAIT);
    source("UPDATE items SET name = 'after the new snapshot' WHERE id = 7002");
    awaitSourceApplied(again);

    assertStoreMatchesSource();
  }

  @Test
  void logicalDecodingMessagesReachTheStoreWithTheirTransactions() throws Exception {
    PgOutputSource source = start();
    source.awaitSnapshot(WAIT);

    source(
        "BEGIN; INSERT INTO items (id, name) VALUES (8001, 'with marker');"
            + " SELECT pg_logical_emit_message(true, 'batch-done', 'job 1'); COMMIT",
        "BEGIN; SELECT pg_logical_emit_message(true, 'batch-done', 'rolled back'); ROLLBACK",
        "SELECT pg_logical_emit_message(false, 'heartbeat', 'beat 1')",
        "SELECT pg_logical_emit_message(false, 'heartbeat', 'beat 2')");
    awaitSourceApplied(source);
    // A non-transactional message is not flushed by its statement (pg_logical_emit_message's
    // flush argument defaults to false): it reaches the walsender with the next WAL flush, which
    // may come after the position above is applied.
    awaitUntil(
        () ->
            storeRows(
                    "SELECT count(*) FROM pgml_follower.logical_messages WHERE content = 'beat 2'")
                .equals(List.of(List.of("1"))));

    assertThat(
            storeRows(
                "SELECT prefix, convert_from(content, 'UTF8'), transactional"
                    + " FROM pgml_follower.logical_messages ORDER BY prefix"))
        .containsExactly(List.of("batch-done", "job 1", "t"), List.of("heartbeat", "beat 2", "f"));
    try (Connection client = store.clientDataSource().getConnection()) {
      assertThat(rows(client, "SELECT count(*) FROM pgml_follower.logical_messages"))
          .containsExactly(List.of("2"));
    }
    assertStoreMatchesSource();
  }

  @Test
  void aLargeTableIsReadAsBlockRangesOverSeveralConnectionsInOneSnapshot() throws Exception {
    source(
        "INSERT INTO items SELECT g, 'bulk ' || g, g, NULL, repeat('y', 200), now()"
            + " FROM generate_series(501, 5000) g");
    PgOutputSource source =
        start(store, config().setSnapshotConnections(3).setSnapshotRangePages(10));
    source.awaitSnapshot(WAIT);

    assertStoreMatchesSource();
    assertThat(source.status().tableCopies())
        .anySatisfy(
            copy -> {
              assertThat(copy.table()).isEqualTo(new TableId("public", "items"));
              assertThat(copy.connections()).isEqualTo(3);
              assertThat(copy.rows()).isEqualTo(5000);
            });
    source("UPDATE items SET name = 'streamed' WHERE id IN (1, 2500, 5000)");
    awaitSourceApplied(source);
    assertStoreMatchesSource();
  }

  @Test
  void statusReportsPositions() throws Exception {
    PgOutputSource source = start();
    source.awaitSnapshot(WAIT);
    source("INSERT INTO items (id, name) VALUES (4001, 'status')");
    Lsn written = awaitSourceApplied(source);

    ReplicationStatus status = source.status();

    assertThat(status.sourceName()).isEqualTo("src");
    assertThat(status.slot()).isEqualTo(slot);
    assertThat(Lsn.of(status.appliedLsnValue())).isGreaterThanOrEqualTo(written);
    assertThat(Lsn.parse(status.appliedLsn()).value()).isEqualTo(status.appliedLsnValue());
    assertThat(Lsn.parse(status.receivedLsn()).value()).isEqualTo(status.receivedLsnValue());
    assertThat(status.lastAppliedCommitTime()).isPresent();
    assertThat(status.lagBytes()).isNotNegative();
  }

  private PgOutputSource start() {
    return start(store);
  }

  private PgOutputSource start(ChangeSink sink) {
    return start(sink, config());
  }

  /** This test's source ("src", its role and slot), to adjust before {@link #start}. */
  private PgOutputSourceConfig config() {
    return TestSources.config("src", role, slot);
  }

  private PgOutputSource start(ChangeSink sink, PgOutputSourceConfig config) {
    PgOutputSource source = new PgOutputSource(config, sink);
    sources.add(source);
    source.start();
    return source;
  }

  /** Waits until the source's current WAL position is applied; returns that position. */
  private Lsn awaitSourceApplied(PgOutputSource source) throws Exception {
    Lsn written = currentWalLsn();
    assertThat(source.awaitApplied(written, WAIT))
        .as("applied %s within %s: %s", written, WAIT, source.status())
        .isTrue();
    return written;
  }

  private void assertStoreMatchesSource() throws SQLException {
    for (String query :
        List.of(
            "SELECT * FROM items ORDER BY id",
            "SELECT seq, note FROM events ORDER BY seq, note NULLS FIRST")) {
      List<List<String>> expected;
      try (Connection connection = postgres.connectAsSuperuser(sourceDatabase)) {
        expected = rows(connection, query);
      }
      assertThat(storeRows(query)).as(query).isEqualTo(expected);
    }
  }

  private void assertTableMatchesSource(String query) throws SQLException {
    assertThat(storeRows(query)).as(query).isEqualTo(sourceRows(query));
  }

  private boolean storeHasRows(String table, int rows) throws SQLException {
    try (Connection connection = store.dataSource().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT count(*) FROM pg_tables WHERE tablename = '" + table + "'")) {
      rs.next();
      if (rs.getInt(1) == 0) {
        return false;
      }
    }
    return storeRows("SELECT count(*) FROM " + table).equals(List.of(List.of("" + rows)));
  }

  /**
   * The acknowledged position (what the server will not send again) never passes what the store
   * holds. Read in that order: the stored offset only grows.
   */
  private void assertFlushedNotBeyondStored() throws Exception {
    Lsn confirmed = confirmedFlush();
    Lsn stored = Lsn.of(storedOffset());
    assertThat(confirmed).isLessThanOrEqualTo(stored);
  }

  private Lsn confirmedFlush() throws SQLException {
    try (Connection connection = postgres.connectAsSuperuser(sourceDatabase);
        Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT confirmed_flush_lsn::text FROM pg_replication_slots"
                    + " WHERE slot_name = '"
                    + slot
                    + "'")) {
      assertThat(rs.next()).as("slot %s exists", slot).isTrue();
      return Lsn.parse(rs.getString(1));
    }
  }

  private long storedOffset() throws StoreException {
    Long position = store.offsets("src").get("");
    assertThat(position).as("stored offset").isNotNull();
    return position;
  }

  /** Bytes of WAL between the slot's restart point and the server's current position. */
  private long retainedWal() throws SQLException {
    List<List<String>> rows =
        sourceRows(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint"
                + " FROM pg_replication_slots WHERE slot_name = '"
                + slot
                + "'");
    return Long.parseLong(rows.get(0).get(0));
  }

  private Lsn currentWalLsn() throws SQLException {
    try (Connection connection = postgres.connectAsSuperuser(sourceDatabase);
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT pg_current_wal_lsn()::text")) {
      rs.next();
      return Lsn.parse(rs.getString(1));
    }
  }

  private void source(String... sql) throws SQLException {
    postgres.execute(sourceDatabase, sql);
  }

  private List<List<String>> sourceRows(String query) throws SQLException {
    try (Connection connection = postgres.connectAsSuperuser(sourceDatabase)) {
      return rows(connection, query);
    }
  }

  private List<List<String>> storeRows(String query) throws SQLException {
    try (Connection connection = store.dataSource().getConnection()) {
      return rows(connection, query);
    }
  }

  private static List<List<String>> rows(Connection connection, String query) throws SQLException {
    List<List<String>> rows = new ArrayList<>();
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(query)) {
      ResultSetMetaData metadata = rs.getMetaData();
      while (rs.next()) {
        List<String> row = new ArrayList<>();
        for (int i = 1; i <= metadata.getColumnCount(); i++) {
          row.add(String.valueOf(rs.getString(i)));
        }
        rows.add(row);
      }
    }
    return rows;
  }

  /** The real store, failing right after it durably applied a batch with row changes. */
  private static final class FailsAfterApplyingRows extends ForwardingChangeSink {
    FailsAfterApplyingRows(ChangeSink store) {
      super(store);
    }

    @Override
    public void apply(ChangeBatch batch) throws StoreException {
      delegate().apply(batch);
      if (!batch.changes().isEmpty()) {
        throw new StoreException(StoreErrorCode.INTERNAL, "simulated crash after the commit");
      }
    }
  }

  private interface Condition {
    boolean holds() throws Exception;
  }

  /** Polls until the condition holds; fails after {@link #WAIT}. */
  private static void awaitUntil(Condition condition) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.holds()) {
      assertThat(System.nanoTime()).as("condition within %s", WAIT).isLessThan(deadline);
      Thread.sleep(50);
    }
  }
}
