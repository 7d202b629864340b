package io.pgmlfollower.replicator;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmlfollower.featurestore.offline.OfflineStore;
import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.ChangeSink;
import io.pgmlfollower.featurestore.spi.ForwardingChangeSink;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.replicator.connection.Lsn;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions larger than {@code logical_decoding_work_mem} (64kB here), which PostgreSQL 14+
 * streams while they are in progress (pgoutput protocol version 2): committed ones, with an aborted
 * savepoint inside and small transactions committing meanwhile, arrive whole; aborted ones leave
 * nothing. With streaming off (protocol version 1) the server spills them and the result is the
 * same.
 */
class StreamingIT {
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final String CHECKSUM =
      "SELECT count(*) || ' ' || md5(string_agg(id || ':' || payload || ':' || n, ',' ORDER BY id))"
          + " FROM items";

  private static PostgresFixture postgres;

  @TempDir Path storePath;

  private String sourceDatabase;
  private String slot;
  private SourceRole role;
  private OfflineStore store;
  private PgOutputSource source;

  @BeforeAll
  static void startPostgres() throws SQLException {
    postgres = PostgresFixture.start();
    postgres.execute(
        "postgres",
        "ALTER SYSTEM SET logical_decoding_work_mem = '64kB'",
        "SELECT pg_reload_conf()");
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
    sourceDatabase = "streaming" + n;
    slot = "streaming_slot_" + n;
    postgres.createDatabase(sourceDatabase);
    postgres.execute(
        sourceDatabase,
        "CREATE TABLE items (id int PRIMARY KEY, payload text NOT NULL, n int)",
        "INSERT INTO items SELECT g, 'snapshot ' || g, 0 FROM generate_series(1, 1000) g");
    role = postgres.createReplicationSource(sourceDatabase, "pub", List.of("items"));
    store = TestSources.open(postgres, storePath, "streaming" + n);
  }

  @AfterEach
  void closeAll() throws Exception {
    if (source != null) {
      source.close();
    }
    if (store != null) {
      store.close();
    }
  }

  @Test
  void streamedTransactionsApplyAtCommitAndAbortedOnesLeaveNothing() throws Exception {
    source = start(true);
    source.awaitSnapshot(WAIT);

    runLargeTransactions();
    awaitSourceApplied();

    assertThat(storeChecksum()).isEqualTo(sourceChecksum());
    assertThat(storeRows("SELECT count(*) FROM items WHERE payload LIKE 'rolled back%'"))
        .containsExactly("0");
    assertTransactionBoundaries();
    // The server did stream (the test exercises protocol version 2, not a spill to disk).
    awaitUntilStreamed();
  }

  @Test
  void withStreamingOffTheSameTransactionsArriveWhole() throws Exception {
    source = start(false);
    source.awaitSnapshot(WAIT);

    runLargeTransactions();
    awaitSourceApplied();

    assertThat(storeChecksum()).isEqualTo(sourceChecksum());
  }

  /**
   * One large committed transaction (with a rolled-back savepoint, updates and deletes) while small
   * transactions commit beside it, and one large transaction that aborts.
   */
  private void runLargeTransactions() throws SQLException {
    try (Connection large = postgres.connectAsSuperuser(sourceDatabase);
        Connection small = postgres.connectAsSuperuser(sourceDatabase);
        Connection aborted = postgres.connectAsSuperuser(sourceDatabase);
        Statement big = large.createStatement();
        Statement little = small.createStatement();
        Statement doomed = aborted.createStatement()) {
      large.setAutoCommit(false);
      aborted.setAutoCommit(false);
      big.execute(
          "INSERT INTO items SELECT g, 'large ' || g || repeat('x', 100), 1"
              + " FROM generate_series(10001, 20000) g");
      doomed.execute(
          "INSERT INTO items SELECT g, 'rolled back ' || repeat('y', 100), 2"
              + " FROM generate_series(50001, 60000) g");
      little.execute("INSERT INTO items VALUES (5002, 'small while large is open', 3)");
      big.execute("SAVEPOINT s");
      big.execute(
          "INSERT INTO items SELECT g, 'rolled back ' || repeat('z', 100), 4"
              + " FROM generate_series(30001, 33000) g");
      big.execute("UPDATE items SET n = 40 WHERE id BETWEEN 1 AND 100");
      big.execute("ROLLBACK TO SAVEPOINT s");
      big.execute("UPDATE items SET n = n + 5, payload = payload || ' updated' WHERE id % 3 = 0");
      little.execute("UPDATE items SET n = 6 WHERE id = 5002");
      big.execute("DELETE FROM items WHERE id % 7 = 0");
      // Rows of its own: the large transaction holds locks on many others.
      doomed.execute("UPDATE items SET n = 7 WHERE id BETWEEN 50001 AND 50500");
      aborted.rollback();
      large.commit();
      little.execute("DELETE FROM items WHERE id = 1");
    }
  }

  private void awaitUntilStreamed() throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      try (Connection connection = postgres.connectAsSuperuser(sourceDatabase);
          Statement statement = connection.createStatement();
          ResultSet rs =
              statement.executeQuery(
                  "SELECT stream_txns FROM pg_stat_replication_slots WHERE slot_name = '"
                      + slot
                      + "'")) {
        if (rs.next() && rs.getLong(1) > 0) {
          return;
        }
      }
      assertThat(System.nanoTime())
          .as("the slot reports streamed transactions")
          .isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  /** Every batch the source applied, as the store received it. */
  private final List<ChangeBatch> batches =
      java.util.Collections.synchronizedList(new java.util.ArrayList<>());

  private PgOutputSource start(boolean streaming) {
    ChangeSink recording =
        new ForwardingChangeSink(store) {
          @Override
          public void apply(ChangeBatch batch) throws StoreException {
            super.apply(batch);
            batches.add(batch);
          }
        };
    PgOutputSource started =
        new PgOutputSource(
            TestSources.config("streaming", role, slot).setStreamingEnabled(streaming), recording);
    started.start();
    return started;
  }

  /**
   * Each batch says where its transactions end and where they committed (what lets a store that
   * holds part of a regrouped batch skip exactly that part): every change belongs to one, commit
   * positions ascend across batches, and each lies before the batch's stream position.
   */
  private void assertTransactionBoundaries() {
    long previousCommit = 0;
    int transactions = 0;
    for (ChangeBatch batch : List.copyOf(batches)) {
      if (batch.changes().isEmpty()) {
        continue;
      }
      long position =
          batch.offsets().stream()
              .filter(o -> o.partition().isEmpty())
              .findFirst()
              .orElseThrow()
              .position();
      assertThat(batch.transactions()).as("transactions of %s", batch).isNotEmpty();
      assertThat(batch.transactions().getLast().end()).isEqualTo(batch.changes().size());
      for (ChangeBatch.Committed transaction : batch.transactions()) {
        assertThat(transaction.commitLsn()).isGreaterThan(previousCommit).isLessThan(position);
        previousCommit = transaction.commitLsn();
        transactions++;
      }
    }
    // The large committed transaction and the small ones beside it, each its own.
    assertThat(transactions).isGreaterThanOrEqualTo(2);
  }

  private void awaitSourceApplied() throws Exception {
    Lsn written = Lsn.parse(sourceRows("SELECT pg_current_wal_lsn()::text").getFirst());
    assertThat(source.awaitApplied(written, WAIT))
        .as("applied %s within %s: %s", written, WAIT, source.status())
        .isTrue();
  }

  private String sourceChecksum() throws SQLException {
    return sourceRows(CHECKSUM).getFirst();
  }

  private String storeChecksum() throws SQLException {
    return storeRows(CHECKSUM).getFirst();
  }

  private List<String> sourceRows(String query) throws SQLException {
    try (Connection connection = postgres.connectAsSuperuser(sourceDatabase)) {
      return rows(connection, query);
    }
  }

  private List<String> storeRows(String query) throws SQLException {
    try (Connection connection = store.dataSource().getConnection()) {
      return rows(connection, query);
    }
  }

  private static List<String> rows(Connection connection, String query) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(query)) {
      List<String> rows = new ArrayList<>();
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
      return rows;
    }
  }
}
