package io.pgmlfollower.serving;

import io.pgmlfollower.testing.PostgresFixture;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The source workload of the kill tests of the Debezium and Kafka sources: {@code orders} (a key;
 * inserts, updates, deletes) and {@code events} (no key, {@code REPLICA IDENTITY FULL}: a change
 * applied twice shows as an extra row), changed by small transactions without pause, and the
 * checksums that compare a follower with the source.
 */
final class ShopWorkload {
  static final String ORDERS = "SELECT md5(string_agg(o::text, ',' ORDER BY id)) FROM orders o";
  static final String EVENTS =
      "SELECT count(*) || ':' || coalesce(md5(string_agg(e::text, ',' ORDER BY e::text)), '')"
          + " FROM events e";

  private ShopWorkload() {}

  /** Creates the database and its two tables, with {@code orders} rows to snapshot. */
  static void create(PostgresFixture source, String database, int orders) throws SQLException {
    source.createDatabase(database);
    source.execute(
        database,
        "CREATE TABLE orders (id int PRIMARY KEY, qty int NOT NULL, amount numeric(10,2),"
            + " note text)",
        "CREATE TABLE events (order_id int, kind text, at_step int)",
        "ALTER TABLE events REPLICA IDENTITY FULL",
        "INSERT INTO orders SELECT i, i % 7, i * 0.25, 'order ' || i"
            + " FROM generate_series(1, "
            + orders
            + ") i");
  }

  /**
   * Small transactions until told to stop: an insert, an update, sometimes a delete, an event.
   *
   * @param orders the rows {@link #create} made: new ids follow them
   */
  static void write(
      PostgresFixture source,
      String database,
      int orders,
      AtomicBoolean writing,
      AtomicInteger steps) {
    try (Connection connection = source.connectAsSuperuser(database);
        Statement statement = connection.createStatement()) {
      connection.setAutoCommit(false);
      ThreadLocalRandom random = ThreadLocalRandom.current();
      int next = orders + 1;
      while (writing.get()) {
        int step = steps.incrementAndGet();
        int id = next++;
        int other = 1 + random.nextInt(id);
        statement.execute(
            "INSERT INTO orders VALUES (" + id + ", " + step % 5 + ", " + step + ".50, 'new')");
        statement.execute(
            "UPDATE orders SET qty = qty + 1, note = 'step " + step + "' WHERE id = " + other);
        if (step % 3 == 0) {
          statement.execute("DELETE FROM orders WHERE id = " + (1 + random.nextInt(id)));
        }
        statement.execute("INSERT INTO events VALUES (" + other + ", 'update', " + step + ")");
        connection.commit();
        Thread.sleep(5);
      }
    } catch (SQLException | InterruptedException e) {
      throw new IllegalStateException("the writer failed", e);
    }
  }

  static String scalar(Connection connection, String sql) throws SQLException {
    try (connection;
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @FunctionalInterface
  interface Connector {
    Connection connect() throws SQLException;
  }

  /** Rows of a table on the follower; 0 while it is not there yet. */
  static long count(Connector follower, String table) {
    try {
      return Long.parseLong(scalar(follower.connect(), "SELECT count(*) FROM " + table));
    } catch (SQLException | RuntimeException e) {
      return 0;
    }
  }

  @FunctionalInterface
  interface Condition {
    boolean holds() throws Exception;
  }

  static void awaitTrue(Condition condition, Duration timeout, String what) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (condition.holds()) {
          return;
        }
      } catch (SQLException e) {
        // The follower restarting: ask again.
      }
      Thread.sleep(100);
    }
    throw new AssertionError("timed out waiting for " + what);
  }
}
