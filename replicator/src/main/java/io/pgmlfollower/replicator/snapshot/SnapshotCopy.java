package io.pgmlfollower.replicator.snapshot;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ChangeSink;
import io.pgmlfollower.featurestore.spi.CopyFormat;
import io.pgmlfollower.featurestore.spi.SnapshotLoader;
import io.pgmlfollower.featurestore.spi.SourceOffset;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.StopSignal;
import io.pgmlfollower.replicator.connection.Lsn;
import io.pgmlfollower.replicator.connection.SlotCreation;
import io.pgmlfollower.replicator.connection.SourceCatalog;
import io.pgmlfollower.replicator.connection.SourceConnections;
import io.pgmlfollower.replicator.stream.SourcePositions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies published tables as of a slot's exported snapshot into the sink (a large table as block
 * ranges read over up to {@code readers} connections that import the same snapshot, see {@link
 * RangeReaders}), as one atomic unit stored with the slot's consistent point: as the position of
 * every table copied and, for the initial snapshot, as the stream's position too. Streaming from
 * the consistent point then misses no transaction and applies none twice. A failure before the
 * loader commits leaves the sink as it was: the copy is done again, from scratch, with a new
 * snapshot.
 */
public final class SnapshotCopy {
  private static final Logger log = LoggerFactory.getLogger(SnapshotCopy.class);

  private final SourceConnections connections;
  private final ChangeSink sink;
  private final String sourceName;
  private final String publication;
  private final StopSignal stop;
  private final SnapshotProgress progress;
  private final int readers;
  private final long minPagesPerRange;

  public SnapshotCopy(
      SourceConnections connections,
      ChangeSink sink,
      String sourceName,
      String publication,
      StopSignal stop,
      SnapshotProgress progress,
      int readers,
      long minPagesPerRange) {
    this.connections = requireNonNull(connections, "connections is null");
    this.sink = requireNonNull(sink, "sink is null");
    this.sourceName = requireNonNull(sourceName, "sourceName is null");
    this.publication = requireNonNull(publication, "publication is null");
    this.stop = requireNonNull(stop, "stop is null");
    this.progress = requireNonNull(progress, "progress is null");
    this.readers = readers;
    this.minPagesPerRange = minPagesPerRange;
  }

  /**
   * The initial snapshot: copies every published table and commits the stream position with them.
   * The replication connection that created the slot must stay idle until this returns.
   *
   * @param previouslyCopied tables with a position from an earlier snapshot (when snapshotting
   *     again): those no longer published lose it, so that they are copied if they come back
   * @param connection a normal connection to the source, opened beforehand (while the slot was
   *     created), closed when this returns
   * @return the specs of the copied tables, as the sink now holds them
   */
  public List<TableSpec> initial(
      SlotCreation slot, Set<TableId> previouslyCopied, Connection connection)
      throws ReplicatorException {
    return run(connection, slot, Optional.empty(), previouslyCopied, KeepAlive.NONE);
  }

  /**
   * Copies the given tables (those still published) at the slot's snapshot and commits their
   * positions; the stream position is left as it is.
   */
  public List<TableSpec> tables(SlotCreation slot, Set<TableId> tables, KeepAlive keepAlive)
      throws ReplicatorException {
    return run(connections.openNormal(), slot, Optional.of(tables), Set.of(), keepAlive);
  }

  private List<TableSpec> run(
      Connection snapshotConnection,
      SlotCreation slot,
      Optional<Set<TableId>> only,
      Set<TableId> previouslyCopied,
      KeepAlive keepAlive)
      throws ReplicatorException {
    try (Connection connection = snapshotConnection) {
      importSnapshot(connection, slot.snapshotName());
      // Read inside the snapshot: the table shapes match the rows copied.
      List<TableSpec> specs = new ArrayList<>();
      for (TableSpec spec : new SourceCatalog(connection).publishedTableSpecs(publication)) {
        if (only.isEmpty() || only.get().contains(spec.id())) {
          specs.add(spec);
        }
      }
      if (specs.isEmpty() && only.isEmpty()) {
        log.warn("Publication {} has no tables yet: nothing to copy", publication);
      }
      List<SourceOffset> offsets = new ArrayList<>();
      if (only.isEmpty()) {
        offsets.add(SourcePositions.streamOffset(sourceName, slot.consistentPoint()));
        Set<TableId> stale = new java.util.HashSet<>(previouslyCopied);
        specs.forEach(spec -> stale.remove(spec.id()));
        stale.forEach(
            table -> offsets.add(SourcePositions.tableOffset(sourceName, table, Lsn.INVALID)));
      }
      load(connection, specs, slot, offsets, keepAlive);
      execute(connection, "COMMIT", "end the snapshot transaction");
      return specs;
    } catch (SQLException e) {
      throw ReplicatorException.fromSql("close the snapshot connection", e);
    }
  }

  /**
   * Joins the slot's exported snapshot: {@code SET TRANSACTION SNAPSHOT} must be the first
   * statement of a REPEATABLE READ transaction
   * (https://www.postgresql.org/docs/current/sql-set-transaction.html).
   */
  static void importSnapshot(Connection connection, String snapshotName)
      throws ReplicatorException {
    execute(
        connection,
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        "begin the snapshot transaction");
    execute(
        connection,
        "SET TRANSACTION SNAPSHOT '" + snapshotName.replace("'", "''") + "'",
        "import snapshot " + snapshotName);
  }

  private void load(
      Connection connection,
      List<TableSpec> specs,
      SlotCreation slot,
      List<SourceOffset> extraOffsets,
      KeepAlive keepAlive)
      throws ReplicatorException {
    List<TableId> ids = specs.stream().map(TableSpec::id).toList();
    ids.forEach(progress::queued);
    TableCopy tableCopy =
        new TableCopy(
            connection,
            stop,
            Optional.of(
                new TableCopy.Parallel(
                    connections, slot.snapshotName(), readers, minPagesPerRange)));
    tableCopy.readKinds(specs);
    List<SourceOffset> offsets = new ArrayList<>(extraOffsets);
    // The store shapes the tables as the snapshot has them, in the load where it can: a new table
    // is then created in the load's own transaction, with nothing to empty or set aside.
    try (SnapshotLoader loader = sink.beginSnapshot(sourceName, specs)) {
      for (TableSpec spec : specs) {
        long started = System.nanoTime();
        progress.started(spec.id());
        SnapshotProgress.Entry entry = progress.entry(spec.id());
        CopyFormat format = loader.formatFor(spec);
        long bytes = tableCopy.copy(spec, format, loader.copyIn(spec, format), entry, keepAlive);
        progress.copied(spec.id());
        log.info(
            "Copied {}: {} rows ({} bytes, {} COPY) in {} ms",
            spec.id(),
            entry.rows(),
            bytes,
            format.sqlName(),
            (System.nanoTime() - started) / 1_000_000);
        offsets.add(SourcePositions.tableOffset(sourceName, spec.id(), slot.consistentPoint()));
      }
      loader.commit(offsets);
      progress.committed(ids);
      log.info(
          "Copy of {} tables committed at consistent point {}",
          specs.size(),
          slot.consistentPoint());
    } catch (StoreException e) {
      progress.failed(ids);
      throw ReplicatorException.fromStore("load the snapshot", e);
    } catch (ReplicatorException | RuntimeException e) {
      progress.failed(ids);
      throw e;
    }
  }

  private static void execute(Connection connection, String sql, String action)
      throws ReplicatorException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw ReplicatorException.fromSql(action, e);
    }
  }
}
