package io.pgmlfollower.serving.config;

import static java.util.Objects.requireNonNullElse;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The follower's YAML configuration, key for key (see docs/configuration.md). Defaults live here
 * and nowhere else; {@code FollowerConfigTest} pins them and the key mapping.
 */
public record FollowerConfig(
    Source source, Store store, Serve serve, Admin admin, List<Project> projects) {

  public FollowerConfig {
    serve = requireNonNullElse(serve, Serve.DEFAULT);
    admin = requireNonNullElse(admin, Admin.DEFAULT);
    projects = List.copyOf(requireNonNullElse(projects, List.of()));
  }

  public enum SourceType {
    @JsonProperty("pgoutput")
    PGOUTPUT,
    @JsonProperty("debezium")
    DEBEZIUM,
    @JsonProperty("kafka")
    KAFKA
  }

  public enum SslMode {
    @JsonProperty("disable")
    DISABLE,
    @JsonProperty("prefer")
    PREFER,
    @JsonProperty("require")
    REQUIRE,
    @JsonProperty("verify-full")
    VERIFY_FULL;

    /** The pgjdbc {@code sslmode} value. */
    public String jdbcValue() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  public record Source(
      SourceType type,
      String name,
      String host,
      Integer port,
      String database,
      String user,
      String password,
      SslMode sslmode,
      String publication,
      String slot,
      Boolean streaming,
      @JsonProperty("max-streamed-transaction-bytes") Long maxStreamedTransactionBytes,
      @JsonProperty("publication-refresh-seconds") Integer publicationRefreshSeconds,
      @JsonProperty("resnapshot-on-slot-loss") Boolean resnapshotOnSlotLoss,
      @JsonProperty("snapshot-connections") Integer snapshotConnections,
      Kafka kafka,
      Debezium debezium) {
    public Source {
      snapshotConnections = requireNonNullElse(snapshotConnections, 1);
      publicationRefreshSeconds = requireNonNullElse(publicationRefreshSeconds, 10);
      resnapshotOnSlotLoss = requireNonNullElse(resnapshotOnSlotLoss, false);
      streaming = requireNonNullElse(streaming, true);
      maxStreamedTransactionBytes = requireNonNullElse(maxStreamedTransactionBytes, 256L << 20);
      type = requireNonNullElse(type, SourceType.PGOUTPUT);
      if (database == null && type == SourceType.KAFKA) {
        database = "pgml"; // the database clients name; a Kafka source has no source database
      }
      name = requireNonNullElse(name, "source");
      port = requireNonNullElse(port, 5432);
      sslmode = requireNonNullElse(sslmode, SslMode.PREFER);
      slot = requireNonNullElse(slot, "pgml_follower");
      debezium = requireNonNullElse(debezium, new Debezium(null, null));
    }
  }

  /**
   * {@code source.type: debezium}: Debezium Embedded's heartbeat interval, and further connector
   * properties passed as they are.
   */
  public record Debezium(
      @JsonProperty("heartbeat-interval-ms") Integer heartbeatIntervalMs,
      Map<String, String> properties) {
    public Debezium {
      heartbeatIntervalMs = requireNonNullElse(heartbeatIntervalMs, 1000);
      properties = properties == null ? Map.of() : Map.copyOf(properties);
    }
  }

  public record Kafka(
      @JsonProperty("bootstrap-servers") String bootstrapServers,
      @JsonProperty("topic-prefix") String topicPrefix,
      @JsonProperty("group-id") String groupId,
      @JsonProperty("apply-threads") Integer applyThreads,
      @JsonProperty("key-converter") String keyConverter,
      @JsonProperty("value-converter") String valueConverter,
      @JsonProperty("converter-properties") Map<String, String> converterProperties) {
    public Kafka {
      groupId = requireNonNullElse(groupId, "pgml-follower");
      applyThreads = requireNonNullElse(applyThreads, 4);
      keyConverter =
          requireNonNullElse(keyConverter, "org.apache.kafka.connect.json.JsonConverter");
      valueConverter =
          requireNonNullElse(valueConverter, "org.apache.kafka.connect.json.JsonConverter");
      converterProperties =
          converterProperties == null ? Map.of() : Map.copyOf(converterProperties);
    }
  }

  public enum OfflineType {
    @JsonProperty("embedded")
    EMBEDDED,
    @JsonProperty("external")
    EXTERNAL
  }

  public enum OnlineType {
    @JsonProperty("rocksdb")
    ROCKSDB,
    @JsonProperty("none")
    NONE
  }

  public record Store(
      Path path, Offline offline, Online online, @JsonProperty("min-free-mb") Integer minFreeMb) {
    public Store {
      offline = requireNonNullElse(offline, Offline.DEFAULT);
      online = requireNonNullElse(online, Online.DEFAULT);
      minFreeMb = requireNonNullElse(minFreeMb, 256);
    }
  }

  /**
   * The offline PostgreSQL. {@code user}/{@code password} (external only) are an extension of the
   * contract: credentials may also be given in the URL.
   */
  public record Offline(OfflineType type, String url, String user, String password) {
    static final Offline DEFAULT = new Offline(null, null, null, null);

    public Offline {
      type = requireNonNullElse(type, OfflineType.EMBEDDED);
    }
  }

  /** Where the online store's snapshot rows come from ({@code store.online.load-from}). */
  public enum OnlineLoadFrom {
    /**
     * The offline store, once it holds the snapshot: the follower is ready then, and reads rows by
     * key from the offline store until the online store is loaded.
     */
    @JsonProperty("offline")
    OFFLINE,
    /** The source's COPY, beside the offline store: ready once both hold the snapshot. */
    @JsonProperty("source")
    SOURCE
  }

  /**
   * The online store. {@code block-cache-mb}, {@code row-cache-mb} and {@code load-from} extend the
   * contract (docs/configuration.md).
   */
  public record Online(
      OnlineType type,
      @JsonProperty("block-cache-mb") Integer blockCacheMb,
      @JsonProperty("row-cache-mb") Integer rowCacheMb,
      @JsonProperty("load-from") OnlineLoadFrom loadFrom) {
    static final Online DEFAULT = new Online(null, null, null, null);

    public Online {
      type = requireNonNullElse(type, OnlineType.ROCKSDB);
      blockCacheMb = requireNonNullElse(blockCacheMb, 64);
      rowCacheMb = requireNonNullElse(rowCacheMb, 64);
      loadFrom = requireNonNullElse(loadFrom, OnlineLoadFrom.OFFLINE);
    }
  }

  public enum AuthMethod {
    @JsonProperty("trust")
    TRUST,
    @JsonProperty("password")
    PASSWORD,
    @JsonProperty("md5")
    MD5,
    @JsonProperty("scram-sha-256")
    SCRAM_SHA_256
  }

  public record Serve(
      String host,
      Integer port,
      AuthMethod auth,
      List<User> users,
      Tls tls,
      @JsonProperty("max-connections") Integer maxConnections,
      @JsonProperty("max-message-size-mb") Integer maxMessageSizeMb,
      @JsonProperty("authentication-timeout-seconds") Integer authenticationTimeoutSeconds,
      @JsonProperty("idle-session-timeout-seconds") Integer idleSessionTimeoutSeconds,
      @JsonProperty("statement-timeout-seconds") Integer statementTimeoutSeconds) {
    static final Serve DEFAULT =
        new Serve(null, null, null, null, null, null, null, null, null, null);

    public Serve {
      host = requireNonNullElse(host, "127.0.0.1");
      port = requireNonNullElse(port, 6433);
      auth = requireNonNullElse(auth, AuthMethod.SCRAM_SHA_256);
      users = List.copyOf(requireNonNullElse(users, List.of()));
      maxConnections = requireNonNullElse(maxConnections, 100);
      maxMessageSizeMb = requireNonNullElse(maxMessageSizeMb, 64);
      authenticationTimeoutSeconds = requireNonNullElse(authenticationTimeoutSeconds, 60);
      idleSessionTimeoutSeconds = requireNonNullElse(idleSessionTimeoutSeconds, 0);
      statementTimeoutSeconds = requireNonNullElse(statementTimeoutSeconds, 0);
    }

    /** The endpoint's usual settings: address, port, authentication, users, TLS. */
    public Serve(String host, Integer port, AuthMethod auth, List<User> users, Tls tls) {
      this(host, port, auth, users, tls, null, null, null, null, null);
    }
  }

  public record User(String name, String password) {}

  public record Tls(Path cert, Path key) {}

  /**
   * The admin HTTP server.
   *
   * @param readyMaxLagSeconds {@code /health/ready} answers 503 while replication lags more than
   *     this (the source commit time of the transaction being received); 0, the default, sets no
   *     bound: a lagging follower still serves, with older data
   */
  public record Admin(
      String host,
      Integer port,
      @JsonProperty("ready-max-lag-seconds") Integer readyMaxLagSeconds) {
    static final Admin DEFAULT = new Admin(null, null, null);

    public Admin {
      host = requireNonNullElse(host, "127.0.0.1");
      port = requireNonNullElse(port, 9187);
      readyMaxLagSeconds = requireNonNullElse(readyMaxLagSeconds, 0);
    }

    /** Address and port, with no lag bound on readiness. */
    public Admin(String host, Integer port) {
      this(host, port, null);
    }
  }

  public enum Task {
    @JsonProperty("regression")
    REGRESSION,
    @JsonProperty("classification")
    CLASSIFICATION,
    @JsonProperty("clustering")
    CLUSTERING,
    @JsonProperty("decomposition")
    DECOMPOSITION;

    /** Whether projects of the task name a {@code target} (regression and classification do). */
    public boolean supervised() {
      return this == REGRESSION || this == CLASSIFICATION;
    }
  }

  public record Project(
      String name,
      Task task,
      String relation,
      String target,
      String algorithm,
      Map<String, Object> hyperparams,
      String schedule,
      @JsonProperty("retrain-after-changes") Long retrainAfterChanges) {
    public Project {
      algorithm = requireNonNullElse(algorithm, "linear");
      hyperparams = Map.copyOf(requireNonNullElse(hyperparams, Map.of()));
    }
  }
}
