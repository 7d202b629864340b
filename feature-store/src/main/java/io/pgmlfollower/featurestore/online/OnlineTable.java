package io.pgmlfollower.featurestore.online;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.ColumnFamilyHandle;

/**
 * One replicated table in the online store: its column family, its current shape and schema
 * version, and the column names of every earlier version (rows keep the version they were written
 * with, and are read by column name).
 */
final class OnlineTable {
  private final ColumnFamilyHandle family;
  private final Map<Integer, List<String>> versions;
  private TableSpec spec;
  private int version;
  private List<ColumnSpec> keyColumns;
  private int[] keyIndexes;

  OnlineTable(
      ColumnFamilyHandle family, TableSpec spec, int version, Map<Integer, List<String>> versions)
      throws StoreException {
    this.family = requireNonNull(family, "family is null");
    this.versions = new HashMap<>(versions);
    reshape(spec, version);
  }

  void reshape(TableSpec spec, int version) throws StoreException {
    if (spec.primaryKey().isEmpty()) {
      throw new StoreException(
          StoreErrorCode.SCHEMA_MISMATCH, "table " + spec.id() + " has no primary key");
    }
    this.spec = spec;
    this.version = version;
    this.versions.put(version, columnNames(spec));
    keyColumns = new ArrayList<>();
    keyIndexes = new int[spec.primaryKey().size()];
    for (int i = 0; i < keyIndexes.length; i++) {
      keyIndexes[i] = spec.columnIndex(spec.primaryKey().get(i));
      keyColumns.add(spec.columns().get(keyIndexes[i]));
    }
  }

  static List<String> columnNames(TableSpec spec) {
    return spec.columns().stream().map(ColumnSpec::name).toList();
  }

  ColumnFamilyHandle family() {
    return family;
  }

  TableSpec spec() {
    return spec;
  }

  int version() {
    return version;
  }

  /** The key of a row given in the current column order; null when a key column is missing. */
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

  byte[] encode(String[] values) {
    return RowCodec.encode(version, values);
  }

  /** A stored row in the current column order (columns it lacks are null). */
  String[] decode(byte[] stored) throws StoreException {
    RowCodec.Row row = RowCodec.decode(stored);
    if (row.schemaVersion() == version) {
      return row.values();
    }
    List<String> names = versions.get(row.schemaVersion());
    if (names == null) {
      throw new StoreException(
          StoreErrorCode.INTERNAL,
          "row of " + spec.id() + " has unknown schema version " + row.schemaVersion());
    }
    String[] values = new String[spec.columns().size()];
    for (int i = 0; i < names.size() && i < row.values().length; i++) {
      int at = spec.columnIndex(names.get(i));
      if (at >= 0) {
        values[at] = row.values()[i];
      }
    }
    return values;
  }
}
