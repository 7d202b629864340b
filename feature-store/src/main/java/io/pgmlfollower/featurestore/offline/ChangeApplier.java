package io.pgmlfollower.featurestore.offline;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.RowChange;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Applies one {@link ChangeBatch} in the writer session's open transaction, in source order.
 * Consecutive changes of the same shape go to the server as one JDBC batch.
 */
final class ChangeApplier {
  private final WriterSession session;
  private final Map<TableId, TableSpec> tables;
  private PreparedStatement pending;

  ChangeApplier(WriterSession session, Map<TableId, TableSpec> tables) {
    this.session = requireNonNull(session, "session is null");
    this.tables = requireNonNull(tables, "tables is null");
  }

  void apply(List<ChangeBatch.Change> changes) throws SQLException, StoreException {
    for (ChangeBatch.Change change : changes) {
      switch (change) {
        case ChangeBatch.Row row -> applyRow(row.change());
        case ChangeBatch.Truncate truncate -> truncate(truncate.tables());
      }
    }
    flush();
  }

  private void applyRow(RowChange change) throws SQLException, StoreException {
    TableSpec spec = spec(change.table());
    RowStatement.Key key = RowStatement.Key.of(spec, change);
    RowStatement statement = session.cachedStatement(key);
    if (statement == null) {
      // Preparing may evict (close) cached statements: send what is batched first.
      flush();
      statement = RowStatement.of(spec, key);
    }
    PreparedStatement prepared = session.prepared(statement);
    if (prepared != pending) {
      flush();
      pending = prepared;
    }
    statement.addBatch(prepared, spec, change);
  }

  private void truncate(List<TableId> truncated) throws SQLException, StoreException {
    flush();
    if (truncated.isEmpty()) {
      return;
    }
    List<String> names = new ArrayList<>();
    for (TableId table : truncated) {
      names.add(spec(table).id().quoted());
    }
    try (Statement statement = session.connection().createStatement()) {
      statement.execute("TRUNCATE " + String.join(", ", names));
    }
  }

  private void flush() throws SQLException {
    if (pending != null) {
      PreparedStatement statement = pending;
      pending = null;
      statement.executeBatch();
    }
  }

  private TableSpec spec(TableId table) throws StoreException {
    TableSpec spec = tables.get(table);
    if (spec == null) {
      throw new StoreException(
          StoreErrorCode.SCHEMA_MISMATCH,
          "a change of table " + table + " came before ensureTables described it");
    }
    return spec;
  }
}
