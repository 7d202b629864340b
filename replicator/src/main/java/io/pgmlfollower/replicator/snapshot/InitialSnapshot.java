package io.pgmlfollower.replicator.snapshot;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ChangeSink;
import io.pgmlfollower.featurestore.spi.SnapshotLoader;
import io.pgmlfollower.featurestore.spi.SourceOffset;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.StopSignal;
import io.pgmlfollower.replicator.connection.SlotCreation;
import io.pgmlfollower.replicator.connection.SourceCatalog;
import io.pgmlfollower.replicator.connection.SourceConnections;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The initial copy: every published table as of the slot's exported snapshot, loaded into the sink
 * as one atomic unit with the slot's consistent point as the stored offset. Streaming then starts
 * at the consistent point, so no transaction is missed or applied twice. A failure before the
 * loader commits leaves the sink without offsets, and the next start snapshots again.
 */
public final class InitialSnapshot {
  private static final Logger log = LoggerFactory.getLogger(InitialSnapshot.class);

  private final SourceConnections connections;
  private final ChangeSink sink;
  private final String sourceName;
  private final String publication;
  private final StopSignal stop;

  public InitialSnapshot(
      SourceConnections connections,
      ChangeSink sink,
      String sourceName,
      String publication,
      StopSignal stop) {
    this.connections = requireNonNull(connections, "connections is null");
    this.sink = requireNonNull(sink, "sink is null");
    this.sourceName = requireNonNull(sourceName, "sourceName is null");
    this.publication = requireNonNull(publication, "publication is null");
    this.stop = requireNonNull(stop, "stop is null");
  }

  /**
   * Copies the published tables at the slot's snapshot and commits them with the consistent point.
   * The replication connection that created the slot must stay idle until this returns.
   *
   * @return the specs of the copied tables, as the sink now holds them
   */
  public List<TableSpec> run(SlotCreation slot) throws ReplicatorException {
    try (Connection connection = connections.openNormal()) {
      importSnapshot(connection, slot.snapshotName());
      // Read inside the snapshot: the table shapes match the rows copied.
      List<TableSpec> specs = new SourceCatalog(connection).publishedTableSpecs(publication);
      if (specs.isEmpty()) {
        log.warn("Publication {} has no tables yet: nothing to copy", publication);
      }
      ensureTables(specs);
      load(connection, specs, slot);
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
  private static void importSnapshot(Connection connection, String snapshotName)
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

  private void ensureTables(List<TableSpec> specs) throws ReplicatorException {
    try {
      sink.ensureTables(specs);
    } catch (StoreException e) {
      throw ReplicatorException.fromStore("create the replicated tables", e);
    }
  }

  private void load(Connection connection, List<TableSpec> specs, SlotCreation slot)
      throws ReplicatorException {
    TableCopy tableCopy = new TableCopy(connection, stop);
    try (SnapshotLoader loader = sink.beginSnapshot(sourceName)) {
      for (TableSpec spec : specs) {
        long started = System.nanoTime();
        long bytes = tableCopy.copy(spec, loader.copyIn(spec));
        log.info(
            "Copied {} ({} bytes) in {} ms",
            spec.id(),
            bytes,
            (System.nanoTime() - started) / 1_000_000);
      }
      loader.commit(List.of(new SourceOffset(sourceName, "", slot.consistentPoint().value())));
      log.info(
          "Initial snapshot of {} tables committed at consistent point {}",
          specs.size(),
          slot.consistentPoint());
    } catch (StoreException e) {
      throw ReplicatorException.fromStore("load the initial snapshot", e);
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
