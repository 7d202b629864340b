package io.pgmlfollower.replicator.snapshot;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.CopyFormat;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.replicator.ReplicatorErrorCode;
import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.StopSignal;
import io.pgmlfollower.replicator.connection.SourceConnections;
import java.io.IOException;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams one table from the source's COPY into the store's loader, chunk by chunk, in the format
 * the loader asked for (https://www.postgresql.org/docs/current/sql-copy.html): binary where it
 * reads every column's binary form (less work at both ends), else text, the same representation
 * pgoutput sends.
 */
final class TableCopy {
  private static final Logger log = LoggerFactory.getLogger(TableCopy.class);

  /** Stop, keep-alive and progress checks every 1024 rows: cheap, and often enough. */
  private static final long CHECK_EVERY_ROWS_MASK = 1023;

  private static final long REPORT_INTERVAL_NANOS = 10_000_000_000L;

  /** What rows are gathered into before they are written to the loader. */
  private static final int CHUNK_BYTES = 128 * 1024;

  private final Connection connection;
  private final StopSignal stop;
  private final Optional<Parallel> parallel;

  /** Whether each table is partitioned, as {@link #readKinds} read them. */
  private final Map<TableId, Boolean> partitioned = new HashMap<>();

  /**
   * Reading large tables as block ranges over several connections.
   *
   * @param readers connections per table at most
   * @param minPagesPerRange a table is split only into ranges at least this large
   */
  record Parallel(
      SourceConnections connections, String snapshotName, int readers, long minPagesPerRange) {}

  TableCopy(Connection connection, StopSignal stop, Optional<Parallel> parallel) {
    this.connection = requireNonNull(connection, "connection is null");
    this.stop = requireNonNull(stop, "stop is null");
    this.parallel = requireNonNull(parallel, "parallel is null");
  }

  /**
   * The block ranges to read a table in: one (the whole table) unless it is an ordinary table of at
   * least two ranges' worth of pages on PostgreSQL 14+ (TID range scans), then up to {@code
   * readers}, the last one open-ended.
   */
  static List<String> rangeSelects(
      TableSpec spec, CopyFormat format, long pages, int readers, long minPagesPerRange) {
    int ranges = (int) Math.min(readers, pages / Math.max(1, minPagesPerRange));
    if (ranges < 2) {
      return List.of(copySql(spec, false, format));
    }
    List<String> selects = new ArrayList<>();
    for (int i = 0; i < ranges; i++) {
      long from = pages * i / ranges;
      String where = "ctid >= '(" + from + ",0)'::tid";
      if (i < ranges - 1) {
        where += " AND ctid < '(" + pages * (i + 1) / ranges + ",0)'::tid";
      }
      String sql = copySql(spec, false, format);
      selects.add(sql.replace(") TO STDOUT", " WHERE " + where + ") TO STDOUT"));
    }
    return selects;
  }

  /** Pages of an ordinary table (empty for partitioned ones), read in the snapshot's session. */
  private Optional<Long> pages(TableSpec spec) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT relkind, pg_catalog.pg_relation_size(oid)"
                + " / current_setting('block_size')::bigint"
                + " FROM pg_catalog.pg_class WHERE oid = ?::regclass")) {
      statement.setString(1, spec.id().quoted());
      try (ResultSet rs = statement.executeQuery()) {
        if (!rs.next() || !"r".equals(rs.getString(1))) {
          return Optional.empty();
        }
        return Optional.of(rs.getLong(2));
      }
    }
  }

  /**
   * {@code COPY (SELECT cols FROM [ONLY] t) TO STDOUT}, a query rather than a table name. An
   * ordinary table is read with ONLY: a publication of a parent table also publishes its
   * inheritance children, which are copied as tables of their own, so without ONLY their rows would
   * be copied twice and the parent's copies never updated by the stream. A partitioned table
   * (published via its root) is read without ONLY, which is how its partitions' rows are reached;
   * this is what PostgreSQL's own table synchronization does.
   */
  static String copySql(TableSpec spec, boolean partitioned, CopyFormat format) {
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
        + ") TO STDOUT"
        + (format == CopyFormat.BINARY ? " (FORMAT binary)" : "");
  }

  /**
   * Reads, in one query, which of the tables are partitioned (read without ONLY, see {@link
   * #copySql}): one round trip for a snapshot's tables, where each table's copy asked on its own.
   */
  void readKinds(List<TableSpec> specs) throws ReplicatorException {
    if (specs.isEmpty()) {
      return;
    }
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT w.ord, c.relkind = 'p' FROM unnest(?::text[]) WITH ORDINALITY AS w(name, ord)"
                + " JOIN pg_catalog.pg_class c ON c.oid = w.name::regclass")) {
      statement.setArray(
          1,
          connection.createArrayOf(
              "text", specs.stream().map(spec -> spec.id().quoted()).toArray()));
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          partitioned.put(specs.get(rs.getInt(1) - 1).id(), rs.getBoolean(2));
        }
      }
    } catch (SQLException e) {
      throw ReplicatorException.fromSql("read the kinds of the tables to copy", e);
    }
  }

  private boolean isPartitioned(TableSpec spec) throws SQLException {
    Boolean known = partitioned.get(spec.id());
    if (known != null) {
      return known;
    }
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
      TableSpec spec,
      CopyFormat format,
      OutputStream target,
      SnapshotProgress.Entry progress,
      KeepAlive keepAlive)
      throws ReplicatorException {
    List<String> selects = List.of();
    if (parallel.isPresent() && parallel.get().readers() > 1) {
      try {
        Optional<Long> pages =
            connection.getMetaData().getDatabaseMajorVersion() >= 14
                ? pages(spec)
                : Optional.empty();
        if (pages.isPresent()) {
          selects =
              rangeSelects(
                  spec,
                  format,
                  pages.get(),
                  parallel.get().readers(),
                  parallel.get().minPagesPerRange());
        }
      } catch (SQLException e) {
        throw ReplicatorException.fromSql("size " + spec.id(), e);
      }
    }
    if (selects.size() < 2) {
      return copyOverThisConnection(spec, format, target, progress, keepAlive);
    }
    progress.connections(selects.size());
    log.info(
        "Copying {} as {} block ranges over {} connections",
        spec.id(),
        selects.size(),
        selects.size());
    long bytes = 0;
    long nextReport = System.nanoTime() + REPORT_INTERVAL_NANOS;
    try (RangeReaders readers =
        new RangeReaders(
            parallel.get().connections(), parallel.get().snapshotName(), spec, format, selects)) {
      // Each range's COPY is a binary file of its own: the readers keep only their rows, and the
      // table's one header and end marker are written here.
      if (format == CopyFormat.BINARY) {
        target.write(BinaryCopy.HEADER);
      }
      RangeReaders.Chunk chunk;
      while ((chunk = readers.next()) != null) {
        target.write(chunk.data(), 0, chunk.length());
        bytes += chunk.length();
        progress.rows(chunk.rows(), chunk.length());
        readers.recycle(chunk); // the stores' streams copy what they keep: reused from here
        nextReport = checkpoint(spec, progress, bytes, keepAlive, nextReport);
      }
      if (format == CopyFormat.BINARY) {
        target.write(BinaryCopy.END);
      }
      target.close();
      return bytes;
    } catch (IOException e) {
      throw storeFailure(spec, e);
    }
  }

  /**
   * Between rows: stops when asked, keeps the replication stream alive, logs progress every 10 s.
   *
   * @return when to log next
   */
  private long checkpoint(
      TableSpec spec,
      SnapshotProgress.Entry progress,
      long bytes,
      KeepAlive keepAlive,
      long nextReport)
      throws ReplicatorException {
    if (stop.isStopped()) {
      throw new ReplicatorException(
          ReplicatorErrorCode.INTERNAL, "stopped while copying " + spec.id());
    }
    keepAlive.ping();
    long now = System.nanoTime();
    if (now - nextReport < 0) {
      return nextReport;
    }
    log.info("Copying {}: {} rows, {} bytes so far", spec.id(), progress.rows(), bytes);
    return now + REPORT_INTERVAL_NANOS;
  }

  private long copyOverThisConnection(
      TableSpec spec,
      CopyFormat format,
      OutputStream target,
      SnapshotProgress.Entry progress,
      KeepAlive keepAlive)
      throws ReplicatorException {
    CopyDataReader reader;
    try {
      reader = CopyDataReader.start(connection, copySql(spec, isPartitioned(spec), format));
    } catch (SQLException e) {
      throw ReplicatorException.fromSql("start copying " + spec.id(), e);
    }
    long bytes = 0;
    long nextReport = System.nanoTime() + REPORT_INTERVAL_NANOS;
    // Counted here and published every 1024 rows, at the end, and on a failure: two volatile
    // writes per row were 3 % of this thread's CPU in a profile of a 1M-row copy.
    int unpublishedRows = 0;
    long unpublishedBytes = 0;
    try {
      // Rows are gathered into one reused buffer and written in chunks larger than the offline
      // loader's own 64 KiB buffer, which then passes them on without copying them again.
      byte[] buffer = new byte[CHUNK_BYTES];
      int buffered = 0;
      // One CopyData per row; a binary COPY adds one message's worth (its header rides on the
      // first message, its end marker comes alone, or with the header when there are no rows), so
      // there the rows are all messages but one: the first is not counted.
      boolean uncounted = format == CopyFormat.BINARY;
      int length;
      while ((length = reader.next(buffer, buffered)) != CopyDataReader.END) {
        if (length < 0) { // no room left for the next row
          target.write(buffer, 0, buffered);
          buffered = 0;
          if (-length > buffer.length) {
            buffer = new byte[-length];
          }
          continue;
        }
        buffered += length;
        bytes += length;
        if (uncounted) {
          uncounted = false;
          continue;
        }
        unpublishedRows++;
        unpublishedBytes += length;
        if (unpublishedRows > CHECK_EVERY_ROWS_MASK) {
          progress.rows(unpublishedRows, unpublishedBytes);
          unpublishedRows = 0;
          unpublishedBytes = 0;
          nextReport = checkpoint(spec, progress, bytes, keepAlive, nextReport);
        }
      }
      target.write(buffer, 0, buffered);
      progress.rows(unpublishedRows, unpublishedBytes);
      unpublishedRows = 0;
      unpublishedBytes = 0;
      target.close();
      return bytes;
    } catch (SQLException e) {
      throw cancelAfter(reader, ReplicatorException.fromSql("copy " + spec.id(), e));
    } catch (IOException e) {
      throw cancelAfter(reader, storeFailure(spec, e));
    } catch (ReplicatorException e) {
      throw cancelAfter(reader, e);
    } finally {
      if (unpublishedRows > 0) {
        progress.rows(unpublishedRows, unpublishedBytes); // a failed copy shows how far it got
      }
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
  private static ReplicatorException cancelAfter(
      CopyDataReader reader, ReplicatorException failure) {
    if (reader.isActive()) {
      try {
        reader.cancel();
      } catch (SQLException e) {
        failure.addSuppressed(e);
      }
    }
    return failure;
  }
}
