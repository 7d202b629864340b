package io.pgmlfollower.replicator.stream;

import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.connection.Lsn;
import io.pgmlfollower.replicator.snapshot.KeepAlive;
import java.util.Map;
import java.util.Set;

/** The source side of {@link TableStates}: what the publication holds, and copying tables. */
public interface PublishedTables {
  /** The tables the publication holds now. */
  Set<TableId> list() throws ReplicatorException;

  /**
   * Copies the tables (those still published) at one new snapshot and stores each with the position
   * its copy is consistent with.
   *
   * @return the snapshot's position, and the tables copied (those not copied left the publication)
   */
  Copied copy(Set<TableId> tables, KeepAlive keepAlive) throws ReplicatorException;

  /**
   * @param position the consistent point of the copy's snapshot
   * @param copied the tables that were copied, by the position they are consistent with
   */
  record Copied(Lsn position, Map<TableId, Lsn> copied) {}
}
