package io.pgmlfollower.replicator.connection;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.replicator.ReplicatorErrorCode;
import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.pgoutput.PgOutputDecoder;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.replication.PGReplicationStream;
import org.postgresql.replication.ReplicationSlotInfo;

/**
 * A walsender connection in database mode
 * (https://www.postgresql.org/docs/current/protocol-replication.html).
 */
public final class ReplicationConnection implements AutoCloseable {
  private static final String OUTPUT_PLUGIN = "pgoutput";

  private final Connection jdbc;
  private final PGConnection connection;

  public ReplicationConnection(Connection jdbc) throws ReplicatorException {
    this.jdbc = requireNonNull(jdbc, "jdbc is null");
    try {
      this.connection = jdbc.unwrap(PGConnection.class);
    } catch (SQLException e) {
      throw ReplicatorException.fromSql("unwrap the replication connection", e);
    }
  }

  public static ReplicationConnection open(SourceConnections connections)
      throws ReplicatorException {
    Connection jdbc = connections.openReplication();
    try {
      return new ReplicationConnection(jdbc);
    } catch (ReplicatorException e) {
      SourceConnections.closeQuietlyAfter(jdbc, e);
      throw e;
    }
  }

  /**
   * Creates a pgoutput slot and exports its snapshot. pgjdbc sends {@code CREATE_REPLICATION_SLOT
   * <slot> LOGICAL pgoutput}, whose snapshot action defaults to EXPORT_SNAPSHOT, and reads {@code
   * consistent_point} and {@code snapshot_name} from the reply. The snapshot lives until this
   * connection runs its next command: keep it idle until every table is copied.
   */
  public SlotCreation createSlotExportingSnapshot(String slot) throws ReplicatorException {
    return createSlot(slot, false);
  }

  /**
   * {@link #createSlotExportingSnapshot}, the slot marked for failover as it is created (PostgreSQL
   * 17+, {@code CREATE_REPLICATION_SLOT s LOGICAL pgoutput (SNAPSHOT 'export', FAILOVER true)},
   * https://www.postgresql.org/docs/17/protocol-replication.html): no {@link #enableFailover} round
   * trip, with its write of the slot to disk, between the snapshot's commit and the stream.
   * pgjdbc's slot builder has no such option, so the command is sent as it is.
   */
  public SlotCreation createFailoverSlotExportingSnapshot(String slot) throws ReplicatorException {
    checkSlotName(slot);
    try (java.sql.Statement statement = jdbc.createStatement()) {
      statement.execute(
          "CREATE_REPLICATION_SLOT "
              + slot
              + " LOGICAL "
              + OUTPUT_PLUGIN
              + " (SNAPSHOT 'export', FAILOVER true)");
      try (java.sql.ResultSet result = statement.getResultSet()) {
        if (result == null || !result.next() || result.getString("snapshot_name") == null) {
          throw new ReplicatorException(
              ReplicatorErrorCode.PROTOCOL_VIOLATION,
              "CREATE_REPLICATION_SLOT " + slot + " returned no exported snapshot");
        }
        return new SlotCreation(
            result.getString("slot_name"),
            Lsn.parse(result.getString("consistent_point")),
            result.getString("snapshot_name"));
      }
    } catch (SQLException e) {
      throw ReplicatorException.fromSql("create replication slot " + slot, e);
    }
  }

  /**
   * Like {@link #createSlotExportingSnapshot} but TEMPORARY: the server drops the slot when this
   * connection ends, however it ends, so a crash leaves nothing behind that retains WAL. Used to
   * copy a table added to the publication while streaming: its copy is consistent with this slot's
   * consistent point, and the main stream takes the table's changes from there on.
   */
  public SlotCreation createTemporarySlotExportingSnapshot(String slot) throws ReplicatorException {
    return createSlot(slot, true);
  }

  private SlotCreation createSlot(String slot, boolean temporary) throws ReplicatorException {
    ReplicationSlotInfo info;
    try {
      var builder =
          connection
              .getReplicationAPI()
              .createReplicationSlot()
              .logical()
              .withSlotName(slot)
              .withOutputPlugin(OUTPUT_PLUGIN);
      if (temporary) {
        builder = builder.withTemporaryOption();
      }
      info = builder.make();
    } catch (SQLException e) {
      throw ReplicatorException.fromSql("create replication slot " + slot, e);
    }
    if (info.getSnapshotName() == null) {
      throw new ReplicatorException(
          ReplicatorErrorCode.PROTOCOL_VIOLATION,
          "CREATE_REPLICATION_SLOT " + slot + " returned no exported snapshot");
    }
    return new SlotCreation(
        info.getSlotName(), Lsn.fromPgjdbc(info.getConsistentPoint()), info.getSnapshotName());
  }

  /** Slot names go into replication commands as they are: only what PostgreSQL allows. */
  private static void checkSlotName(String slot) throws ReplicatorException {
    if (!slot.matches("[a-z0-9_]+")) {
      throw new ReplicatorException(
          ReplicatorErrorCode.INVALID_CONFIGURATION, "invalid replication slot name: " + slot);
    }
  }

  /**
   * Marks the slot as a failover slot (PostgreSQL 17+, {@code ALTER_REPLICATION_SLOT s (FAILOVER
   * true)},
   * https://www.postgresql.org/docs/17/logicaldecoding-explanation.html#LOGICALDECODING-REPLICATION-SLOTS-SYNCHRONIZATION):
   * a standby with {@code sync_replication_slots = on} keeps a copy of it, so after the primary
   * fails over to that standby the follower goes on from its position instead of finding its slot
   * gone. Harmless where no standby syncs slots. Must not run on a connection whose exported
   * snapshot is still in use.
   */
  public void enableFailover(String slot) throws ReplicatorException {
    checkSlotName(slot);
    try (java.sql.Statement statement = jdbc.createStatement()) {
      statement.execute("ALTER_REPLICATION_SLOT " + slot + " ( FAILOVER true )");
    } catch (SQLException e) {
      throw ReplicatorException.fromSql("mark replication slot " + slot + " for failover", e);
    }
  }

  /**
   * Sends {@code START_REPLICATION SLOT s LOGICAL start (proto_version 'n', publication_names 'p'
   * [, streaming 'on'])}
   * (https://www.postgresql.org/docs/current/protocol-logical-replication.html). With protocol
   * version 2 the server streams large in-progress transactions instead of spilling them to disk
   * until commit. Automatic flush is off: since 42.7 pgjdbc otherwise advances the flushed LSN from
   * keepalives (pgjdbc #2941), acknowledging what the store may not hold yet. The caller reports
   * flushed positions itself, only after the store made them durable.
   */
  public PGReplicationStream startStreaming(
      String slot,
      String publication,
      Lsn start,
      Duration statusInterval,
      int protocolVersion,
      boolean messages)
      throws ReplicatorException {
    try {
      var builder =
          connection
              .getReplicationAPI()
              .replicationStream()
              .logical()
              .withSlotName(slot)
              .withStartPosition(start.toPgjdbc())
              .withSlotOption("proto_version", protocolVersion)
              .withSlotOption("publication_names", quotePublication(publication));
      if (protocolVersion >= PgOutputDecoder.PROTOCOL_VERSION_2) {
        builder = builder.withSlotOption("streaming", "on");
      }
      if (messages) {
        // pg_logical_emit_message() output, for the store (PostgreSQL 14+).
        builder = builder.withSlotOption("messages", "true");
      }
      return builder
          .withStatusInterval(Math.toIntExact(statusInterval.toMillis()), TimeUnit.MILLISECONDS)
          .withAutomaticFlush(false)
          .start();
    } catch (SQLException e) {
      throw ReplicatorException.fromSql("start replication from slot " + slot + " at " + start, e);
    }
  }

  /**
   * {@code publication_names} is parsed as a comma-separated list of identifiers, so a name that is
   * not a lower-case plain identifier must be double-quoted. pgjdbc wraps the value in single
   * quotes without escaping; the configuration refuses names containing one.
   */
  static String quotePublication(String publication) {
    if (publication.matches("[a-z_][a-z0-9_$]*")) {
      return publication;
    }
    return '"' + publication.replace("\"", "\"\"") + '"';
  }

  @Override
  public void close() throws ReplicatorException {
    try {
      jdbc.close();
    } catch (SQLException e) {
      throw ReplicatorException.fromSql("close the replication connection", e);
    }
  }
}
