package io.pgmlfollower.replicator.stream;

import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.pgoutput.RelationMessage;

/** Where the stream gets table shapes from (the source catalog) and sends them to (the sink). */
public interface TableSpecs {
  /**
   * The table's current shape on the source; built from the Relation message itself when the table
   * no longer exists there (dropped after the change was written).
   */
  TableSpec read(TableId table, RelationMessage relation) throws ReplicatorException;

  /** Brings the sink's table to this shape ({@code ChangeSink.ensureTables}). */
  void ensure(TableSpec spec) throws ReplicatorException;
}
