package io.pgmlfollower.replicator.snapshot;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.connection.Lsn;
import io.pgmlfollower.replicator.connection.ReplicationConnection;
import io.pgmlfollower.replicator.connection.SlotCreation;
import io.pgmlfollower.replicator.connection.SourceConnections;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies tables that joined the publication after the initial snapshot, the way PostgreSQL's own
 * table synchronization does
 * (https://www.postgresql.org/docs/current/logical-replication-architecture.html#LOGICAL-REPLICATION-SNAPSHOT):
 * a TEMPORARY slot on a second replication connection exports a snapshot, the tables are copied in
 * it and committed with the slot's consistent point as their position, and the slot is gone with
 * the connection. The main stream then applies a change to such a table only when its transaction
 * committed at or after that point; every earlier one is in the copy.
 */
public final class TableSync {
  private static final Logger log = LoggerFactory.getLogger(TableSync.class);

  private final SourceConnections connections;
  private final SnapshotCopy copy;
  private final String slotName;

  /**
   * @param slotName the temporary slot's name (the main slot's, suffixed: one sync runs at a time)
   */
  public TableSync(SourceConnections connections, SnapshotCopy copy, String slotName) {
    this.connections = requireNonNull(connections, "connections is null");
    this.copy = requireNonNull(copy, "copy is null");
    this.slotName = requireNonNull(slotName, "slotName is null");
  }

  /**
   * The result of one sync.
   *
   * @param position the consistent point the copies are stored with
   * @param copied the tables copied: those of the request still published at {@code position}
   */
  public record Result(Lsn position, List<TableSpec> copied) {}

  public Result sync(Set<TableId> tables, KeepAlive keepAlive) throws ReplicatorException {
    log.info("Copying {} (added to the publication) with temporary slot {}", tables, slotName);
    try (ReplicationConnection replication = ReplicationConnection.open(connections)) {
      SlotCreation slot = replication.createTemporarySlotExportingSnapshot(slotName);
      keepAlive.ping();
      List<TableSpec> copied = copy.tables(slot, tables, keepAlive);
      log.info(
          "Copied {} at {}; their changes from there on come from the stream",
          copied.stream().map(TableSpec::id).toList(),
          slot.consistentPoint());
      return new Result(slot.consistentPoint(), copied);
    }
  }
}
