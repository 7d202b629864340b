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
   * Replaces the table's contents with the rows written to the returned stream, in COPY text format
   * (columns in {@link TableSpec} order). Close the stream to finish the table.
   */
  OutputStream copyIn(TableSpec table) throws StoreException;

  /** Makes every loaded table visible and stores the offsets, durably, in one step. */
  void commit(List<SourceOffset> offsets) throws StoreException;

  /** Discards an uncommitted load. */
  @Override
  void close() throws StoreException;
}
