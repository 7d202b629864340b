package io.pgmlfollower.trainer;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Reads the source LSN the offline store is consistent with, inside the transaction that reads the
 * training data, so that {@code pgml.snapshots.source_lsn} describes exactly the rows trained on.
 * The replicator stores its applied LSN in the same transaction as the rows it applies; the lead
 * wires an implementation that selects it.
 */
@FunctionalInterface
public interface SourceLsnReader {
  /** For stores that are not fed by replication (tests, external stores): no LSN. */
  SourceLsnReader NONE = connection -> Optional.empty();

  /**
   * @param connection the snapshot's connection, inside its REPEATABLE READ transaction; do not
   *     commit or close it
   * @return the LSN in PostgreSQL's text form, e.g. {@code 0/16B3748}, or empty when unknown
   */
  Optional<String> read(Connection connection) throws SQLException;
}
