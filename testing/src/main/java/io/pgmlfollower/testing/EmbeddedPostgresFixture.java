package io.pgmlfollower.testing;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.embedded.EmbeddedPostgres;
import io.pgmlfollower.featurestore.embedded.EmbeddedPostgresOptions;
import io.pgmlfollower.featurestore.spi.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A {@link PostgresFixture} on {@link EmbeddedPostgres}, in a fresh directory under {@code
 * java.io.tmpdir} that {@link #close()} deletes. The binaries are unpacked once per machine, so a
 * start costs an {@code initdb} and a server start (about a second).
 */
public final class EmbeddedPostgresFixture implements PostgresFixture {
  private volatile EmbeddedPostgres postgres;
  private final Path root;

  private EmbeddedPostgresFixture(EmbeddedPostgres postgres, Path root) {
    this.postgres = requireNonNull(postgres, "postgres is null");
    this.root = requireNonNull(root, "root is null");
  }

  /** Settings a replication source needs; fsync off because test data need not survive a crash. */
  static Map<String, String> serverSettings() {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("wal_level", "logical");
    settings.put("max_replication_slots", "20");
    settings.put("max_wal_senders", "20");
    settings.put("fsync", "off");
    return settings;
  }

  public static EmbeddedPostgresFixture start() {
    Path root;
    try {
      // Mode 0755, not createTempDirectory's 0700: under root the server runs as another OS user
      // that must traverse this directory.
      root =
          Files.createTempDirectory(
              "pgml-follower-test-",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a directory for the test PostgreSQL", e);
    }
    try {
      EmbeddedPostgres postgres = EmbeddedPostgres.start(options(root, 0));
      return new EmbeddedPostgresFixture(postgres, root);
    } catch (StoreException | RuntimeException e) {
      deleteQuietlyAfterFailure(root, e);
      throw new IllegalStateException("cannot start the test PostgreSQL: " + e.getMessage(), e);
    }
  }

  private static EmbeddedPostgresOptions options(Path root, int port) {
    return new EmbeddedPostgresOptions()
        .dataDirectory(root.resolve("data"))
        .port(port)
        .serverSettings(serverSettings());
  }

  /**
   * Stops the server (fast shutdown: sessions, walsenders included, are ended) and starts it again
   * on the same data directory and port, as a source restart or failover looks to its clients.
   */
  @Override
  public synchronized void restart() {
    int port = postgres.port();
    try {
      postgres.close();
      postgres = EmbeddedPostgres.start(options(root, port));
    } catch (StoreException e) {
      throw new IllegalStateException("cannot restart the test PostgreSQL in " + root, e);
    }
  }

  /** The server underneath, for tests of the embedded server itself. */
  public EmbeddedPostgres postgres() {
    return postgres;
  }

  @Override
  public String host() {
    return postgres.host();
  }

  @Override
  public int port() {
    return postgres.port();
  }

  @Override
  public String superuser() {
    return postgres.superuser();
  }

  @Override
  public String superuserPassword() {
    return postgres.superuserPassword();
  }

  @Override
  public String jdbcUrl(String database) {
    return postgres.jdbcUrl(database);
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (StoreException e) {
      throw new IllegalStateException("cannot stop the test PostgreSQL in " + root, e);
    }
    try {
      deleteTree(root);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the test PostgreSQL's directory " + root, e);
    }
  }

  private static void deleteQuietlyAfterFailure(Path root, Exception failure) {
    try {
      deleteTree(root);
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(path);
      }
    }
  }
}
