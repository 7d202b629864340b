package io.pgmlfollower.trainer;

import io.pgmlfollower.featurestore.spi.TableId;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Protects a new training snapshot's copy, in the transaction that creates it: the role that reads
 * training data must be able to read it, and nobody but the trainer may change it (a snapshot is
 * immutable: that is what makes a model traceable and a retraining reproducible).
 */
@FunctionalInterface
public interface SnapshotGuard {
  /**
   * Grants SELECT to the reading role and nothing else: writes by that role fail on privileges
   * (42501). The follower installs a guard that refuses them with 25006, like the rest of the
   * registry.
   */
  SnapshotGuard GRANT_SELECT =
      (owner, table, readerRole) -> {
        try (var statement = owner.createStatement()) {
          statement.execute(
              "GRANT SELECT ON " + table.quoted() + " TO " + TableId.quoteIdentifier(readerRole));
        }
      };

  /**
   * @param owner the registry owner's connection, inside the snapshot's transaction
   * @param table the copy, {@code pgml.snapshot_<id>}
   * @param readerRole the role that read the relation (and will read the copy)
   */
  void protect(Connection owner, TableId table, String readerRole) throws SQLException;
}
