package io.pgmlfollower.trainer.registry;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.trainer.TestSampling;
import java.util.Optional;

/**
 * A {@code pgml.snapshots} row: what was copied (the relation, its target), where the immutable
 * copy is, and the source LSN its rows are consistent with.
 *
 * @param yColumnName the target; null for a snapshot taken without one (clustering, decomposition)
 * @param relation the relation snapshotted; empty for rows written before the registry kept it
 *     apart from {@code relationName}
 * @param table the copy, {@code pgml.snapshot_<id>}; empty when dropped, or for a row written
 *     before snapshots were copied
 * @param status {@code snapshotted} or {@code dropped}
 */
public record SnapshotRow(
    long id,
    String relationName,
    Optional<TableId> relation,
    String yColumnName,
    double testSize,
    TestSampling testSampling,
    long seed,
    Optional<TableId> table,
    long numRows,
    Optional<String> sourceLsn,
    String status) {
  public static final String SNAPSHOTTED = "snapshotted";
  public static final String DROPPED = "dropped";

  public SnapshotRow {
    requireNonNull(relationName, "relationName is null");
    requireNonNull(relation, "relation is null");
    requireNonNull(testSampling, "testSampling is null");
    requireNonNull(table, "table is null");
    requireNonNull(sourceLsn, "sourceLsn is null");
    requireNonNull(status, "status is null");
  }
}
