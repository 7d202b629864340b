package io.pgmlfollower.featurestore.spi;

import java.io.OutputStream;
import java.util.List;

/**
 * Loads a consistent initial copy of a source's tables as one atomic unit: nothing is visible, and
 * no offset is stored, until {@link #commit} returns. Closing without commit discards everything,
 * so a crash mid-snapshot leaves the store as it was and the source snapshots again.
 */
public interface SnapshotLoader extends AutoCloseable {
  /**
   * The format this loader takes the table's rows in: {@link CopyFormat#BINARY} only when it reads
   * the binary form of every column's type; text otherwise.
   */
  default CopyFormat formatFor(TableSpec table) {
    return CopyFormat.TEXT;
  }

  /**
   * Announces the tables this load will copy, in the order it will copy them, before the first
   * {@link #copyIn}: a loader may set them up together (one round trip for all, not one each).
   * Optional: a table that was not announced is set up when its copy starts.
   */
  default void prepare(List<TableSpec> tables) throws StoreException {}

  /**
   * Replaces the table's contents with the rows written to the returned stream, in COPY text format
   * (columns in {@link TableSpec} order). Close the stream to finish the table.
   */
  default OutputStream copyIn(TableSpec table) throws StoreException {
    return copyIn(table, CopyFormat.TEXT);
  }

  /**
   * Replaces the table's contents with the rows written to the returned stream, in {@code format}
   * (which {@link #formatFor} allowed; a binary stream is whole: header, rows, end marker), columns
   * in {@link TableSpec} order. Close the stream to finish the table.
   */
  OutputStream copyIn(TableSpec table, CopyFormat format) throws StoreException;

  /**
   * Announces a table this loader will load later, after the snapshot's other store committed (see
   * {@link TableExporter}): from now until this loader commits, the table's rows are not served as
   * current, since they are about to be replaced.
   */
  default void willLoad(TableSpec table) throws StoreException {}

  /** Makes every loaded table visible and stores the offsets, durably, in one step. */
  void commit(List<SourceOffset> offsets) throws StoreException;

  /** Discards an uncommitted load. */
  @Override
  void close() throws StoreException;
}
