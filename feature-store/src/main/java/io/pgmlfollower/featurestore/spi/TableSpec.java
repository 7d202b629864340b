package io.pgmlfollower.featurestore.spi;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A replicated table's shape: its columns in source order and its primary key (column names, in key
 * order; empty when the source table has none).
 */
public record TableSpec(TableId id, List<ColumnSpec> columns, List<String> primaryKey) {
  public TableSpec {
    requireNonNull(id, "id is null");
    columns = List.copyOf(requireNonNull(columns, "columns is null"));
    primaryKey = List.copyOf(requireNonNull(primaryKey, "primaryKey is null"));
    if (columns.isEmpty()) {
      throw new IllegalArgumentException("table " + id + " has no columns");
    }
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
