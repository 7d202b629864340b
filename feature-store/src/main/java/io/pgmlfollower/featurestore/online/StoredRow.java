package io.pgmlfollower.featurestore.online;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A row read by key from the online store, its values (PostgreSQL's text form, UTF-8) left in the
 * stored bytes: a column is found by name through the table's index of names and read as bytes or
 * as text, with no map and no string per column. This is {@code pgml.predict_by_key}'s path, where
 * allocation per lookup decides how often the young collections pause the serving threads
 * (docs/reliability.md).
 */
public final class StoredRow {
  private final List<String> names;
  private final Map<String, Integer> columns;
  private final byte[] bytes;

  /** Per column: its value's start and end in {@link #bytes}; a start of -1 is NULL. */
  private final int[] bounds;

  StoredRow(List<String> names, Map<String, Integer> columns, byte[] bytes, int[] bounds) {
    this.names = requireNonNull(names, "names is null");
    this.columns = requireNonNull(columns, "columns is null");
    this.bytes = requireNonNull(bytes, "bytes is null");
    this.bounds = requireNonNull(bounds, "bounds is null");
  }

  /** A row from its values as strings (a row written under an older shape, remapped). */
  static StoredRow ofStrings(List<String> names, Map<String, Integer> columns, String[] values) {
    byte[][] texts = new byte[values.length][];
    int size = 0;
    for (int i = 0; i < values.length; i++) {
      if (values[i] != null) {
        texts[i] = values[i].getBytes(StandardCharsets.UTF_8);
        size += texts[i].length;
      }
    }
    byte[] bytes = new byte[size];
    int[] bounds = new int[2 * values.length];
    int at = 0;
    for (int i = 0; i < values.length; i++) {
      if (texts[i] == null) {
        bounds[2 * i] = -1;
      } else {
        System.arraycopy(texts[i], 0, bytes, at, texts[i].length);
        bounds[2 * i] = at;
        at += texts[i].length;
        bounds[2 * i + 1] = at;
      }
    }
    return new StoredRow(names, columns, bytes, bounds);
  }

  /** The column names, in table order. */
  public List<String> names() {
    return names;
  }

  /** The index of the column with this name, or -1 when the table has none. */
  public int column(String name) {
    Integer index = columns.get(name);
    return index == null ? -1 : index;
  }

  public boolean isNull(int column) {
    return bounds[2 * column] < 0;
  }

  /** The bytes holding the values: read a column's from {@link #start} for {@link #length}. */
  public byte[] bytes() {
    return bytes;
  }

  public int start(int column) {
    return bounds[2 * column];
  }

  /** The value's length in bytes; 0 for NULL. */
  public int length(int column) {
    return isNull(column) ? 0 : bounds[2 * column + 1] - bounds[2 * column];
  }

  /** The value as text; null for NULL. */
  public String text(int column) {
    return isNull(column)
        ? null
        : new String(bytes, start(column), length(column), StandardCharsets.UTF_8);
  }

  /** Every value by column name, in table order. */
  public Map<String, String> toMap() {
    Map<String, String> row = LinkedHashMap.newLinkedHashMap(names.size());
    for (int i = 0; i < names.size(); i++) {
      row.put(names.get(i), text(i));
    }
    return row;
  }
}
