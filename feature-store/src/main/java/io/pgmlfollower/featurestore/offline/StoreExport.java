package io.pgmlfollower.featurestore.offline;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.CopyFormat;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableExporter;
import io.pgmlfollower.featurestore.spi.TableSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.PGConnection;

/**
 * The offline store's tables read back by {@code COPY ... TO STDOUT} inside one REPEATABLE READ
 * transaction: every table as of the moment the export was pinned, whatever commits meanwhile (see
 * <a
 * href="https://www.postgresql.org/docs/current/transaction-iso.html#XACT-REPEATABLE-READ">Repeatable
 * Read</a>; the snapshot is taken by the transaction's first statement, run by {@link #pin}).
 *
 * <p>The session prints values as the source's snapshot connections do (IntervalStyle, float
 * digits, bytea as hex; pgjdbc sets DateStyle, the encoding and the JVM's TimeZone): a text COPY
 * from here reads like the source's own.
 */
final class StoreExport implements TableExporter.TableExport {
  private static final String PIN =
      "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL IntervalStyle = postgres;"
          + " SET LOCAL extra_float_digits = 3; SET LOCAL bytea_output = hex;"
          + " SELECT 1"; // takes the snapshot now

  private final Connection connection;
  private boolean pinned;
  private long rows;

  StoreExport(Connection connection) {
    this.connection = requireNonNull(connection, "connection is null");
  }

  @Override
  public void pin() throws StoreException {
    if (pinned) {
      throw new StoreException(StoreErrorCode.INTERNAL, "the export is pinned already");
    }
    try (Statement statement = connection.createStatement()) {
      statement.execute(PIN);
      pinned = true;
    } catch (SQLException e) {
      throw StoreErrors.from("cannot begin reading the replicated tables back", e);
    }
  }

  @Override
  public void copyOut(TableSpec table, CopyFormat format, OutputStream out) throws StoreException {
    requireNonNull(table, "table is null");
    requireNonNull(format, "format is null");
    requireNonNull(out, "out is null");
    if (!pinned) {
      throw new StoreException(StoreErrorCode.INTERNAL, "copyOut before pin");
    }
    String copy = TableShaper.copyStatement(table, "TO STDOUT", format, "");
    try {
      rows = connection.unwrap(PGConnection.class).getCopyAPI().copyOut(copy, out);
    } catch (SQLException e) {
      throw StoreErrors.from("cannot read " + table.id() + " back from the offline store", e);
    } catch (IOException e) {
      // The receiving end failed (or was stopped): pgjdbc has cancelled the COPY.
      throw new StoreException(
          StoreErrorCode.STORE_UNAVAILABLE,
          "cannot copy " + table.id() + " out of the offline store: " + e.getMessage(),
          e);
    }
  }

  @Override
  public long rowsCopied() {
    return rows;
  }

  @Override
  public void close() throws StoreException {
    try {
      connection.close(); // ends the read-only transaction: nothing to commit
    } catch (SQLException e) {
      throw StoreErrors.from("cannot end the export", e);
    }
  }
}
