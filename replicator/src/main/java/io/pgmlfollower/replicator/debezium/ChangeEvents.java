package io.pgmlfollower.replicator.debezium;

import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.RowChange;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.replicator.ReplicatorErrorCode;
import io.pgmlfollower.replicator.ReplicatorException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * Debezium change events (https://debezium.io/documentation/reference/stable/connectors/
 * postgresql.html#postgresql-events) as store changes. An event is a key (the row's primary key, or
 * none for a table without one) and a value envelope: {@code before}, {@code after}, {@code source}
 * ({@code schema}, {@code table}, {@code lsn}...), {@code op}: {@code c} create, {@code r} read (a
 * snapshot row), {@code u} update, {@code d} delete, {@code t} truncate. A delete is followed by a
 * tombstone (a null value), which changes nothing here.
 *
 * <p>The table's shape comes from the event's own schemas: columns from the row schema ({@code
 * after}, else {@code before}), the primary key from the key schema. Creates and snapshot reads are
 * inserts (upserts by key where the table has one), and so are updates of a table with a key; an
 * update with unchanged TOAST values, or of a table without a key, is an UPDATE found by its old
 * row.
 */
public final class ChangeEvents {
  private ChangeEvents() {}

  /** A decoded event: the change, and the table shape it was written with. */
  public record Decoded(ChangeBatch.Change change, TableSpec spec) {}

  /**
   * @param keySchema the key's schema, null when the table has no primary key
   * @param valueSchema the envelope's schema
   * @param value the envelope; null for a tombstone
   * @return the change, or null for a tombstone or an event that changes no row (a logical decoding
   *     message)
   */
  public static Decoded decode(Schema keySchema, Schema valueSchema, Object value)
      throws ReplicatorException {
    return decode(keySchema, null, valueSchema, value);
  }

  /**
   * As {@link #decode(Schema, Schema, Object)}, taking events written without schemas too ({@link
   * SchemalessEvents}: the envelope as a map, the key's fields naming the primary key).
   */
  public static Decoded decode(Schema keySchema, Object key, Schema valueSchema, Object value)
      throws ReplicatorException {
    if (value == null) {
      return null;
    }
    if (valueSchema == null && value instanceof java.util.Map<?, ?> envelope) {
      return SchemalessEvents.decode(key, envelope);
    }
    if (!(value instanceof Struct envelope) || valueSchema == null) {
      throw invalid("the event is neither a Debezium envelope with its schema nor one without");
    }
    String op = envelope.getString("op");
    Struct source = envelope.getStruct("source");
    if (op == null || source == null) {
      throw invalid("the event is not a Debezium change event (no op or source)");
    }
    TableId table = new TableId(source.getString("schema"), source.getString("table"));
    switch (op) {
      case "t" -> {
        return new Decoded(new ChangeBatch.Truncate(List.of(table)), null);
      }
      case "m" -> {
        return null;
      }
      case "c", "r", "u", "d" -> {
        // The row's shape.
      }
      default -> throw invalid("unknown op '" + op + "' in an event of " + table);
    }
    Schema rowSchema =
        valueSchema.field("after") != null
            ? valueSchema.field("after").schema()
            : valueSchema.field("before").schema();
    TableSpec spec = spec(table, rowSchema, keySchema);
    Struct before = envelope.getStruct("before");
    Struct after = envelope.getStruct("after");
    RowChange change =
        switch (op) {
          case "d" -> {
            if (before == null) {
              throw invalid("a delete of " + table + " without the row's key");
            }
            yield RowChange.delete(table, values(rowSchema, before, null));
          }
          default -> {
            if (after == null) {
              throw invalid("a '" + op + "' event of " + table + " without the new row");
            }
            BitSet unchanged = new BitSet();
            String[] newValues = values(rowSchema, after, unchanged);
            if (!op.equals("u") || (!spec.primaryKey().isEmpty() && unchanged.isEmpty())) {
              // A new row; with a key, an upsert (the stores insert or replace by key).
              yield RowChange.insert(table, newValues);
            }
            // Without a key the old row finds the row (REPLICA IDENTITY FULL on the source); with
            // unchanged TOAST values only an UPDATE keeps what the stores hold for them.
            yield RowChange.update(
                table,
                before == null ? null : values(rowSchema, before, null),
                newValues,
                unchanged.isEmpty() ? null : unchanged);
          }
        };
    return new Decoded(new ChangeBatch.Row(change), spec);
  }

  static TableSpec spec(TableId table, Schema rowSchema, Schema keySchema)
      throws ReplicatorException {
    List<ColumnSpec> columns = new ArrayList<>();
    for (Field field : rowSchema.fields()) {
      ConnectColumns.PgType type = ConnectColumns.typeOf(field.schema());
      columns.add(
          new ColumnSpec(field.name(), type.name(), type.oid(), !field.schema().isOptional()));
    }
    List<String> key = new ArrayList<>();
    if (keySchema != null && keySchema.type() == Schema.Type.STRUCT) {
      for (Field field : keySchema.fields()) {
        key.add(field.name());
      }
    }
    return new TableSpec(table, columns, key);
  }

  /** The row's values as text; values Debezium could not read (unchanged TOAST) marked. */
  private static String[] values(Schema rowSchema, Struct row, BitSet unchanged)
      throws ReplicatorException {
    List<Field> fields = rowSchema.fields();
    String[] values = new String[fields.size()];
    for (int i = 0; i < values.length; i++) {
      Field field = fields.get(i);
      Object value = row.get(field.name());
      if (unchanged != null && isUnavailable(value)) {
        unchanged.set(i);
        continue;
      }
      values[i] = ConnectColumns.text(field.schema(), value);
    }
    return values;
  }

  private static boolean isUnavailable(Object value) {
    return ConnectColumns.UNAVAILABLE.equals(value)
        || (value instanceof List<?> list
            && list.size() == 1
            && ConnectColumns.UNAVAILABLE.equals(list.getFirst()));
  }

  static ReplicatorException invalid(String what) {
    return new ReplicatorException(ReplicatorErrorCode.PROTOCOL_VIOLATION, what);
  }
}
