package io.pgmlfollower.serving;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.StoreSpaceGuard;
import io.pgmlfollower.featurestore.TwoStores;
import io.pgmlfollower.featurestore.offline.OfflineStore;
import io.pgmlfollower.featurestore.offline.OfflineStoreConfig;
import io.pgmlfollower.featurestore.online.OnlineStore;
import io.pgmlfollower.featurestore.online.OnlineStoreConfig;
import io.pgmlfollower.featurestore.spi.ChangeSink;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.pgwire.PgWireOptions;
import io.pgmlfollower.pgwire.PgWireServer;
import io.pgmlfollower.pgwire.UpstreamOptions;
import io.pgmlfollower.replicator.PgOutputSource;
import io.pgmlfollower.replicator.ReplicationSource;
import io.pgmlfollower.replicator.ReplicationState;
import io.pgmlfollower.replicator.ReplicationStatus;
import io.pgmlfollower.replicator.connection.Lsn;
import io.pgmlfollower.replicator.debezium.DebeziumSource;
import io.pgmlfollower.replicator.kafka.KafkaSource;
import io.pgmlfollower.serving.config.ConfigException;
import io.pgmlfollower.serving.config.FollowerConfig;
import io.pgmlfollower.serving.config.FollowerConfig.OfflineType;
import io.pgmlfollower.serving.dashboard.DashboardApi;
import io.pgmlfollower.serving.schedule.ChangeCounter;
import io.pgmlfollower.serving.schedule.ProjectTraining;
import io.pgmlfollower.serving.sql.SqlFront;
import io.pgmlfollower.trainer.Trainer;
import io.pgmlfollower.trainer.TrainerConfig;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.sql.Connection;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running follower: offline store, trainer, the PostgreSQL endpoint, the admin endpoint, then
 * replication and scheduled training, started in that order and closed in reverse.
 */
public final class Follower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Follower.class);

  /** The exit status when a restart recovers ({@link #fatalError()}): sysexits' EX_TEMPFAIL. */
  public static final int EXIT_RESTART_NEEDED = 75;

  /** Under this much free space, a crash of the embedded PostgreSQL is blamed on the volume. */
  private static final long LOW_SPACE_BYTES = 64L << 20;

  /** The endpoint user the offline store's pgml.predict functions call back as. */
  private static final String INTERNAL_USER = "pgml_follower_internal";

  /** How often projects with retrain-after-changes compare their change counts. */
  private static final java.time.Duration CHANGE_CHECK_INTERVAL = java.time.Duration.ofSeconds(2);

  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private final String internalPassword =
      java.util.HexFormat.of().formatHex(new java.security.SecureRandom().generateSeed(24));
  private OfflineStore store;
  private Trainer trainer;
  private ReplicationSource source;
  private PgWireServer endpoint;
  private AdminServer admin;
  private java.nio.file.Path storePath;
  private StoreSpaceGuard.FreeSpace freeSpace;
  private boolean closed;

  private Follower() {}

  /** Starts everything; on failure, closes what was started and rethrows. */
  public static Follower start(FollowerConfig config) throws Exception {
    requireNonNull(config, "config is null");
    checkBeforeStart(config);
    Follower follower = new Follower();
    try {
      follower.startAll(config);
      return follower;
    } catch (Exception | Error e) {
      follower.close();
      throw e;
    }
  }

  private void startAll(FollowerConfig config) throws Exception {
    Files.createDirectories(config.store().path());
    store = OfflineStore.open(offlineStoreConfig(config));
    resources.push(store);

    String sourceName = config.source().name();
    trainer =
        new Trainer(
            store.protectedWriterDataSource(),
            // Training reads views clients wrote: as the client role, never as the owner.
            store.clientDataSource(),
            new TrainerConfig()
                .setSourceLsnReader(
                    connection ->
                        Optional.ofNullable(
                                OfflineStore.readOffsets(connection, sourceName).get(""))
                            .map(position -> Lsn.of(position).toString()))
                // Snapshot copies are part of the registry: clients read them, writes get 25006.
                .setSnapshotGuard(
                    (owner, table, readerRole) ->
                        store.protectTable(
                            owner,
                            table,
                            "an immutable training snapshot, written only by pgml.snapshot",
                            "take a new snapshot with pgml.snapshot, or drop this one with"
                                + " pgml.drop_snapshot")));
    trainer.initialize();
    protectRegistry();
    FollowerMetrics metrics = new FollowerMetrics();
    metrics.bindOfflineStore(store.dataSource());
    Optional<OnlineStore> online = Optional.empty();
    Optional<TwoStores> twoStores = Optional.empty();
    ChangeSink sink = store;
    if (config.store().online().type() == FollowerConfig.OnlineType.ROCKSDB) {
      OnlineStore onlineStore =
          OnlineStore.open(
              new OnlineStoreConfig()
                  .path(config.store().path().resolve("online"))
                  .blockCacheBytes((long) config.store().online().blockCacheMb() << 20)
                  .rowCacheBytes((long) config.store().online().rowCacheMb() << 20));
      resources.push(onlineStore);
      online = Optional.of(onlineStore);
      TwoStores stores =
          config.store().online().loadFrom() == FollowerConfig.OnlineLoadFrom.OFFLINE
              ? new TwoStores(store, onlineStore, store)
              : new TwoStores(store, onlineStore);
      resources.push(stores); // after the source stops, before the stores close
      twoStores = Optional.of(stores);
      sink = stores;
      metrics.bindOnlineStore(onlineStore);
    }
    storePath = config.store().path();
    freeSpace = StoreSpaceGuard.FreeSpace.ofVolume(storePath);
    StoreSpaceGuard spaceGuard =
        new StoreSpaceGuard(
            sink, config.store().path(), freeSpace, (long) config.store().minFreeMb() << 20);
    sink = spaceGuard;
    metrics.bindStoreSpace(freeSpace, spaceGuard);
    TrainerModelService models =
        new TrainerModelService(trainer, metrics, new KeyLookup(store.clientDataSource(), online));

    ChangeCounter changes = new ChangeCounter(sink);
    source =
        switch (config.source().type()) {
          case KAFKA ->
              new KafkaSource(
                  ModuleConfigs.kafkaSource(config.source(), config.store().path()), changes);
          case DEBEZIUM ->
              new DebeziumSource(
                  ModuleConfigs.debeziumSource(config.source(), config.store().path()), changes);
          default -> new PgOutputSource(ModuleConfigs.pgOutputSource(config.source()), changes);
        };
    resources.push(() -> source.close());
    // Before the source stops: its last batch may wait behind the online store's snapshot load,
    // which would otherwise run to its end first.
    twoStores.ifPresent(stores -> resources.push(stores::stopLoads));
    metrics.bindReplication(source);

    Vertx vertx = Vertx.vertx();
    resources.push(() -> vertx.close().toCompletionStage().toCompletableFuture().get());
    SourceReplicationService replication = new SourceReplicationService(source);
    endpoint =
        new PgWireServer(
            vertx,
            pgWireOptions(config),
            SqlFront.sessionHandlers(models, replication, Version.current()));
    endpoint.start();
    resources.push(endpoint);
    metrics.bindEndpoint(endpoint);
    InQueryPredictions.install(
        store.dataSource(),
        store.clientRole().name(),
        loopbackFor(config.serve().host()),
        endpoint.port(),
        config.source().database(),
        INTERNAL_USER,
        internalPassword);
    // \df pgml.* and DatabaseMetaData list every pgml function under its real signature.
    CatalogFunctions.install(
        store.dataSource(),
        SqlFront.catalogDefinitions(
            models, replication, Version.current(), CatalogFunctions.IN_QUERY));

    admin =
        AdminServer.start(
            vertx,
            config.admin().host(),
            config.admin().port(),
            readiness(config.admin().readyMaxLagSeconds()),
            metrics::scrape,
            new DashboardApi(
                    vertx,
                    source::status,
                    () -> trainer.progress().running(),
                    store.clientDataSource(),
                    endpointUsers(config),
                    config.serve().auth() == FollowerConfig.AuthMethod.TRUST,
                    models)
                ::mount);
    resources.push(admin);

    // Replication starts once both endpoints answer: during a long initial snapshot clients can
    // follow its progress (pgml.replication_status(), /health/ready, /metrics), and the endpoint's
    // own start-up does not compete with the copy for the CPU.
    source.start();

    ProjectTraining training =
        new ProjectTraining(
            trainer,
            source,
            changes,
            config.projects(),
            java.time.Clock.systemDefaultZone(),
            CHANGE_CHECK_INTERVAL);
    resources.push(training);
    training.start();
    LOG.info(
        "pgml-follower {} ready: psql -h {} -p {} -U <user> {}  (admin http://{}:{}/health/ready)",
        Version.current(),
        config.serve().host(),
        endpoint.port(),
        config.source().database(),
        config.admin().host(),
        admin.port());
  }

  private static void checkBeforeStart(FollowerConfig config) {
    FollowerConfig.Tls tls = config.serve().tls();
    if (tls != null) {
      for (var file :
          java.util.Map.of("serve.tls.cert", tls.cert(), "serve.tls.key", tls.key()).entrySet()) {
        if (!Files.isReadable(file.getValue())) {
          throw new ConfigException(
              file.getKey(),
              "%s: %s does not exist or is not readable".formatted(file.getKey(), file.getValue()));
        }
      }
    }
  }

  private static OfflineStoreConfig offlineStoreConfig(FollowerConfig config) {
    FollowerConfig.Offline offline = config.store().offline();
    OfflineStoreConfig storeConfig =
        new OfflineStoreConfig()
            .storePath(config.store().path())
            .database(config.source().database());
    if (offline.type() == OfflineType.EXTERNAL) {
      storeConfig.mode(OfflineStoreConfig.Mode.EXTERNAL).jdbcUrl(offline.url());
      if (offline.user() != null) {
        storeConfig.user(offline.user());
      }
      if (offline.password() != null) {
        storeConfig.password(offline.password());
      }
    } else {
      storeConfig.mode(OfflineStoreConfig.Mode.EMBEDDED);
    }
    return storeConfig;
  }

  /** The endpoint's users (serve.users) by name: the dashboard signs them in too. */
  private static Map<String, String> endpointUsers(FollowerConfig config) {
    return config.serve().users().stream()
        .collect(
            Collectors.toMap(
                FollowerConfig.User::name,
                u -> u.password() == null ? "" : u.password(),
                (a, b) -> b));
  }

  private PgWireOptions pgWireOptions(FollowerConfig config) {
    Map<String, String> users = endpointUsers(config);
    if (users.containsKey(INTERNAL_USER)) {
      throw new ConfigException(
          "serve.users", "serve.users: the name " + INTERNAL_USER + " is reserved by the follower");
    }
    users = new java.util.HashMap<>(users);
    users.put(INTERNAL_USER, internalPassword);
    PgWireOptions options = new PgWireOptions();
    if (config.serve().tls() != null) {
      options.setTls(
          new PgWireOptions.Tls(config.serve().tls().cert(), config.serve().tls().key()));
    }
    return options
        .setHost(config.serve().host())
        .setPort(config.serve().port())
        .setMaxConnections(config.serve().maxConnections())
        .setMaxMessageSize(config.serve().maxMessageSizeMb() << 20)
        .setAuthenticationTimeout(
            java.time.Duration.ofSeconds(config.serve().authenticationTimeoutSeconds()))
        .setIdleSessionTimeout(
            java.time.Duration.ofSeconds(config.serve().idleSessionTimeoutSeconds()))
        .setStatementTimeout(java.time.Duration.ofSeconds(config.serve().statementTimeoutSeconds()))
        .setAuthMethod(io.pgmlfollower.pgwire.AuthMethod.valueOf(config.serve().auth().name()))
        .setUsers(users)
        .setUpstream(
            new UpstreamOptions()
                .setHost(store.host())
                .setPort(store.port())
                .setUser(store.clientRole().name())
                .setPassword(store.clientRole().password()));
  }

  /** Where the offline store reaches the endpoint: a wildcard listen address means loopback. */
  private static String loopbackFor(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("*") ? "127.0.0.1" : host;
  }

  /** The registry is read-only for clients, like replicated tables (25006 on writes). */
  private void protectRegistry() throws Exception {
    try (Connection connection = store.dataSource().getConnection()) {
      for (String table : trainer.registryTables()) {
        int dot = table.indexOf('.');
        TableId id =
            dot < 0
                ? new TableId("pgml", table)
                : new TableId(table.substring(0, dot), table.substring(dot + 1));
        store.protectTable(
            connection,
            id,
            "the pgml model registry, written only by pgml functions",
            "use pgml.train and pgml.deploy to change models");
      }
    }
  }

  /** The source's state, and its lag when {@code admin.ready-max-lag-seconds} limits it. */
  private Readiness readiness(int maxLagSeconds) {
    ReplicationSource replication = source;
    return new Readiness() {
      @Override
      public String notReadyReason() {
        return Follower.notReadyReason(replication.status(), maxLagSeconds);
      }

      @Override
      public void addListener(Runnable listener) {
        replication.addStateListener(listener);
      }

      @Override
      public boolean changesUnannounced() {
        return maxLagSeconds > 0;
      }
    };
  }

  /**
   * Why a follower in this state is not ready (null when it is): replication must be streaming, and
   * lag no more than {@code maxLagSeconds} when that is positive.
   */
  static String notReadyReason(ReplicationStatus status, int maxLagSeconds) {
    if (status.state() != ReplicationState.STREAMING) {
      return "replication is " + status.state() + status.lastError().map(e -> ": " + e).orElse("");
    }
    if (maxLagSeconds > 0 && status.lagMillis() > maxLagSeconds * 1000L) {
      return "replication lags "
          + status.lagMillis()
          + " ms, more than admin.ready-max-lag-seconds ("
          + maxLagSeconds
          + " s)";
    }
    return null;
  }

  public int endpointPort() {
    return endpoint.port();
  }

  public int adminPort() {
    return admin.port();
  }

  /**
   * Completes with the reason when the follower can no longer work and only a restart of the
   * process recovers it: its embedded PostgreSQL exited under it. {@code run} then stops the
   * process with {@link #EXIT_RESTART_NEEDED}; a supervisor (Kubernetes, systemd) starts it again.
   */
  public CompletableFuture<String> fatalError() {
    return store.serverLost().thenApply(reason -> reason + spaceNote());
  }

  /**
   * Why PostgreSQL most often dies under a follower: its volume filled up (it PANICs when it cannot
   * write WAL; store.min-free-mb 0, or another process filled the volume). Said with the reason, so
   * the operator grows the volume before the restart, which would fail the same way.
   */
  private String spaceNote() {
    if (freeSpace == null) {
      return "";
    }
    try {
      long free = freeSpace.bytes();
      return free < LOW_SPACE_BYTES
          ? "; store.path %s has %d MiB free: the volume is full, free space or grow it first"
              .formatted(storePath, free >> 20)
          : "";
    } catch (java.io.IOException e) {
      return "; the free space of store.path " + storePath + " cannot be read: " + e.getMessage();
    }
  }

  public ReplicationStatus replicationStatus() {
    return source.status();
  }

  public ReplicationSource source() {
    return source;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    while (!resources.isEmpty()) {
      AutoCloseable resource = resources.pop();
      try {
        resource.close();
      } catch (Exception e) {
        LOG.warn("error while stopping {}", resource, e);
      }
    }
    LOG.info("pgml-follower stopped");
  }
}
