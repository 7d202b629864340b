package io.pgmlfollower.featurestore.spi;

import java.io.OutputStream;

/**
 * A store that reads its tables back as COPY data: what another store loads its copy from instead
 * of the source (the online store filled from the offline one, which already holds the snapshot).
 */
public interface TableExporter {
  /**
   * Opens an export: its view of the tables is taken by {@link TableExport#pin}, so that the
   * connection can be opened ahead of the moment that counts. The caller closes it.
   */
  TableExport exportTables() throws StoreException;

  /** One consistent view of the store's tables. Used by one thread at a time. */
  interface TableExport extends AutoCloseable {
    /**
     * Pins the tables as they stand now: what commits after this returns is not in the export.
     * Called once, before {@link #copyOut}.
     */
    void pin() throws StoreException;

    /**
     * Writes the table's rows to {@code out} in {@code format}, columns in {@link TableSpec} order,
     * exactly as the source's COPY would (a binary stream whole: header, rows, trailer). {@code
     * out} is not closed.
     */
    void copyOut(TableSpec table, CopyFormat format, OutputStream out) throws StoreException;

    /** Rows written by the last {@link #copyOut}. */
    long rowsCopied();

    @Override
    void close() throws StoreException;
  }
}
