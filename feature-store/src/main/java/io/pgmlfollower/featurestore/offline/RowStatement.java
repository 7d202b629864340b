package io.pgmlfollower.featurestore.offline;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.RowChange;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * The SQL that applies one shape of row change to a table, and how a change binds to it. Values are
 * bound as strings of unspecified type ({@code stringtype=unspecified}), so PostgreSQL's own input
 * functions parse them, as COPY does for the snapshot.
 *
 * <p>Shapes: an upsert ({@code INSERT ... ON CONFLICT (pk) DO UPDATE}, or a plain INSERT without a
 * key); an UPDATE of the columns the source sent, found by the old row identity (or the new one
 * when it did not change); a DELETE by row identity. The row identity is {@link
 * TableSpec#rowIdentity()}: the primary key or the source's replica identity index. Without one,
 * the row is found by all its old values ({@code IS NOT DISTINCT FROM}; as text for types without
 * an equality operator, such as json) and exactly one match is changed ({@code ctid}), as the
 * source's REPLICA IDENTITY FULL describes it. UPDATE and DELETE must change exactly one row: see
 * {@link #findsOneRow()}.
 *
 * @param key what makes two changes share this statement
 * @param sql the statement's text
 * @param setColumns indexes of the columns written (INSERT values or UPDATE SET), in order
 * @param whereColumns indexes of the columns that find the row (UPDATE/DELETE), in order
 */
record RowStatement(Key key, String sql, int[] setColumns, int[] whereColumns) {
  /** Element types without a usable {@code =}: see {@link #hasEquality}. */
  private static final Set<String> NO_EQUALITY =
      Set.of("json", "xml", "point", "line", "lseg", "box", "path", "polygon", "circle");

  RowStatement {
    requireNonNull(key, "key is null");
    requireNonNull(sql, "sql is null");
    requireNonNull(setColumns, "setColumns is null");
    requireNonNull(whereColumns, "whereColumns is null");
  }

  /**
   * @param unchanged for UPDATE, the columns kept as stored (empty for the others)
   * @param byOldValues whether the row is found by {@code oldValues} (else by {@code newValues})
   */
  record Key(TableId table, RowChange.Kind kind, BitSet unchanged, boolean byOldValues) {
    Key {
      requireNonNull(table, "table is null");
      requireNonNull(kind, "kind is null");
      unchanged = (BitSet) requireNonNull(unchanged, "unchanged is null").clone();
    }

    static Key of(TableSpec spec, RowChange change) throws StoreException {
      return switch (change.kind()) {
        case INSERT -> new Key(spec.id(), change.kind(), new BitSet(), false);
        case DELETE -> new Key(spec.id(), change.kind(), new BitSet(), true);
        case UPDATE -> {
          BitSet unchanged = change.unchanged() == null ? new BitSet() : change.unchanged();
          if (spec.rowIdentity().isEmpty() && change.oldValues() == null) {
            throw new StoreException(
                StoreErrorCode.SCHEMA_MISMATCH,
                "an UPDATE of "
                    + spec.id()
                    + ", which has no primary key or replica identity index, came without the old"
                    + " row: set REPLICA IDENTITY FULL on the source table");
          }
          yield new Key(spec.id(), change.kind(), unchanged, change.oldValues() != null);
        }
      };
    }
  }

  static RowStatement of(TableSpec spec, Key key) {
    return switch (key.kind()) {
      case INSERT -> insert(spec, key);
      case UPDATE -> update(spec, key);
      case DELETE -> delete(spec, key);
    };
  }

  /** Whether each execution must change exactly one row (UPDATE and DELETE). */
  boolean findsOneRow() {
    return key.kind() != RowChange.Kind.INSERT;
  }

  /** Binds the change's values and adds it to the statement's batch. */
  void addBatch(PreparedStatement statement, TableSpec spec, RowChange change)
      throws SQLException, StoreException {
    String[] newValues = change.newValues();
    String[] oldValues = change.oldValues();
    checkWidth(spec, newValues);
    checkWidth(spec, oldValues);
    int parameter = 1;
    for (int column : setColumns) {
      bind(statement, parameter++, newValues[column]);
    }
    String[] whereSource = key.byOldValues() ? oldValues : newValues;
    for (int column : whereColumns) {
      bind(statement, parameter++, whereSource[column]);
    }
    statement.addBatch();
  }

  private static void bind(PreparedStatement statement, int parameter, String value)
      throws SQLException {
    if (value == null) {
      statement.setNull(parameter, Types.OTHER);
    } else {
      statement.setString(parameter, value);
    }
  }

  private static void checkWidth(TableSpec spec, String[] values) throws StoreException {
    if (values != null && values.length != spec.columns().size()) {
      throw new StoreException(
          StoreErrorCode.SCHEMA_MISMATCH,
          "a change of "
              + spec.id()
              + " has "
              + values.length
              + " values, the table has "
              + spec.columns().size()
              + " columns: call ensureTables when the source's table changes");
    }
  }

  private static RowStatement insert(TableSpec spec, Key key) {
    int[] all = allColumns(spec);
    StringBuilder sql =
        new StringBuilder("INSERT INTO ")
            .append(spec.id().quoted())
            .append(" (")
            .append(TableShaper.columnList(names(spec, all)))
            .append(") VALUES (")
            .append(placeholders(all.length))
            .append(")");
    if (!spec.primaryKey().isEmpty()) {
      List<String> assignments = new ArrayList<>();
      for (int column : all) {
        String name = spec.columns().get(column).name();
        if (!spec.primaryKey().contains(name)) {
          String quoted = quote(name);
          assignments.add(quoted + " = EXCLUDED." + quoted);
        }
      }
      // The same row again (a snapshot row replayed from the stream, or a redelivered batch).
      sql.append(" ON CONFLICT (").append(TableShaper.columnList(spec.primaryKey())).append(")");
      sql.append(
          assignments.isEmpty()
              ? " DO NOTHING"
              : " DO UPDATE SET " + String.join(", ", assignments));
    }
    return new RowStatement(key, sql.toString(), all, new int[0]);
  }

  private static RowStatement update(TableSpec spec, Key key) {
    int[] set = allColumns(spec);
    set = Arrays.stream(set).filter(c -> !key.unchanged().get(c)).toArray();
    List<String> assignments = new ArrayList<>();
    for (int column : set) {
      assignments.add(quote(spec.columns().get(column).name()) + " = ?");
    }
    int[] where = findColumns(spec);
    String sql =
        "UPDATE "
            + spec.id().quoted()
            + " SET "
            + String.join(", ", assignments)
            + " WHERE "
            + findCondition(spec, where);
    return new RowStatement(key, sql, set, where);
  }

  private static RowStatement delete(TableSpec spec, Key key) {
    int[] where = findColumns(spec);
    return new RowStatement(
        key,
        "DELETE FROM " + spec.id().quoted() + " WHERE " + findCondition(spec, where),
        new int[0],
        where);
  }

  private static int[] findColumns(TableSpec spec) {
    if (spec.rowIdentity().isEmpty()) {
      return allColumns(spec);
    }
    return spec.rowIdentity().stream().mapToInt(spec::columnIndex).toArray();
  }

  private static String findCondition(TableSpec spec, int[] where) {
    List<String> conditions = new ArrayList<>();
    if (!spec.rowIdentity().isEmpty()) {
      for (int column : where) {
        conditions.add(quote(spec.columns().get(column).name()) + " = ?");
      }
      return String.join(" AND ", conditions);
    }
    for (int column : where) {
      ColumnSpec columnSpec = spec.columns().get(column);
      String name = quote(columnSpec.name());
      conditions.add(
          hasEquality(columnSpec)
              ? name + " IS NOT DISTINCT FROM ?"
              : name + "::text IS NOT DISTINCT FROM ?");
    }
    // Identical rows are indistinguishable: change exactly one of them, as the source did.
    return "ctid = (SELECT ctid FROM "
        + spec.id().quoted()
        + " WHERE "
        + String.join(" AND ", conditions)
        + " LIMIT 1)";
  }

  /**
   * Whether {@code =} compares the column's values as the source's old row means them. json, xml
   * and the geometric types have no equality operator (or one that compares areas); their text
   * form, which the store keeps exactly as the source sent it, is compared instead.
   */
  static boolean hasEquality(ColumnSpec column) {
    String type = column.typeName();
    String element = type.endsWith("[]") ? type.substring(0, type.length() - 2) : type;
    return !NO_EQUALITY.contains(element);
  }

  private static int[] allColumns(TableSpec spec) {
    int[] all = new int[spec.columns().size()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    return all;
  }

  private static List<String> names(TableSpec spec, int[] columns) {
    List<String> names = new ArrayList<>(columns.length);
    for (int column : columns) {
      names.add(spec.columns().get(column).name());
    }
    return names;
  }

  private static String placeholders(int count) {
    return String.join(", ", Collections.nCopies(count, "?"));
  }

  private static String quote(String name) {
    return TableId.quoteIdentifier(name);
  }
}
