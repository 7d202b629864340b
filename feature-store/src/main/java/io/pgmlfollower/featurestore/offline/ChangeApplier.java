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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies one {@link ChangeBatch} in the writer session's open transaction, in source order.
 * Consecutive changes of the same shape go to the server as one JDBC batch.
 *
 * <p>Every UPDATE and DELETE must change exactly one row: the source changed one, and the store
 * holds what the source held. One that finds no row means the store diverged from the source (rows
 * missing from the copy, or changed behind the follower's back); applying on would drift silently,
 * so the batch fails with {@link StoreErrorCode#DIVERGED} and nothing of it is committed.
 */
final class ChangeApplier {
  private final WriterSession session;
  private final Map<TableId, TableSpec> tables;
  private PreparedStatement pending;
  private RowStatement pendingStatement;
  private final List<RowChange> pendingChanges = new ArrayList<>();

  ChangeApplier(WriterSession session, Map<TableId, TableSpec> tables) {
    this.session = requireNonNull(session, "session is null");
    this.tables = requireNonNull(tables, "tables is null");
  }

  void apply(List<ChangeBatch.Change> changes) throws SQLException, StoreException {
    int runStart = 0;
    for (int i = 0; i < changes.size(); i++) {
      switch (changes.get(i)) {
        case ChangeBatch.Row ignored -> {
          continue;
        }
        case ChangeBatch.Truncate truncate -> {
          applyRowsTableByTable(changes.subList(runStart, i));
          truncate(truncate.tables());
        }
        case ChangeBatch.Message message -> {
          applyRowsTableByTable(changes.subList(runStart, i));
          flush();
          LogicalMessages.write(session.connection(), message);
        }
      }
      runStart = i + 1;
    }
    applyRowsTableByTable(changes.subList(runStart, changes.size()));
    flush();
  }

  /**
   * Applies a run of row changes table by table, each table's in source order. Transactions usually
   * touch several tables in turn (TPC-B: accounts, tellers, branches, history), so in source order
   * no two consecutive changes share a statement and every change would cost a round trip; grouped
   * by table, each table's changes go as one JDBC batch. Changes to different tables commute: the
   * store has no foreign keys or triggers between replicated tables, and the whole batch commits at
   * once.
   */
  private void applyRowsTableByTable(List<ChangeBatch.Change> rows)
      throws SQLException, StoreException {
    if (rows.isEmpty()) {
      return;
    }
    TableId first = ((ChangeBatch.Row) rows.get(0)).change().table();
    boolean oneTable = true;
    for (ChangeBatch.Change change : rows) {
      if (!((ChangeBatch.Row) change).change().table().equals(first)) {
        oneTable = false;
        break;
      }
    }
    if (oneTable) {
      for (ChangeBatch.Change change : rows) {
        applyRow(((ChangeBatch.Row) change).change());
      }
      return;
    }
    Map<TableId, List<RowChange>> byTable = new LinkedHashMap<>();
    for (ChangeBatch.Change change : rows) {
      RowChange row = ((ChangeBatch.Row) change).change();
      byTable.computeIfAbsent(row.table(), ignored -> new ArrayList<>()).add(row);
    }
    for (List<RowChange> tableRows : byTable.values()) {
      for (RowChange row : tableRows) {
        applyRow(row);
      }
    }
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
      pendingStatement = statement;
    }
    statement.addBatch(prepared, spec, change);
    pendingChanges.add(change);
  }

  private void truncate(List<TableId> truncated) throws SQLException, StoreException {
    flush();
    if (truncated.isEmpty()) {
      return;
    }
    // By name, not by the described shape: a source may truncate a table it has sent no row of
    // since the follower started (its shape is described with its next row). A table the store
    // never created (empty on the source so far) has nothing to truncate.
    List<String> names = new ArrayList<>();
    try (java.sql.PreparedStatement exists =
        session.connection().prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
      for (TableId table : truncated) {
        exists.setString(1, table.quoted());
        try (java.sql.ResultSet rs = exists.executeQuery()) {
          if (rs.next() && rs.getBoolean(1)) {
            names.add(table.quoted());
          }
        }
      }
    }
    if (names.isEmpty()) {
      return;
    }
    try (Statement statement = session.connection().createStatement()) {
      statement.execute("TRUNCATE " + String.join(", ", names));
    }
  }

  private void flush() throws SQLException, StoreException {
    if (pending == null) {
      return;
    }
    PreparedStatement statement = pending;
    RowStatement rowStatement = pendingStatement;
    List<RowChange> changes = List.copyOf(pendingChanges);
    pending = null;
    pendingStatement = null;
    pendingChanges.clear();
    int[] counts = statement.executeBatch();
    if (rowStatement.findsOneRow()) {
      for (int i = 0; i < counts.length; i++) {
        if (counts[i] != 1 && counts[i] != Statement.SUCCESS_NO_INFO) {
          throw diverged(changes.get(i), counts[i]);
        }
      }
    }
  }

  private StoreException diverged(RowChange change, int count) throws StoreException {
    TableSpec spec = spec(change.table());
    String[] values = change.oldValues() != null ? change.oldValues() : change.newValues();
    List<String> identity =
        spec.rowIdentity().isEmpty()
            ? spec.columns().stream().map(c -> c.name()).toList()
            : spec.rowIdentity();
    StringBuilder row = new StringBuilder();
    for (String column : identity) {
      if (!row.isEmpty()) {
        row.append(", ");
      }
      String value = values[spec.columnIndex(column)];
      row.append(column).append('=').append(value == null ? "NULL" : abbreviate(value));
    }
    return new StoreException(
        StoreErrorCode.DIVERGED,
        "the store diverged from the source: an "
            + change.kind()
            + " of "
            + spec.id()
            + " changed "
            + count
            + " rows where the source changed exactly one ("
            + row
            + "). The table's copy is missing rows or was changed outside replication: snapshot"
            + " this source again.");
  }

  private static String abbreviate(String value) {
    return value.length() <= 40 ? value : value.substring(0, 40) + "...";
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
