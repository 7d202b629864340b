package io.pgmlfollower.replicator.stream;

import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.replicator.ReplicatorException;

/**
 * What must happen around a change of a table's shape in the sink: row changes carry one value per
 * column of the shape the sink holds when they are applied.
 */
interface ShapeChangeListener {
  /** Before the sink's table changes: apply committed changes still held in the old shape. */
  void beforeShapeChange() throws ReplicatorException;

  /** After: rewrite the current transaction's rows of the table to the new shape. */
  void afterShapeChange(TableSpec before, TableSpec after);
}
