package io.pgmlfollower.replicator.snapshot;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.replicator.ReplicatorErrorCode;
import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.StopSignal;
import java.io.IOException;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams one table from the source's COPY into the store's loader, chunk by chunk, in COPY text
 * format (https://www.postgresql.org/docs/current/sql-copy.html): the same text representation
 * pgoutput sends, so one parser (the store's) reads both.
 */
final class TableCopy {
  private static final Logger log = LoggerFactory.getLogger(TableCopy.class);

  /** Stop, keep-alive and progress checks every 1024 rows: cheap, and often enough. */
  private static final long CHECK_EVERY_ROWS_MASK = 1023;

  private static final long REPORT_INTERVAL_NANOS = 10_000_000_000L;

  private final Connection connection;
  private final StopSignal stop;

  TableCopy(Connection connection, StopSignal stop) {
    this.connection = requireNonNull(connection, "connection is null");
    this.stop = requireNonNull(stop, "stop is null");
  }

  /**
   * {@code COPY (SELECT cols FROM [ONLY] t) TO STDOUT}, a query rather than a table name. An
   * ordinary table is read with ONLY: a publication of a parent table also publishes its
   * inheritance children, which are copied as tables of their own, so without ONLY their rows would
   * be copied twice and the parent's copies never updated by the stream. A partitioned table
   * (published via its root) is read without ONLY, which is how its partitions' rows are reached;
   * this is what PostgreSQL's own table synchronization does.
   */
  static String copySql(TableSpec spec, boolean partitioned) {
    String columns =
        spec.columns().stream()
            .map(ColumnSpec::name)
            .map(TableId::quoteIdentifier)
            .collect(Collectors.joining(", "));
    return "COPY (SELECT "
        + columns
        + " FROM "
        + (partitioned ? "" : "ONLY ")
        + spec.id().quoted()
        + ") TO STDOUT";
  }

  private boolean isPartitioned(TableSpec spec) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT relkind = 'p' FROM pg_catalog.pg_class WHERE oid = ?::regclass")) {
      statement.setString(1, spec.id().quoted());
      try (ResultSet rs = statement.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  /**
   * Copies the table into {@code target} and closes it, which finishes the table in the loader;
   * returns the bytes copied. On failure the target is left open: the caller closes the loader
   * without committing, which discards everything loaded.
   */
  long copy(
      TableSpec spec, OutputStream target, SnapshotProgress.Entry progress, KeepAlive keepAlive)
      throws ReplicatorException {
    CopyOut copyOut;
    try {
      copyOut =
          connection
              .unwrap(PGConnection.class)
              .getCopyAPI()
              .copyOut(copySql(spec, isPartitioned(spec)));
    } catch (SQLException e) {
      throw ReplicatorException.fromSql("start copying " + spec.id(), e);
    }
    long bytes = 0;
    long nextReport = System.nanoTime() + REPORT_INTERVAL_NANOS;
    try {
      byte[] chunk;
      while ((chunk = copyOut.readFromCopy()) != null) {
        target.write(chunk);
        bytes += chunk.length;
        progress.row(chunk.length);
        if ((progress.rows() & CHECK_EVERY_ROWS_MASK) == 0) {
          if (stop.isStopped()) {
            throw new ReplicatorException(
                ReplicatorErrorCode.INTERNAL, "stopped while copying " + spec.id());
          }
          keepAlive.ping();
          long now = System.nanoTime();
          if (now - nextReport >= 0) {
            log.info("Copying {}: {} rows, {} bytes so far", spec.id(), progress.rows(), bytes);
            nextReport = now + REPORT_INTERVAL_NANOS;
          }
        }
      }
      target.close();
      return bytes;
    } catch (SQLException e) {
      throw cancelAfter(copyOut, ReplicatorException.fromSql("copy " + spec.id(), e));
    } catch (IOException e) {
      throw cancelAfter(copyOut, storeFailure(spec, e));
    } catch (ReplicatorException e) {
      throw cancelAfter(copyOut, e);
    }
  }

  /**
   * A failure of the loader's stream: the store's own error when it carried one, else the store is
   * taken as unavailable (a retry snapshots again).
   */
  private static ReplicatorException storeFailure(TableSpec spec, IOException e) {
    if (e.getCause() instanceof StoreException store) {
      return ReplicatorException.fromStore("load " + spec.id(), store);
    }
    return new ReplicatorException(
        ReplicatorErrorCode.STORE_UNAVAILABLE, "load " + spec.id() + ": " + e.getMessage(), e);
  }

  /**
   * After a failure mid-copy the connection stays in COPY mode until the COPY is cancelled; a
   * failure to cancel is kept with the original failure (the caller then closes the connection).
   */
  private static ReplicatorException cancelAfter(CopyOut copyOut, ReplicatorException failure) {
    if (copyOut.isActive()) {
      try {
        copyOut.cancelCopy();
      } catch (SQLException e) {
        failure.addSuppressed(e);
      }
    }
    return failure;
  }
}
