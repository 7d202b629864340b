package io.pgmlfollower.featurestore.spi;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A replicated table's shape: its columns in source order, its primary key (column names, in key
 * order; empty when the source table has none) and its row identity.
 *
 * @param rowIdentity the columns that find the row an UPDATE or DELETE changes, in order: the
 *     primary key, or the columns of the source's {@code REPLICA IDENTITY USING INDEX}. Empty when
 *     the row is found by all its old values ({@code REPLICA IDENTITY FULL} without a primary key),
 *     and for tables the source cannot send updates or deletes for (no primary key and identity
 *     DEFAULT or NOTHING). See <a
 *     href="https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-REPLICA-IDENTITY">REPLICA
 *     IDENTITY</a>.
 */
public record TableSpec(
    TableId id, List<ColumnSpec> columns, List<String> primaryKey, List<String> rowIdentity) {
  public TableSpec {
    requireNonNull(id, "id is null");
    columns = List.copyOf(requireNonNull(columns, "columns is null"));
    primaryKey = List.copyOf(requireNonNull(primaryKey, "primaryKey is null"));
    rowIdentity = List.copyOf(requireNonNull(rowIdentity, "rowIdentity is null"));
    if (columns.isEmpty()) {
      throw new IllegalArgumentException("table " + id + " has no columns");
    }
  }

  /** A table whose rows are found by their primary key (or, without one, by all old values). */
  public TableSpec(TableId id, List<ColumnSpec> columns, List<String> primaryKey) {
    this(id, columns, primaryKey, primaryKey);
  }

  public int columnIndex(String column) {
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).name().equals(column)) {
        return i;
      }
    }
    return -1;
  }
}
