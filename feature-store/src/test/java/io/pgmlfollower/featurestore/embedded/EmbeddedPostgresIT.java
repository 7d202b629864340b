package io.pgmlfollower.featurestore.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pgmlfollower.featurestore.TestFiles;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class EmbeddedPostgresIT {
  private Path root;

  @BeforeEach
  void createRoot() throws IOException {
    root = TestFiles.traversableTempDirectory("embedded-postgres-it-");
  }

  @AfterEach
  void deleteRoot() throws IOException {
    TestFiles.deleteTree(root);
  }

  private EmbeddedPostgresOptions options() {
    return new EmbeddedPostgresOptions()
        .dataDirectory(root.resolve("data"))
        .serverSettings(Map.of("fsync", "off", "wal_level", "logical"));
  }

  @Test
  void restartOnTheSameDataDirectoryKeepsDataAndPassword() throws Exception {
    EmbeddedPostgres first = EmbeddedPostgres.start(options());
    String password = first.superuserPassword();
    try {
      assertThat(first.isRunning()).isTrue();
      try (Connection connection = connect(first);
          Statement statement = connection.createStatement()) {
        statement.execute("CREATE TABLE kept (id int PRIMARY KEY, name text)");
        statement.execute("INSERT INTO kept VALUES (1, 'one'), (2, 'two')");
        assertThat(queryString(statement, "SHOW wal_level")).isEqualTo("logical");
      }
    } finally {
      first.close();
    }
    assertThat(first.isRunning()).isFalse();
    first.close(); // idempotent
    assertThat(Files.getPosixFilePermissions(root.resolve("data.superuser-password")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));

    try (EmbeddedPostgres postgres = EmbeddedPostgres.start(options())) {
      assertThat(postgres.superuserPassword()).isEqualTo(password);
      try (Connection connection = connect(postgres);
          Statement statement = connection.createStatement()) {
        assertThat(queryString(statement, "SELECT string_agg(name, ',' ORDER BY id) FROM kept"))
            .isEqualTo("one,two");
      }
    }
  }

  @Test
  void everyConcurrentCloseReturnsOnlyOnceTheServerHasStopped() throws Exception {
    EmbeddedPostgres postgres = EmbeddedPostgres.start(options());
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    java.util.List<java.util.concurrent.CompletableFuture<Boolean>> closers =
        java.util.stream.IntStream.range(0, 4)
            .mapToObj(
                i ->
                    java.util.concurrent.CompletableFuture.supplyAsync(
                        () -> {
                          try {
                            go.await();
                            postgres.close();
                            // Whoever returns first or last, the server is down by now.
                            return Files.exists(root.resolve("data").resolve("postmaster.pid"));
                          } catch (Exception e) {
                            throw new IllegalStateException(e);
                          }
                        }))
            .toList();
    go.countDown();
    for (java.util.concurrent.CompletableFuture<Boolean> closer : closers) {
      assertThat(closer.get(60, java.util.concurrent.TimeUnit.SECONDS)).isFalse();
    }
    assertThat(root.resolve("data").resolve("postmaster.pid")).doesNotExist();
  }

  @Test
  void wrongPasswordIsRefusedOverTcp() throws Exception {
    try (EmbeddedPostgres postgres =
        EmbeddedPostgres.start(options().superuserPassword("s3cret"))) {
      assertThat(postgres.superuserPassword()).isEqualTo("s3cret");
      assertThatThrownBy(
              () -> DriverManager.getConnection(postgres.jdbcUrl("postgres"), "postgres", "wrong"))
          .isInstanceOf(SQLException.class)
          .extracting(e -> ((SQLException) e).getSQLState())
          .isEqualTo("28P01");
      try (Connection connection = connect(postgres)) {
        assertThat(connection.isValid(5)).isTrue();
      }
    }
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES) // safety net for the waits on other processes
  void startAfterTheOwningJvmWasKilledStopsTheOrphanAndRecovers() throws Exception {
    Path dataDirectory = root.resolve("data");
    Process child =
        new ProcessBuilder(
                Path.of(ProcessHandle.current().info().command().orElseThrow()).toString(),
                "-cp",
                System.getProperty("java.class.path"),
                OrphaningMain.class.getName(),
                dataDirectory.toString())
            .redirectErrorStream(true)
            .start();
    String ready;
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      ready = readUntilReady(reader);
      child.destroyForcibly();
      child.waitFor();
    }
    long orphanPid = Long.parseLong(ready.split(" ")[1]);
    assertThat(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive)).contains(true);

    try (EmbeddedPostgres postgres = EmbeddedPostgres.start(options())) {
      // The orphan was stopped (the new postmaster could not own the directory otherwise); its
      // process exits right after it removes postmaster.pid.
      ProcessHandle.of(orphanPid).ifPresent(orphan -> orphan.onExit().join());
      assertThat(postgres.isRunning()).isTrue();
      try (Connection connection = connect(postgres);
          Statement statement = connection.createStatement()) {
        assertThat(queryString(statement, "SELECT string_agg(v, ',') FROM written_by_child"))
            .isEqualTo("before-kill");
      }
    }
  }

  @Test
  void aPortInUseIsAConfigurationErrorNamingThePort() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress("127.0.0.1", 0));
      int port = taken.getLocalPort();
      assertThatThrownBy(() -> EmbeddedPostgres.start(options().port(port)))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("port " + port)
          .extracting(e -> ((StoreException) e).code())
          .isEqualTo(StoreErrorCode.CONFIGURATION);
    }
  }

  @Test
  void aDataDirectoryThatCannotBeUsedIsAConfigurationErrorNamingThePath() throws Exception {
    Path file = Files.writeString(root.resolve("not-a-directory"), "x");
    Path dataDirectory = file.resolve("data");
    assertThatThrownBy(
            () ->
                EmbeddedPostgres.start(new EmbeddedPostgresOptions().dataDirectory(dataDirectory)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(dataDirectory.toString())
        .extracting(e -> ((StoreException) e).code())
        .isEqualTo(StoreErrorCode.CONFIGURATION);
  }

  @Test
  void underRootADataDirectoryTheServerUserCannotReachIsAConfigurationError() throws Exception {
    assumeTrue(
        (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0,
        "only root hands the server to another OS user");
    Path privateParent =
        Files.createDirectory(
            root.resolve("private"),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path dataDirectory = privateParent.resolve("data");
    assertThatThrownBy(
            () ->
                EmbeddedPostgres.start(new EmbeddedPostgresOptions().dataDirectory(dataDirectory)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(dataDirectory.toString())
        .hasMessageContaining("nobody")
        .extracting(e -> ((StoreException) e).code())
        .isEqualTo(StoreErrorCode.CONFIGURATION);
  }

  @Test
  void aNonEmptyDirectoryWithoutAClusterIsRefused() throws Exception {
    Path dataDirectory = Files.createDirectories(root.resolve("data"));
    Files.writeString(dataDirectory.resolve("precious.txt"), "user data");
    assertThatThrownBy(() -> EmbeddedPostgres.start(options()))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("not empty")
        .extracting(e -> ((StoreException) e).code())
        .isEqualTo(StoreErrorCode.CONFIGURATION);
    assertThat(Files.readString(dataDirectory.resolve("precious.txt"))).isEqualTo("user data");
  }

  private static String readUntilReady(BufferedReader reader) throws IOException {
    List<String> seen = new java.util.ArrayList<>();
    String line;
    while ((line = reader.readLine()) != null) {
      if (line.startsWith("READY ")) {
        return line;
      }
      seen.add(line);
    }
    throw new AssertionError(
        "child JVM exited before starting PostgreSQL:\n" + String.join("\n", seen));
  }

  static Connection connect(EmbeddedPostgres postgres) throws SQLException {
    return DriverManager.getConnection(
        postgres.jdbcUrl("postgres"), postgres.superuser(), postgres.superuserPassword());
  }

  private static String queryString(Statement statement, String sql) throws SQLException {
    try (ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** Started in a child JVM that the test kills, leaving its postmaster behind. */
  public static final class OrphaningMain {
    private OrphaningMain() {}

    public static void main(String[] args) throws Exception {
      EmbeddedPostgres postgres =
          EmbeddedPostgres.start(
              new EmbeddedPostgresOptions()
                  .dataDirectory(Path.of(args[0]))
                  .serverSettings(Map.of("fsync", "off", "wal_level", "logical")));
      try (Connection connection = connect(postgres);
          Statement statement = connection.createStatement()) {
        statement.execute("CREATE TABLE written_by_child (v text)");
        statement.execute("INSERT INTO written_by_child VALUES ('before-kill')");
      }
      long pid =
          Optional.of(Files.readAllLines(postgres.dataDirectory().resolve("postmaster.pid")))
              .map(lines -> Long.parseLong(lines.getFirst().strip()))
              .orElseThrow();
      System.out.println("READY " + pid);
      System.out.flush();
      Thread.sleep(Long.MAX_VALUE);
    }
  }
}
