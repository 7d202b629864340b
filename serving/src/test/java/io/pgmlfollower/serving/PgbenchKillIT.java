package io.pgmlfollower.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmlfollower.featurestore.online.OnlineStore;
import io.pgmlfollower.featurestore.online.OnlineStoreConfig;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.testing.PostgresFixture;
import io.pgmlfollower.testing.SourceRole;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What an operator needs before pointing the follower at a production primary: the follower process
 * is killed with SIGKILL while it copies the initial snapshot and twice while it streams, with
 * pgbench's TPC-B load running on the source throughout, and restarted each time. At the end every
 * pgbench table on the follower equals the source row for row: nothing missing, nothing applied
 * twice (pgbench_history has no key, so a duplicate apply would show as an extra row).
 */
class PgbenchKillIT {
  private static final String DATABASE = "bench";
  private static final String USER = "app";
  private static final String PASSWORD = "app-secret";
  private static final String SLOT = "pgml_slot";

  /**
   * pgbench scale: 10 is the 1M pgbench_accounts rows, which the follower copies in a few
   * seconds here; that is the window the first kill lands in.
   */
  private static final int SCALE = 10;

  private static final int CLIENTS = 2;
  private static final Duration LOAD_RUN = Duration.ofSeconds(4);
  private static final Duration STREAMING_BEFORE_KILL = Duration.ofSeconds(3);
  private static final Duration READY = Duration.ofSeconds(180);
  private static final Duration CATCH_UP = Duration.ofSeconds(180);

  /**
   * Each table with the order that makes its checksum deterministic: the primary key, or every
   * column for pgbench_history, which has none.
   */
  private static final Map<String, String> TABLES = tables();

  private PostgresFixture source;
  private Path work;
  private FollowerProcess follower;
  private int endpointPort;

  @BeforeEach
  void startSource() throws Exception {
    source = PostgresFixture.start();
    source.createDatabase(DATABASE);
    work =
        Files.createTempDirectory(
            "pgbench-kill-it",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
  }

  @AfterEach
  void stop() throws Exception {
    try {
      if (follower != null) {
        follower.close();
      }
    } finally {
      if (source != null) {
        source.close();
      }
    }
    if (work != null && (follower == null || !follower.isAlive())) {
      try (Stream<Path> paths = Files.walk(work)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void killMinus9MidSnapshotAndMidStreamUnderTpcbLoadLosesAndDuplicatesNothing() throws Exception {
    Pgbench pgbench = new Pgbench(source, DATABASE, work.resolve("pgbench.log"));
    long initStarted = System.nanoTime();
    pgbench.initialize(SCALE);
    System.out.printf(
        "pgbench -i -s %d: %d ms%n", SCALE, TimeUnit.NANOSECONDS.toMillis(elapsed(initStarted)));
    // Without FULL, a table with no key replicates no UPDATE or DELETE at all.
    source.execute(DATABASE, "ALTER TABLE public.pgbench_history REPLICA IDENTITY FULL");
    SourceRole role =
        source.createReplicationSource(
            DATABASE, "pgml_pub", TABLES.keySet().stream().map(t -> "public." + t).toList());
    follower = startFollower(role);

    Load load = new Load(pgbench);
    load.start();
    int kills = 0;
    try {
      // 1. Mid-snapshot: the slot exists and the follower is copying a table, not yet ready.
      awaitMidSnapshot();
      follower.kill9();
      kills++;
      System.out.printf(
          "kill -9 #%d mid-snapshot (source transactions so far: %d)%n", kills, load.committed());
      follower.start();
      long snapshotStarted = System.nanoTime();
      follower.awaitReady(READY);
      System.out.printf(
          "restarted follower snapshotted and streaming after %d ms%n",
          TimeUnit.NANOSECONDS.toMillis(elapsed(snapshotStarted)));

      // 2. and 3. Mid-stream: streaming for a while, and applying the load's transactions.
      for (int i = 0; i < 2; i++) {
        long before = followerHistoryRows();
        Thread.sleep(STREAMING_BEFORE_KILL.toMillis());
        // != rather than >: each pgbench run starts with TRUNCATE pgbench_history.
        awaitTrue(() -> followerHistoryRows() != before, CATCH_UP, "the follower applies the load");
        long applied = followerHistoryRows();
        follower.kill9();
        kills++;
        System.out.printf(
            "kill -9 #%d mid-stream (follower's pgbench_history held %d rows; source transactions"
                + " so far: %d)%n",
            kills, applied, load.committed());
        follower.start();
        follower.awaitReady(READY);
      }
      Thread.sleep(STREAMING_BEFORE_KILL.toMillis());
    } finally {
      load.stop();
    }
    long loadEnded = System.nanoTime();
    assertThat(load.committed()).as("pgbench committed transactions").isPositive();

    // A marker committed after the load: the follower applies transactions in commit order, so once
    // it shows the marker it holds everything before it. (pgbench also TRUNCATEs pgbench_history
    // before each run, so row counts alone could not tell.)
    source.execute(
        DATABASE, "UPDATE public.pgbench_branches SET filler = 'caught-up' WHERE bid = 1");
    awaitTrue(
        () -> {
          try (Connection connection = connectToFollower()) {
            return "caught-up"
                .equals(
                    scalar(
                        connection,
                        "SELECT trim(filler) FROM public.pgbench_branches WHERE bid = 1"));
          }
        },
        CATCH_UP,
        "the follower catches up");
    long catchUpMillis = TimeUnit.NANOSECONDS.toMillis(elapsed(loadEnded));

    Map<String, String> expected = checksums(source.connectAsSuperuser(DATABASE));
    Map<String, String> actual = checksums(connectToFollower());
    System.out.printf(
        "pgbench scale %d, %d clients: %d source transactions in %d runs, %d kill -9 (1 mid-snapshot, %d"
            + " mid-stream), caught up %d ms after the load ended%n",
        SCALE, CLIENTS, load.committed(), load.runs(), kills, kills - 1, catchUpMillis);
    expected.forEach((table, checksum) -> System.out.printf("  %-18s %s%n", table, checksum));
    assertThat(kills).isGreaterThanOrEqualTo(3);
    assertThat(actual).isEqualTo(expected);

    // The online store went through the same kills: stopped (which releases RocksDB's lock), it
    // must hold exactly the source's rows of every table with a primary key.
    follower.close();
    assertOnlineStoreEqualsSource();
  }

  private void assertOnlineStoreEqualsSource() throws Exception {
    try (OnlineStore online =
            OnlineStore.open(
                new OnlineStoreConfig().path(work.resolve("store").resolve("online")));
        Connection connection = source.connectAsSuperuser(DATABASE)) {
      for (Map.Entry<String, String> keyed :
          Map.of("pgbench_accounts", "aid", "pgbench_branches", "bid", "pgbench_tellers", "tid")
              .entrySet()) {
        String table = keyed.getKey();
        String key = keyed.getValue();
        TableId id = new TableId("public", table);
        long rows = 0;
        long mismatches = 0;
        try (Statement statement = connection.createStatement();
            ResultSet rs =
                statement.executeQuery("SELECT * FROM public." + table + " ORDER BY " + key)) {
          int columns = rs.getMetaData().getColumnCount();
          while (rs.next()) {
            rows++;
            Map<String, String> stored = online.get(id, List.of(rs.getString(key))).orElse(null);
            for (int i = 1; i <= columns && stored != null; i++) {
              if (!java.util.Objects.equals(
                  rs.getString(i), stored.get(rs.getMetaData().getColumnName(i)))) {
                stored = null;
              }
            }
            if (stored == null) {
              mismatches++;
            }
          }
        }
        assertThat(mismatches)
            .as("%s rows missing or different in the online store", table)
            .isZero();
        assertThat(online.countRows(id)).as("%s rows in the online store", table).isEqualTo(rows);
      }
    }
  }

  /**
   * Returns once the follower is copying the initial snapshot: its slot exists on the source, a
   * COPY from a published table is running there, and the follower does not report ready.
   */
  private void awaitMidSnapshot() throws Exception {
    awaitTrue(
        () -> {
          if (!follower.isAlive()) {
            throw new AssertionError("follower exited; log tail:\n" + follower.logTail());
          }
          try (Connection connection = source.connectAsSuperuser(DATABASE)) {
            return "t"
                    .equals(
                        scalar(
                            connection,
                            "SELECT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = '"
                                + SLOT
                                + "') AND EXISTS (SELECT FROM pg_stat_activity WHERE query LIKE"
                                + " 'COPY (SELECT%pgbench%' AND state = 'active')"))
                // Not ready: 503, or the admin endpoint not listening yet (it starts after the
                // source, and a fast copy may be under way before it does).
                && follower.readyStatus() != 200;
          }
        },
        READY,
        "the follower copies the initial snapshot");
  }

  private FollowerProcess startFollower(SourceRole role) throws Exception {
    FollowerProcess process = FollowerProcess.forSource(work, role, SLOT, USER, PASSWORD);
    endpointPort = process.endpointPort();
    process.start();
    return process;
  }

  /** pgbench TPC-B runs back to back on a thread of its own, until stopped. */
  private static final class Load {
    private final Pgbench pgbench;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong runs = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread;

    Load(Pgbench pgbench) {
      this.pgbench = pgbench;
      this.thread = Thread.ofPlatform().name("pgbench-load").unstarted(this::run);
    }

    void start() {
      thread.start();
    }

    private void run() {
      try {
        while (running.get()) {
          committed.addAndGet(pgbench.run(CLIENTS, LOAD_RUN));
          runs.incrementAndGet();
        }
      } catch (Throwable e) {
        failure.set(e);
      }
    }

    long committed() {
      return committed.get();
    }

    long runs() {
      return runs.get();
    }

    /** Waits for the current run to end; rethrows a pgbench failure. */
    void stop() throws InterruptedException {
      running.set(false);
      thread.join();
      if (failure.get() != null) {
        throw new AssertionError("pgbench load failed", failure.get());
      }
    }
  }

  private long followerHistoryRows() throws SQLException {
    try (Connection connection = connectToFollower()) {
      return count(connection, "pgbench_history");
    }
  }

  private static long count(Connection connection, String table) throws SQLException {
    try (connection) {
      return Long.parseLong(scalar(connection, "SELECT count(*) FROM public." + table));
    }
  }

  /** Per table: row count and md5 of all rows in key order. */
  private static Map<String, String> checksums(Connection connection) throws SQLException {
    Map<String, String> checksums = new LinkedHashMap<>();
    try (connection) {
      for (Map.Entry<String, String> table : TABLES.entrySet()) {
        String columns = table.getValue();
        checksums.put(
            table.getKey(),
            scalar(
                connection,
                "SELECT count(*) || ':' || md5(string_agg(ROW(%s)::text, '|' ORDER BY %s))"
                        .formatted(columns, columns)
                    + " FROM public."
                    + table.getKey()));
      }
    }
    return checksums;
  }

  /**
   * Every column of each table in key order: ordering by all of them is ordering by the key where
   * the key comes first, and the only deterministic order for pgbench_history.
   */
  private static Map<String, String> tables() {
    Map<String, String> tables = new LinkedHashMap<>();
    tables.put("pgbench_branches", "bid, bbalance, filler");
    tables.put("pgbench_tellers", "tid, bid, tbalance, filler");
    tables.put("pgbench_accounts", "aid, bid, abalance, filler");
    tables.put("pgbench_history", "tid, bid, aid, delta, mtime, filler");
    return tables;
  }

  private Connection connectToFollower() throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + endpointPort + "/" + DATABASE, USER, PASSWORD);
  }

  private static String scalar(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static long elapsed(long startNanos) {
    return System.nanoTime() - startNanos;
  }

  @FunctionalInterface
  private interface Condition {
    boolean holds() throws Exception;
  }

  private void awaitTrue(Condition condition, Duration timeout, String what) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "not within " + timeout + ": " + what + "; follower log tail:\n" + follower.logTail());
      }
      Thread.sleep(50);
    }
  }
}
