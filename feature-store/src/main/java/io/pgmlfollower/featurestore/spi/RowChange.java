package io.pgmlfollower.featurestore.spi;

import static java.util.Objects.requireNonNull;

import java.util.BitSet;

/**
 * One row change in a table, values in PostgreSQL text format ({@code null} = SQL NULL), one per
 * column of the table's {@link TableSpec}, in column order.
 *
 * <ul>
 *   <li>INSERT: {@code newValues} is the row.
 *   <li>UPDATE: {@code newValues} is the new row; {@code oldValues} is the old key (or whole old
 *       row) when the source sent one, else {@code null} and the key is taken from {@code
 *       newValues}; {@code unchanged} marks columns the source did not send (unchanged TOAST
 *       values): the store keeps what it holds for them.
 *   <li>DELETE: {@code oldValues} holds at least the key columns; {@code newValues} is null.
 * </ul>
 */
public record RowChange(
    Kind kind, TableId table, String[] oldValues, String[] newValues, BitSet unchanged) {
  public enum Kind {
    INSERT,
    UPDATE,
    DELETE
  }

  public RowChange {
    requireNonNull(kind, "kind is null");
    requireNonNull(table, "table is null");
    if (kind != Kind.DELETE) {
      requireNonNull(newValues, "newValues is null");
    } else {
      requireNonNull(oldValues, "oldValues is null");
    }
  }

  public static RowChange insert(TableId table, String[] values) {
    return new RowChange(Kind.INSERT, table, null, values, null);
  }

  public static RowChange update(
      TableId table, String[] oldValues, String[] newValues, BitSet unchanged) {
    return new RowChange(Kind.UPDATE, table, oldValues, newValues, unchanged);
  }

  public static RowChange delete(TableId table, String[] oldValues) {
    return new RowChange(Kind.DELETE, table, oldValues, null, null);
  }

  public boolean isUnchanged(int column) {
    return unchanged != null && unchanged.get(column);
  }
}
