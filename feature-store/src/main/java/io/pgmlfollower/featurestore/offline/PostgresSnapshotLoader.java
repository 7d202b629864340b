package io.pgmlfollower.featurestore.offline;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.SnapshotLoader;
import io.pgmlfollower.featurestore.spi.SourceOffset;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import java.io.OutputStream;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;

/**
 * A snapshot in one local transaction: each table is truncated and refilled with {@code COPY ...
 * FROM STDIN}; the offsets are written and everything commits together, or nothing does. The loader
 * has its own connection, closed with it.
 */
final class PostgresSnapshotLoader implements SnapshotLoader {
  private final WriterSession session;
  private final String source;
  private final Map<TableId, TableSpec> tables;
  private PGCopyOutputStream activeCopy;
  private boolean finished;

  PostgresSnapshotLoader(WriterSession session, String source, Map<TableId, TableSpec> tables) {
    this.session = requireNonNull(session, "session is null");
    this.source = requireNonNull(source, "source is null");
    this.tables = requireNonNull(tables, "tables is null");
  }

  @Override
  public OutputStream copyIn(TableSpec table) throws StoreException {
    requireNonNull(table, "table is null");
    checkOpen();
    if (activeCopy != null && activeCopy.isActive()) {
      throw new StoreException(
          StoreErrorCode.INTERNAL,
          "the COPY into the previous table was not closed before " + table.id());
    }
    if (!tables.containsKey(table.id())) {
      throw new StoreException(
          StoreErrorCode.SCHEMA_MISMATCH,
          "snapshot of " + table.id() + " came before ensureTables described it");
    }
    try (Statement statement = session.connection().createStatement()) {
      // In this transaction: readers keep seeing the old rows until commit.
      statement.execute("TRUNCATE " + table.id().quoted());
    } catch (SQLException e) {
      throw StoreErrors.from("cannot truncate " + table.id() + " for the snapshot", e);
    }
    String copy =
        "COPY "
            + table.id().quoted()
            + " ("
            + TableShaper.columnList(table.columns().stream().map(c -> c.name()).toList())
            + ") FROM STDIN";
    try {
      activeCopy =
          new PGCopyOutputStream(session.connection().unwrap(PGConnection.class), copy, 1 << 16);
      // Closing the stream ends the COPY; bad data surfaces there (or on a write) as IOException.
      return activeCopy;
    } catch (SQLException e) {
      throw StoreErrors.from("cannot start the COPY into " + table.id(), e);
    }
  }

  @Override
  public void commit(List<SourceOffset> offsets) throws StoreException {
    requireNonNull(offsets, "offsets is null");
    checkOpen();
    if (activeCopy != null && activeCopy.isActive()) {
      throw new StoreException(
          StoreErrorCode.INTERNAL, "commit while a table's COPY is still open");
    }
    try {
      SourceOffsets.write(session.connection(), offsets);
      session.connection().commit();
      finished = true;
    } catch (SQLException e) {
      throw StoreErrors.from("cannot commit the snapshot of source " + source, e);
    }
  }

  /** Rolls back what is not committed and closes the loader's own connection. */
  @Override
  public void close() throws StoreException {
    boolean committed = finished;
    finished = true;
    try (session) {
      if (!committed) {
        if (activeCopy != null && activeCopy.isActive()) {
          activeCopy.cancelCopy();
        }
        session.connection().rollback();
      }
    } catch (SQLException e) {
      throw StoreErrors.from("cannot discard the snapshot of source " + source, e);
    }
  }

  private void checkOpen() throws StoreException {
    if (finished) {
      throw new StoreException(
          StoreErrorCode.INTERNAL, "the snapshot of source " + source + " is finished");
    }
  }
}
