package io.pgmlfollower.featurestore.online;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.rocksdb.ColumnFamilyHandle;

/**
 * One replicated table in the online store: its column family, its current shape and schema
 * version, and the column names of every earlier version (rows keep the version they were written
 * with, and are read by column name).
 */
final class OnlineTable {
  private final ColumnFamilyHandle family;
  private final int familyId;
  private final Map<Integer, List<String>> versions;

  /**
   * The current shape, replaced whole when the table is reshaped: lookups run on other threads than
   * the replicator's, and each one reads one consistent shape.
   */
  private volatile Shape shape;

  OnlineTable(
      ColumnFamilyHandle family, TableSpec spec, int version, Map<Integer, List<String>> versions)
      throws StoreException {
    this.family = requireNonNull(family, "family is null");
    this.familyId = family.getID();
    this.versions = new ConcurrentHashMap<>(versions);
    reshape(spec, version);
  }

  void reshape(TableSpec spec, int version) throws StoreException {
    if (spec.primaryKey().isEmpty()) {
      throw new StoreException(
          StoreErrorCode.SCHEMA_MISMATCH, "table " + spec.id() + " has no primary key");
    }
    List<String> names = columnNames(spec);
    versions.put(version, names);
    shape = new Shape(spec, version, names);
  }

  static List<String> columnNames(TableSpec spec) {
    return spec.columns().stream().map(ColumnSpec::name).toList();
  }

  /** The current shape: take it once per operation. */
  Shape shape() {
    return shape;
  }

  ColumnFamilyHandle family() {
    return family;
  }

  /** The column family's id: names the table's rows in the {@link RowCache}. */
  int familyId() {
    return familyId;
  }

  TableSpec spec() {
    return shape.spec();
  }

  int version() {
    return shape.version();
  }

  /** The key of a row given in the current column order; null when a key column is missing. */
  byte[] keyOf(String[] values) throws StoreException {
    return shape.keyOf(values);
  }

  byte[] encode(String[] values) {
    return RowCodec.encode(shape.version(), values);
  }

  /** A stored row in the current column order (columns it lacks are null). */
  String[] decode(byte[] stored) throws StoreException {
    return shape.decode(stored, versions);
  }

  /** As {@link Shape#row}, in the given shape (one the caller read once). */
  StoredRow row(Shape in, byte[] stored) throws StoreException {
    return in.row(stored, versions);
  }

  /** One version of the table: its spec, column names and key columns. */
  static final class Shape {
    private final TableSpec spec;
    private final int version;
    private final List<String> names;

    /** Each column's index by name: a lookup's columns found without a map per row. */
    private final Map<String, Integer> columns;

    private final List<ColumnSpec> keyColumns;
    private final int[] keyIndexes;

    private Shape(TableSpec spec, int version, List<String> names) {
      this.spec = spec;
      this.version = version;
      this.names = names;
      Map<String, Integer> byName = new java.util.HashMap<>();
      for (int i = 0; i < names.size(); i++) {
        byName.put(names.get(i), i);
      }
      this.columns = Map.copyOf(byName);
      List<ColumnSpec> keys = new ArrayList<>();
      keyIndexes = new int[spec.primaryKey().size()];
      for (int i = 0; i < keyIndexes.length; i++) {
        keyIndexes[i] = spec.columnIndex(spec.primaryKey().get(i));
        keys.add(spec.columns().get(keyIndexes[i]));
      }
      keyColumns = List.copyOf(keys);
    }

    TableSpec spec() {
      return spec;
    }

    int version() {
      return version;
    }

    /** The column names, in table order. */
    List<String> names() {
      return names;
    }

    byte[] keyOf(String[] values) throws StoreException {
      String[] key = new String[keyIndexes.length];
      for (int i = 0; i < keyIndexes.length; i++) {
        key[i] = values[keyIndexes[i]];
        if (key[i] == null) {
          return null;
        }
      }
      return KeyCodec.encode(keyColumns, key);
    }

    /**
     * Writes the key of a row parsed from COPY into {@code out}, as {@link #keyOf(String[])} gives
     * it for the row's strings; false when a key column is NULL.
     */
    boolean keyInto(CopyRow row, KeyCodec.Builder out) throws StoreException {
      return KeyCodec.encode(keyColumns, keyIndexes, row, out);
    }

    /** The key from the key columns' values, in key order (a lookup). */
    byte[] key(List<String> keyValues) throws StoreException {
      if (keyValues.size() != keyColumns.size()) {
        throw new StoreException(
            StoreErrorCode.INVALID_DATA,
            "table "
                + spec.id()
                + " has a primary key of "
                + keyColumns.size()
                + " columns "
                + spec.primaryKey()
                + ", not "
                + keyValues.size());
      }
      return KeyCodec.encode(keyColumns, keyValues.toArray(new String[0]));
    }

    /**
     * A stored row in this shape, its values left in place when it was written in this version (the
     * usual case), else remapped by name as {@link #decode} does.
     */
    StoredRow row(byte[] stored, Map<Integer, List<String>> versions) throws StoreException {
      if (RowCodec.version(stored) == version) {
        int[] bounds = RowCodec.bounds(stored);
        if (bounds.length == 2 * names.size()) {
          return new StoredRow(names, columns, stored, bounds);
        }
      }
      return StoredRow.ofStrings(names, columns, decode(stored, versions));
    }

    String[] decode(byte[] stored, Map<Integer, List<String>> versions) throws StoreException {
      RowCodec.Row row = RowCodec.decode(stored);
      if (row.schemaVersion() == version) {
        return row.values();
      }
      List<String> written = versions.get(row.schemaVersion());
      if (written == null) {
        throw new StoreException(
            StoreErrorCode.INTERNAL,
            "row of " + spec.id() + " has unknown schema version " + row.schemaVersion());
      }
      String[] values = new String[spec.columns().size()];
      boolean[] present = new boolean[values.length];
      for (int i = 0; i < written.size() && i < row.values().length; i++) {
        int at = spec.columnIndex(written.get(i));
        if (at >= 0) {
          values[at] = row.values()[i];
          present[at] = true;
        }
      }
      // Columns added since the row was written: what the source's older rows have in them.
      for (int i = 0; i < values.length; i++) {
        if (!present[i]) {
          values[i] = spec.columns().get(i).missingValue().orElse(null);
        }
      }
      return values;
    }
  }
}
