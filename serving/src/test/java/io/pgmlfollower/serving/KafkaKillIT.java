package io.pgmlfollower.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmlfollower.testing.DebeziumToKafka;
import io.pgmlfollower.testing.KafkaBroker;
import io.pgmlfollower.testing.PostgresFixture;
import io.pgmlfollower.testing.SourceRole;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code source.type: kafka} under the same test as the pgoutput source: Debezium Embedded streams
 * a source PostgreSQL's changes into a real Kafka broker while a writer changes the source without
 * pause; the follower process, reading the topics, is killed with SIGKILL during its initial load
 * and twice while it streams, and restarted each time. At the end both tables on the follower equal
 * the source row for row: {@code events} has no key, so a record applied twice would show as an
 * extra row, and {@code orders} takes updates and deletes.
 */
class KafkaKillIT {
  private static final String DATABASE = "shop";
  private static final String USER = "app";
  private static final String PASSWORD = "app-secret";
  private static final int INITIAL_ORDERS = 20_000;
  private static final Duration READY = Duration.ofSeconds(60);
  private static final Duration CATCH_UP = Duration.ofSeconds(180);
  private static final String ORDERS =
      "SELECT md5(string_agg(o::text, ',' ORDER BY id)) FROM orders o";
  private static final String EVENTS =
      "SELECT count(*) || ':' || coalesce(md5(string_agg(e::text, ',' ORDER BY e::text)), '')"
          + " FROM events e";

  @Test
  void killMinus9DuringTheLoadAndWhileStreamingLosesAndDuplicatesNothing() throws Exception {
    // 0755: the embedded store's server runs as another OS user under root.
    Path work =
        Files.createTempDirectory(
            "kafka-kill-it",
            java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
    try (PostgresFixture source = PostgresFixture.start();
        KafkaBroker broker = KafkaBroker.start()) {
      source.createDatabase(DATABASE);
      source.execute(
          DATABASE,
          "CREATE TABLE orders (id int PRIMARY KEY, qty int NOT NULL, amount numeric(10,2),"
              + " note text)",
          "CREATE TABLE events (order_id int, kind text, at_step int)",
          "ALTER TABLE events REPLICA IDENTITY FULL",
          "INSERT INTO orders SELECT i, i % 7, i * 0.25, 'order ' || i"
              + " FROM generate_series(1, "
              + INITIAL_ORDERS
              + ") i");
      SourceRole role =
          source.createReplicationSource(
              DATABASE, "dbz_pub", List.of("public.orders", "public.events"));
      AtomicBoolean writing = new AtomicBoolean(true);
      AtomicInteger steps = new AtomicInteger();
      Thread writer = Thread.ofPlatform().start(() -> write(source, writing, steps));
      try (DebeziumToKafka debezium =
              DebeziumToKafka.start(
                  role, "dbz_slot", "shop", broker, work.resolve("debezium.offsets"));
          FollowerProcess follower =
              FollowerProcess.forKafka(work, broker.bootstrapServers(), "shop", USER, PASSWORD)) {
        follower.start();
        // 1. During the initial load: the follower answers but is not caught up yet (its first
        // load commits all at once, so no rows show before).
        try {
          awaitTrue(() -> follower.readyStatus() == 503, READY, "the follower's admin endpoint");
        } catch (AssertionError e) {
          throw new AssertionError(e.getMessage() + "; follower log:\n" + follower.logTail(), e);
        }
        Thread.sleep(ThreadLocalRandom.current().nextInt(300, 1500));
        boolean midLoad = follower.readyStatus() != 200;
        follower.kill9();
        System.out.printf(
            "kill -9 #1 %s (source steps so far: %d)%n",
            midLoad ? "during the initial load" : "just after the initial load", steps.get());
        follower.start();
        follower.awaitReady(READY);
        // 2. and 3. While streaming the writer's changes.
        for (int kill = 2; kill <= 3; kill++) {
          long before = count(follower, "events");
          awaitTrue(
              () -> count(follower, "events") > before + 50, CATCH_UP, "the follower streams");
          follower.kill9();
          System.out.printf("kill -9 #%d while streaming (steps: %d)%n", kill, steps.get());
          follower.start();
          follower.awaitReady(READY);
        }
        writing.set(false);
        writer.join();
        String orders = scalar(source.connectAsSuperuser(DATABASE), ORDERS);
        String events = scalar(source.connectAsSuperuser(DATABASE), EVENTS);
        awaitTrue(
            () ->
                orders.equals(scalar(connect(follower), ORDERS))
                    && events.equals(scalar(connect(follower), EVENTS)),
            CATCH_UP,
            "the follower equals the source");
        System.out.printf(
            "3 kills; %d source steps; follower equal to the source: orders and %s events%n",
            steps.get(), events.substring(0, events.indexOf(':')));
        assertThat(scalar(connect(follower), "SELECT count(*) FROM orders"))
            .isEqualTo(scalar(source.connectAsSuperuser(DATABASE), "SELECT count(*) FROM orders"));
      } finally {
        writing.set(false);
        writer.join();
      }
    } finally {
      try (Stream<Path> paths = Files.walk(work)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Small transactions until told to stop: an insert, an update, sometimes a delete, an event. */
  private static void write(PostgresFixture source, AtomicBoolean writing, AtomicInteger steps) {
    try (Connection connection = source.connectAsSuperuser(DATABASE);
        Statement statement = connection.createStatement()) {
      connection.setAutoCommit(false);
      ThreadLocalRandom random = ThreadLocalRandom.current();
      int next = INITIAL_ORDERS + 1;
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

  private static Connection connect(FollowerProcess follower) throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + follower.endpointPort() + "/pgml", USER, PASSWORD);
  }

  /** Rows of a table on the follower; 0 while it is not there yet. */
  private static long count(FollowerProcess follower, String table) {
    try {
      return Long.parseLong(scalar(connect(follower), "SELECT count(*) FROM " + table));
    } catch (SQLException | RuntimeException e) {
      return 0;
    }
  }

  private static String scalar(Connection connection, String sql) throws SQLException {
    try (connection;
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @FunctionalInterface
  private interface Condition {
    boolean holds() throws Exception;
  }

  private static void awaitTrue(Condition condition, Duration timeout, String what)
      throws Exception {
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
