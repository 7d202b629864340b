package io.pgmlfollower.featurestore.offline;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.embedded.EmbeddedPostgres;
import io.pgmlfollower.featurestore.embedded.EmbeddedPostgresOptions;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.postgresql.Driver;
import org.postgresql.PGProperty;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the offline store's PostgreSQL is and how to log in as its owner: an embedded server
 * started here, or an external one.
 */
final class OfflineServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OfflineServer.class);

  private final String host;
  private final int port;
  private final String user;
  private final String password;

  /** The JDBC URL for administration (the maintenance database), with any extra parameters. */
  private final String adminUrl;

  private final Optional<EmbeddedPostgres> embedded;

  private OfflineServer(
      String host,
      int port,
      String user,
      String password,
      String adminUrl,
      Optional<EmbeddedPostgres> embedded) {
    this.host = requireNonNull(host, "host is null");
    this.port = port;
    this.user = requireNonNull(user, "user is null");
    this.password = requireNonNull(password, "password is null");
    this.adminUrl = requireNonNull(adminUrl, "adminUrl is null");
    this.embedded = requireNonNull(embedded, "embedded is null");
  }

  static OfflineServer start(OfflineStoreConfig config) throws StoreException {
    return switch (config.mode()) {
      case EMBEDDED -> startEmbedded(config);
      case EXTERNAL -> external(config);
    };
  }

  private static OfflineServer startEmbedded(OfflineStoreConfig config) throws StoreException {
    Path dataDirectory = config.storePath().resolve("offline").resolve("pgdata");
    EmbeddedPostgresOptions options = new EmbeddedPostgresOptions();
    Map<String, String> malloc = mallocEnvironment(System.getenv());
    malloc.forEach(options::serverEnvironment);
    log.info(
        "Embedded PostgreSQL's malloc: GLIBC_TUNABLES={}",
        malloc.getOrDefault("GLIBC_TUNABLES", System.getenv("GLIBC_TUNABLES")));
    EmbeddedPostgres postgres =
        EmbeddedPostgres.start(
            options
                .dataDirectory(dataDirectory)
                .port(config.embeddedPort())
                .serverSettings(
                    Map.of(
                        "fsync",
                        config.fsync() ? "on" : "off",
                        // Nothing replicates from the store: minimal WAL lets a snapshot's
                        // TRUNCATE + COPY in one transaction skip WAL.
                        "wal_level",
                        "minimal",
                        "max_wal_senders",
                        "0",
                        // A snapshot's table file is synced at commit (it skipped WAL): start
                        // its writeback while the COPY runs rather than all at the commit.
                        "backend_flush_after",
                        "2MB",
                        "max_parallel_maintenance_workers",
                        Integer.toString(
                            maintenanceWorkers(Runtime.getRuntime().availableProcessors())))));
    return new OfflineServer(
        postgres.host(),
        postgres.port(),
        postgres.superuser(),
        postgres.superuserPassword(),
        postgres.jdbcUrl("postgres"),
        Optional.of(postgres));
  }

  /**
   * Workers for a snapshot's index builds, besides the building backend. A parallel build hands
   * every worker's sorted run to the leader through temporary files: on 2 cores, with the follower
   * on the same machine, a 1M-row primary key built in 0.29 s serially against 0.31–0.38 s with one
   * worker and 0.36–0.51 s with two (docs/benchmarks.md, "Session 17 runs"). With more cores,
   * PostgreSQL's default (2).
   */
  static int maintenanceWorkers(int processors) {
    return processors <= 2 ? 0 : 2;
  }

  /**
   * What the embedded server's processes add to the follower's environment: {@code
   * GLIBC_TUNABLES=glibc.malloc.hugetlb=1}, appended to the follower's own {@code GLIBC_TUNABLES}
   * when it has one (e.g. {@code glibc.malloc.arena_max=2} for the JVM); nothing when that one sets
   * {@code glibc.malloc.hugetlb} itself, the operator's choice ({@code glibc.malloc.hugetlb=0}
   * turns this off).
   *
   * <p>With it, glibc's malloc (2.35 and later; older versions ignore the tunable) asks for
   * transparent huge pages ({@code madvise(MADV_HUGEPAGE)}) on the large areas it maps, when the
   * kernel's {@code transparent_hugepage/enabled} is {@code madvise} (the common default) or {@code
   * always}. A snapshot's index build sorts in fresh memory (up to the loader's 256 MB of {@code
   * maintenance_work_mem}); touched page by page, a 1M-row primary key took 10,000 page faults,
   * with huge pages 4,000, and its build went from 0.31–0.33 s to 0.24–0.27 s (docs/benchmarks.md,
   * "Session 18 runs"). The server's shared memory is not malloc's and keeps its pages. The cost: a
   * backend's heap grows in 2 MiB steps, and with the kernel's default {@code
   * transparent_hugepage/defrag} ({@code madvise}) a fault there may wait for the kernel to compact
   * memory when no huge page is free.
   */
  static Map<String, String> mallocEnvironment(Map<String, String> followerEnvironment) {
    String hugePages = "glibc.malloc.hugetlb=1";
    String own = followerEnvironment.get("GLIBC_TUNABLES");
    if (own == null || own.isBlank()) {
      return Map.of("GLIBC_TUNABLES", hugePages);
    }
    if (own.contains("glibc.malloc.hugetlb=")) {
      return Map.of();
    }
    return Map.of("GLIBC_TUNABLES", own + ":" + hugePages);
  }

  private static OfflineServer external(OfflineStoreConfig config) throws StoreException {
    String url = config.jdbcUrl().orElseThrow();
    Properties parsed = Driver.parseURL(url, null);
    if (parsed == null) {
      throw new StoreException(StoreErrorCode.CONFIGURATION, "not a PostgreSQL JDBC URL: " + url);
    }
    String host = PGProperty.PG_HOST.getOrDefault(parsed).split(",")[0];
    int port = Integer.parseInt(PGProperty.PG_PORT.getOrDefault(parsed).split(",")[0]);
    return new OfflineServer(
        host,
        port,
        config.user().orElseThrow(),
        config.password().orElseThrow(),
        url,
        Optional.empty());
  }

  /**
   * Completes with a description when the embedded server exits without being closed; never for an
   * external server, whose restarts its clients' reconnects ride out.
   */
  CompletableFuture<String> lost() {
    return embedded
        .map(
            postgres ->
                postgres
                    .unexpectedExit()
                    .thenApply(
                        pid ->
                            "the embedded PostgreSQL (pid "
                                + pid
                                + ", data directory "
                                + postgres.dataDirectory()
                                + ") exited while in use"))
        .orElseGet(CompletableFuture::new);
  }

  String host() {
    return host;
  }

  int port() {
    return port;
  }

  String user() {
    return user;
  }

  /** Owner connections to the maintenance database (to create the store's database). */
  PGSimpleDataSource adminDataSource() {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setUrl(adminUrl);
    dataSource.setUser(user);
    dataSource.setPassword(password);
    return dataSource;
  }

  /** Owner connections to the store's database. */
  PGSimpleDataSource dataSource(String database) {
    PGSimpleDataSource dataSource = adminDataSource();
    dataSource.setDatabaseName(database);
    dataSource.setApplicationName("pgml-follower");
    return dataSource;
  }

  /** Connections to the store's database as another role. */
  PGSimpleDataSource dataSourceAs(String database, String user, String password) {
    PGSimpleDataSource dataSource = dataSource(database);
    dataSource.setUser(user);
    dataSource.setPassword(password);
    dataSource.setApplicationName("pgml-follower as " + user);
    return dataSource;
  }

  /** Like {@link #dataSource}, with string parameters typed by the server (writers bind text). */
  PGSimpleDataSource writerDataSource(String database) {
    PGSimpleDataSource dataSource = dataSource(database);
    dataSource.setStringType("unspecified");
    dataSource.setApplicationName("pgml-follower writer");
    return dataSource;
  }

  /**
   * Like {@link #dataSource}, with {@code session_replication_role = replica} from the start-up
   * packet ({@code options}), for trusted writers of protected tables.
   */
  PGSimpleDataSource protectedWriterDataSource(String database) {
    PGSimpleDataSource dataSource = dataSource(database);
    dataSource.setOptions("-c session_replication_role=replica");
    dataSource.setApplicationName("pgml-follower registry");
    return dataSource;
  }

  @Override
  public void close() throws StoreException {
    if (embedded.isPresent()) {
      embedded.get().close();
    }
  }
}
