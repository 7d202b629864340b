package io.pgmlfollower.serving;

import static io.pgmlfollower.serving.ShopWorkload.EVENTS;
import static io.pgmlfollower.serving.ShopWorkload.ORDERS;
import static io.pgmlfollower.serving.ShopWorkload.awaitTrue;
import static io.pgmlfollower.serving.ShopWorkload.count;
import static io.pgmlfollower.serving.ShopWorkload.scalar;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgmlfollower.testing.DebeziumToKafka;
import io.pgmlfollower.testing.KafkaBroker;
import io.pgmlfollower.testing.PostgresFixture;
import io.pgmlfollower.testing.SourceRole;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
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
      ShopWorkload.create(source, DATABASE, INITIAL_ORDERS);
      SourceRole role =
          source.createReplicationSource(
              DATABASE, "dbz_pub", List.of("public.orders", "public.events"));
      AtomicBoolean writing = new AtomicBoolean(true);
      AtomicInteger steps = new AtomicInteger();
      Thread writer =
          Thread.ofPlatform()
              .start(() -> ShopWorkload.write(source, DATABASE, INITIAL_ORDERS, writing, steps));
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
          long before = count(() -> connect(follower), "events");
          awaitTrue(
              () -> count(() -> connect(follower), "events") > before + 50,
              CATCH_UP,
              "the follower streams");
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

  private static Connection connect(FollowerProcess follower) throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + follower.endpointPort() + "/pgml", USER, PASSWORD);
  }
}
