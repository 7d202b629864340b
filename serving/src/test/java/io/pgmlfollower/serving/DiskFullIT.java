package io.pgmlfollower.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pgmlfollower.featurestore.online.OnlineStore;
import io.pgmlfollower.featurestore.online.OnlineStoreConfig;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.testing.PostgresFixture;
import io.pgmlfollower.testing.SourceRole;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code store.path} runs out of space while the follower streams (issue 11): the store is a tmpfs
 * of {@value #SMALL_MIB} MiB, and the source keeps committing rows of incompressible text until it
 * fills. The follower must not acknowledge what it could not store, must say why in its log (the
 * disk is full, and where), and must either keep retrying or stop; once the volume is grown (a
 * tmpfs remount, as an operator would resize a volume) and the follower restarted if it stopped, it
 * resumes and every row equals the source's, in both stores. Needs root (mount).
 */
class DiskFullIT {
  private static final String DATABASE = "app";
  private static final String USER = "app";
  private static final String PASSWORD = "app-secret";
  private static final String SLOT = "pgml_slot";
  private static final int SMALL_MIB = 160;
  private static final Duration READY = Duration.ofSeconds(180);

  private PostgresFixture source;
  private Path work;
  private Path store;
  private boolean mounted;
  private FollowerProcess follower;

  @BeforeEach
  void start() throws Exception {
    assumeTrue(
        "root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root (CI is)");
    source = PostgresFixture.start();
    source.createDatabase(DATABASE);
    work =
        Files.createTempDirectory(
            "disk-full-it",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    store = Files.createDirectory(work.resolve("store"));
    run(
        "mount",
        "-t",
        "tmpfs",
        "-o",
        "size=" + SMALL_MIB + "m,mode=0755",
        "tmpfs",
        store.toString());
    mounted = true;
  }

  @AfterEach
  void stop() throws Exception {
    try {
      if (follower != null) {
        follower.close();
      }
    } finally {
      try {
        if (mounted) {
          run("umount", "-l", store.toString());
        }
      } finally {
        if (source != null) {
          source.close();
        }
        if (work != null) {
          try (Stream<Path> paths = Files.walk(work)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
          }
        }
      }
    }
  }

  @Test
  void aFullStoreLosesNothingAndResumesOnceGrown() throws Exception {
    source.execute(
        DATABASE,
        "CREATE TABLE public.events (id bigint PRIMARY KEY, payload text NOT NULL)",
        "INSERT INTO public.events SELECT i, md5(i::text) FROM generate_series(1, 1000) i");
    SourceRole role =
        source.createReplicationSource(DATABASE, "pgml_pub", List.of("public.events"));
    follower = FollowerProcess.forSource(work, role, SLOT, USER, PASSWORD);
    Writer writer = new Writer();

    // 1. No guard (store.min-free-mb: 0): the volume fills. Where PostgreSQL runs out decides
    // what follows: on its WAL it PANICs, and the follower stops with status 75 saying the volume
    // is full; on a table file it refuses the batch (53100), which the follower retries. Grown a
    // little and restarted, it recovers (PostgreSQL's crash recovery) and resumes from the stored
    // position.
    minFreeMb(0);
    follower.start();
    follower.awaitReady(READY);
    writer.start();
    follower.awaitTrue(
        () -> !follower.isAlive() || follower.loggedSinceStart("No space left on device"),
        READY,
        "the volume fills up");
    Thread.sleep(2_000); // a PANIC's exit follows the error that reported it
    if (follower.isAlive()) {
      assertThat(follower.loggedSinceStart("retrying in")).as("the batch is retried").isTrue();
      follower.close();
      log("no guard: the store refused a batch on a full volume (53100); follower retried");
    } else {
      assertThat(follower.exitValue()).isEqualTo(Follower.EXIT_RESTART_NEEDED);
      assertThat(follower.loggedSinceStart("the volume is full, free space or grow it first"))
          .as("the reason, in the log")
          .isTrue();
      log("no guard: the embedded PostgreSQL died on a full volume; follower exited 75");
    }

    // 2. The guard (store.min-free-mb: 64), the writer still running: once under 64 MiB free the
    // follower refuses batches, stays up and serving, and resumes by itself once the volume grows.
    run("mount", "-o", "remount,size=" + (usedMib() + 100) + "m", store.toString());
    minFreeMb(64);
    follower.start();
    // Up and serving, ready or not: when the restart itself (PostgreSQL's recovery, RocksDB's log
    // replay) takes the volume under the margin, even the startup's shape check is refused, and
    // the source waits, paused, before it streams (not ready until space is freed).
    follower.awaitTrue(() -> follower.readyStatus() != -1, READY, "the follower is up");
    follower.awaitTrue(
        () -> follower.loggedSinceStart("under store.min-free-mb (64): replication paused"),
        READY,
        "replication pauses under store.min-free-mb");
    assertThat(metric("pgml_follower_store_full")).isEqualTo("1.0");
    // Nothing applied while paused. A checkpoint or a compaction may free space and let a batch
    // through (then it pauses again): such a window says nothing, and is measured again.
    long pausedAt = -1;
    for (int window = 0; window < 5 && pausedAt < 0; window++) {
      long rows = followerRows();
      long resumes = follower.countLoggedSinceStart("replication resumes");
      Thread.sleep(3_000);
      if (follower.countLoggedSinceStart("replication resumes") == resumes) {
        assertThat(followerRows()).as("nothing applied while paused").isEqualTo(rows);
        pausedAt = rows;
      }
    }
    assertThat(pausedAt).as("a 3 s window with replication paused throughout").isNotNegative();
    assertThat(follower.isAlive()).as("the follower stays up").isTrue();
    assertThat(freeMib()).as("the volume is not full").isPositive();
    writer.stop();
    log("guard: paused at %d rows on the follower, %d MiB free", pausedAt, freeMib());

    run("mount", "-o", "remount,size=2g", store.toString());
    source.execute(DATABASE, "INSERT INTO public.events VALUES (-1, 'marker')");
    follower.awaitTrue(
        () -> "marker".equals(scalarOnFollower("SELECT payload FROM public.events WHERE id = -1")),
        READY,
        "the follower resumes by itself and catches up");
    assertThat(follower.loggedSinceStart("replication resumes")).isTrue();
    assertThat(metric("pgml_follower_store_full")).isEqualTo("0.0");
    String expected = checksum(source.connectAsSuperuser(DATABASE));
    String actual = checksum(connectToFollower());
    log("events on the source: %s; on the follower: %s", expected, actual);
    assertThat(actual).isEqualTo(expected);
    follower.close();
    assertOnlineStoreEqualsSource();
  }

  /** Sets store.min-free-mb in the follower's config for its next start. */
  private void minFreeMb(int mib) throws IOException {
    Path config = work.resolve("follower.yaml");
    String yaml = Files.readString(config).replaceAll("(?m)^  min-free-mb: .*\\n", "");
    String path = "  path: " + store + "\n";
    Files.writeString(config, yaml.replace(path, path + "  min-free-mb: " + mib + "\n"));
  }

  private long usedMib() throws IOException {
    java.nio.file.FileStore volume = Files.getFileStore(store);
    return (volume.getTotalSpace() - volume.getUnallocatedSpace()) >> 20;
  }

  private long freeMib() throws IOException {
    return Files.getFileStore(store).getUsableSpace() >> 20;
  }

  private long followerRows() throws SQLException {
    return Long.parseLong(scalarOnFollower("SELECT count(*) FROM public.events"));
  }

  /** A sample's value from the admin server's /metrics. */
  private String metric(String name) throws Exception {
    try (java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient()) {
      String body =
          client
              .send(
                  java.net.http.HttpRequest.newBuilder(
                          java.net.URI.create(
                              "http://127.0.0.1:" + follower.adminPort() + "/metrics"))
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString())
              .body();
      return body.lines()
          .filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
          .map(line -> line.substring(line.lastIndexOf(' ') + 1))
          .findFirst()
          .orElseThrow(() -> new AssertionError(name + " not in /metrics"));
    }
  }

  private static void log(String format, Object... arguments) {
    System.out.printf("DISK FULL: " + format + "%n", arguments);
  }

  /** Commits batches of 200 rows of ~2 KiB of random hex (TOAST cannot compress it). */
  private final class Writer {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong rows = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread =
        Thread.ofPlatform().name("writer").daemon(true).unstarted(this::run);

    void start() {
      thread.start();
    }

    private void run() {
      try (Connection connection = source.connectAsSuperuser(DATABASE);
          Statement statement = connection.createStatement()) {
        long next = 1_001;
        while (running.get()) {
          statement.execute(
              "INSERT INTO public.events SELECT g.n, (SELECT string_agg(md5(random()::text || g.n"
                  + " || k.j), '') FROM generate_series(1, 64) AS k(j))"
                  + " FROM generate_series(%d, %d) AS g(n)".formatted(next, next + 199));
          next += 200;
          rows.set(next - 1);
        }
      } catch (Throwable e) {
        failure.set(e);
      }
    }

    long rows() {
      return rows.get();
    }

    void stop() throws InterruptedException {
      running.set(false);
      thread.join();
      if (failure.get() != null) {
        throw new AssertionError("the writer failed", failure.get());
      }
    }
  }

  private void assertOnlineStoreEqualsSource() throws Exception {
    TableId events = new TableId("public", "events");
    try (OnlineStore online =
            OnlineStore.open(new OnlineStoreConfig().path(store.resolve("online")));
        Connection connection = source.connectAsSuperuser(DATABASE);
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT id, payload FROM public.events")) {
      long rows = 0;
      long mismatches = 0;
      while (rs.next()) {
        rows++;
        String stored =
            online
                .get(events, List.of(rs.getString(1)))
                .map(row -> row.get("payload"))
                .orElse(null);
        if (!rs.getString(2).equals(stored)) {
          mismatches++;
        }
      }
      assertThat(mismatches).as("rows missing or different in the online store").isZero();
      assertThat(online.countRows(events)).as("rows in the online store").isEqualTo(rows);
    }
  }

  private static String checksum(Connection connection) throws SQLException {
    return scalar(
        connection,
        "SELECT count(*) || ':' || md5(string_agg(id || ':' || payload, '|' ORDER BY id))"
            + " FROM public.events");
  }

  private String scalarOnFollower(String sql) throws SQLException {
    return scalar(connectToFollower(), sql);
  }

  private Connection connectToFollower() throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + follower.endpointPort() + "/" + DATABASE, USER, PASSWORD);
  }

  private static String scalar(Connection connection, String sql) throws SQLException {
    try (connection;
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  private static void run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + output);
    }
  }
}
