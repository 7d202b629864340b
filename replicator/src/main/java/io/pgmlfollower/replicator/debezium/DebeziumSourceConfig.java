package io.pgmlfollower.replicator.debezium;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.replicator.PgOutputSourceConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code source.type: debezium}: the source connection (the same keys as {@code pgoutput}: host,
 * port, database, user, password, sslmode, publication, slot), plus {@code
 * source.debezium.heartbeat-interval-ms} and {@code source.debezium.properties}, connector
 * properties passed to Debezium as they are (https://debezium.io/documentation/reference/stable/
 * connectors/postgresql.html#postgresql-connector-properties), except those the follower sets
 * itself ({@link #RESERVED}).
 */
public final class DebeziumSourceConfig {
  /**
   * The connector properties the follower decides: how it connects, what it captures, and the event
   * forms {@link ChangeEvents} reads.
   */
  public static final Set<String> RESERVED =
      Set.of(
          "name",
          "connector.class",
          "offset.storage",
          "offset.storage.file.filename",
          "offset.flush.interval.ms",
          "database.hostname",
          "database.port",
          "database.user",
          "database.password",
          "database.dbname",
          "database.sslmode",
          "topic.prefix",
          "plugin.name",
          "publication.name",
          "publication.autocreate.mode",
          "slot.name",
          "snapshot.mode",
          "snapshot.max.threads",
          "table.include.list",
          "provide.transaction.metadata",
          "decimal.handling.mode",
          "time.precision.mode",
          "binary.handling.mode",
          "interval.handling.mode",
          "hstore.handling.mode",
          "skipped.operations",
          "heartbeat.interval.ms",
          "tombstones.on.delete",
          // Would acknowledge the slot past what the stores hold, or drop it.
          "lsn.flush.mode",
          "flush.lsn.source",
          "slot.drop.on.stop",
          // Would change the events' shape, or what the snapshot reads and in which order.
          "transforms",
          "predicates",
          "snapshot.max.threads.multiplier",
          "snapshot.include.collection.list",
          "table.exclude.list",
          "schema.include.list",
          "schema.exclude.list",
          "column.include.list",
          "column.exclude.list",
          "message.key.columns",
          "converters");

  private final PgOutputSourceConfig connection;
  private Path workDirectory;
  private Duration heartbeatInterval = Duration.ofSeconds(1);
  private Map<String, String> properties = Map.of();

  /**
   * @param connection the source connection: host, port, database, user, password, sslmode,
   *     publication and slot, and the source's name
   */
  public DebeziumSourceConfig(PgOutputSourceConfig connection) {
    this.connection = requireNonNull(connection, "connection is null");
  }

  public PgOutputSourceConfig connection() {
    return connection;
  }

  public String sourceName() {
    return connection.getSourceName();
  }

  /** Where the engine's hand-off file lives ({@link StoredOffsets}): under {@code store.path}. */
  public Path workDirectory() {
    return workDirectory;
  }

  public DebeziumSourceConfig setWorkDirectory(Path workDirectory) {
    this.workDirectory = requireNonNull(workDirectory, "workDirectory is null");
    return this;
  }

  public Duration heartbeatInterval() {
    return heartbeatInterval;
  }

  /**
   * How often Debezium reports its position while no captured table changes: the position is stored
   * and the slot acknowledged up to it, and an empty initial snapshot is seen to end. When the
   * published tables stay idle while other databases write WAL (RDS), Debezium's position moves
   * only with {@code heartbeat.action.query} (a write to a published heartbeat table) in {@link
   * #setProperties}.
   */
  public DebeziumSourceConfig setHeartbeatInterval(Duration heartbeatInterval) {
    requireNonNull(heartbeatInterval, "heartbeatInterval is null");
    if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
      throw new IllegalArgumentException("heartbeatInterval must be positive");
    }
    this.heartbeatInterval = heartbeatInterval;
    return this;
  }

  public Map<String, String> properties() {
    return properties;
  }

  /**
   * Further connector properties, e.g. {@code heartbeat.action.query} or {@code
   * snapshot.fetch.size}.
   *
   * @throws IllegalArgumentException naming a property the follower sets itself
   */
  public DebeziumSourceConfig setProperties(Map<String, String> properties) {
    requireNonNull(properties, "properties is null");
    for (String key : properties.keySet()) {
      if (RESERVED.contains(key)) {
        throw new IllegalArgumentException(
            "the Debezium property " + key + " is set by the follower and cannot be changed");
      }
    }
    this.properties = Map.copyOf(new LinkedHashMap<>(properties));
    return this;
  }

  DebeziumSourceConfig validate() {
    connection.validate();
    requireNonNull(workDirectory, "the Debezium source's work directory is not set");
    return this;
  }
}
