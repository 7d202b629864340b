package io.pgmlfollower.featurestore.online;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.CopyFormat;
import io.pgmlfollower.featurestore.spi.SnapshotLoader;
import io.pgmlfollower.featurestore.spi.SourceOffset;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * Loads a snapshot's COPY rows into the online store: each table is emptied, then filled with
 * sorted SST files that RocksDB ingests when the table's COPY ends ({@link SortedRuns}); rows that
 * come too far out of key order for those go to write batches of {@code CHUNK_ROWS} rows without
 * WAL instead. {@link #commit} flushes the tables' memtables to their files, then stores the
 * offsets with a synced WAL. Unlike the offline store's, the load is not one transaction (a table
 * can be far larger than memory): until the commit the rows are there without a position, so after
 * a crash the store holds no offset for them and the table is loaded again, emptied first. Lookups
 * during a load see it part done.
 */
final class OnlineSnapshotLoader implements SnapshotLoader {
  private static final int CHUNK_ROWS = 10_000;

  /** A chunk also ends at this size: wide rows do not make one huge batch. */
  private static final int CHUNK_BYTES = 8 << 20;

  private final OnlineStore store;
  private final String source;
  private boolean finished;
  private final List<OnlineTable> loaded = new java.util.ArrayList<>();

  /** Each table's files until they are ingested: closed (deleted) with the loader. */
  private final List<SortedRuns> files = new java.util.ArrayList<>();

  OnlineSnapshotLoader(OnlineStore store, String source) {
    this.store = requireNonNull(store, "store is null");
    this.source = requireNonNull(source, "source is null");
  }

  /**
   * Binary when every column's binary form has a {@link BinaryToText} conversion, or when the table
   * is not kept here at all (its rows are not read).
   */
  @Override
  public CopyFormat formatFor(TableSpec spec) {
    if (!store.holds(spec.id())) {
      return CopyFormat.BINARY;
    }
    for (ColumnSpec column : spec.columns()) {
      if (BinaryToText.forType(column.typeOid()).isEmpty()) {
        return CopyFormat.TEXT;
      }
    }
    return CopyFormat.BINARY;
  }

  @Override
  public OutputStream copyIn(TableSpec spec, CopyFormat format) throws StoreException {
    if (finished) {
      throw new StoreException(StoreErrorCode.INTERNAL, "the snapshot of " + source + " is over");
    }
    if (spec.primaryKey().isEmpty()) {
      return OutputStream.nullOutputStream(); // no primary key: offline only
    }
    OnlineTable table = store.table(spec.id()); // refused when ensureTables did not create it
    store.clear(table);
    loaded.add(table);
    return new TableStream(table, format);
  }

  @Override
  public void willLoad(TableSpec spec) {
    // The tables with a primary key, which the store holds or is about to create (its shape changes
    // may still be queued when the load is announced).
    if (!spec.primaryKey().isEmpty()) {
      store.markLoading(spec.id());
    }
  }

  @Override
  public void commit(List<SourceOffset> offsets) throws StoreException {
    store.commitOffsets(loaded, offsets);
    finished = true;
  }

  @Override
  public void close() {
    finished = true;
    synchronized (files) {
      files.forEach(SortedRuns::close);
      files.clear();
    }
  }

  /** Where a table's bytes go: the text or the binary parser. */
  private record RowWriter(Write write, java.util.function.BooleanSupplier partial) {}

  @FunctionalInterface
  private interface Write {
    void write(byte[] bytes, int offset, int length) throws StoreException;
  }

  /** COPY text or binary in, rows out in batches; the caller closes it to finish the table. */
  private final class TableStream extends OutputStream {
    private final OnlineTable table;

    /** The parser's write, and whether it stopped mid-row: one of the two formats'. */
    private final RowWriter rows;

    /** Rows serialized as a write batch until {@code CHUNK_ROWS} or {@code CHUNK_BYTES}. */
    private final SnapshotBatch batch;

    /** Rows in key order, as files. */
    private final SortedRuns runs;

    private final EncodedRow encoded = new EncodedRow();
    private boolean closed;

    /** The table's shape for the whole load: a load runs between two schema changes. */
    private final OnlineTable.Shape shape;

    TableStream(OnlineTable table, CopyFormat format) throws StoreException {
      this.table = table;
      this.shape = table.shape();
      this.batch = new SnapshotBatch(table.family().getID(), 1 << 20);
      this.runs = store.sortedRuns();
      synchronized (files) {
        files.add(runs);
      }
      if (format == CopyFormat.BINARY) {
        List<BinaryToText> types = new java.util.ArrayList<>();
        for (ColumnSpec column : table.spec().columns()) {
          types.add(
              BinaryToText.forType(column.typeOid())
                  .orElseThrow(
                      () ->
                          new StoreException(
                              StoreErrorCode.INTERNAL,
                              "binary COPY of "
                                  + table.spec().id()
                                  + ": no conversion for column "
                                  + column.name())));
        }
        CopyBinaryRows binary = new CopyBinaryRows(types, this::put);
        this.rows = new RowWriter(binary::write, binary::partial);
      } else {
        CopyTextRows text = new CopyTextRows(table.spec().columns().size(), this::put);
        this.rows = new RowWriter(text::write, text::partial);
      }
    }

    private void put(CopyRow values) throws StoreException {
      if (!encoded.encode(shape, values)) {
        throw new StoreException(
            StoreErrorCode.INVALID_DATA, "a row of " + table.spec().id() + " has a NULL key");
      }
      try {
        if (runs.put(encoded.key(), encoded.keyLength(), encoded.value(), encoded.valueLength())) {
          return;
        }
      } catch (RocksDBException e) {
        throw new StoreException(
            StoreErrorCode.STORE_UNAVAILABLE,
            "cannot write the snapshot of " + table.spec().id() + ": " + e.getMessage(),
            e);
      }
      batch.put(encoded.key(), encoded.keyLength(), encoded.value(), encoded.valueLength());
      if (batch.count() == CHUNK_ROWS || batch.bytes() >= CHUNK_BYTES) {
        writeBatched();
      }
    }

    private void writeBatched() throws StoreException {
      if (batch.count() > 0) {
        try (WriteBatch rows = batch.drain()) {
          store.writeBulk(rows);
        }
      }
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      try {
        rows.write().write(bytes, offset, length);
      } catch (StoreException e) {
        throw new IOException(e.getMessage(), e);
      }
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      try {
        if (rows.partial().getAsBoolean()) {
          throw new StoreException(
              StoreErrorCode.INVALID_DATA, "the COPY of " + table.spec().id() + " ended mid-row");
        }
        writeBatched();
        try {
          store.ingest(table, runs.finish());
        } catch (RocksDBException e) {
          throw new StoreException(
              StoreErrorCode.STORE_UNAVAILABLE,
              "cannot finish the snapshot files of " + table.spec().id() + ": " + e.getMessage(),
              e);
        }
        // Ingested (moved): free the writers' buffers now, not with the loader.
        synchronized (files) {
          files.remove(runs);
        }
        runs.close();
      } catch (StoreException e) {
        throw new IOException(e.getMessage(), e);
      }
    }
  }
}
