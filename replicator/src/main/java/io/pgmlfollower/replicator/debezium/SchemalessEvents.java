package io.pgmlfollower.replicator.debezium;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.RowChange;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.replicator.ReplicatorException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Debezium change events written without schemas (Kafka Connect's JSON converter with {@code
 * schemas.enable=false}): the envelope as maps. Such events say neither the columns' types nor, for
 * a table without a key, anything but the values, so every column is stored as {@code text}: the
 * JSON value's own text (numbers as written, objects and arrays as JSON), which a view can cast.
 * The columns are taken in name order (a JSON object has none), the primary key from the key's
 * fields. Debezium's semantic types show as it encodes them: timestamps as epoch numbers, decimals
 * as base64 unless {@code decimal.handling.mode=string}.
 */
final class SchemalessEvents {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int TEXT = 25;

  private SchemalessEvents() {}

  static ChangeEvents.Decoded decode(Object key, Map<?, ?> envelope) throws ReplicatorException {
    Object op = envelope.get("op");
    if (!(op instanceof String operation)
        || !(envelope.get("source") instanceof Map<?, ?> source)) {
      throw ChangeEvents.invalid("the event is not a Debezium change event (no op or source)");
    }
    TableId table = new TableId(text(source.get("schema")), text(source.get("table")));
    switch (operation) {
      case "t" -> {
        return new ChangeEvents.Decoded(new ChangeBatch.Truncate(List.of(table)), null);
      }
      case "m" -> {
        return null;
      }
      case "c", "r", "u", "d" -> {
        // A row.
      }
      default ->
          throw ChangeEvents.invalid("unknown op '" + operation + "' in an event of " + table);
    }
    Map<?, ?> before = envelope.get("before") instanceof Map<?, ?> map ? map : null;
    Map<?, ?> after = envelope.get("after") instanceof Map<?, ?> map ? map : null;
    Map<?, ?> shape = after != null ? after : before;
    if (shape == null) {
      throw ChangeEvents.invalid("a '" + operation + "' event of " + table + " without a row");
    }
    List<String> columns = new ArrayList<>();
    for (Object name : new TreeSet<>(shape.keySet().stream().map(String::valueOf).toList())) {
      columns.add((String) name);
    }
    List<ColumnSpec> specs = new ArrayList<>();
    for (String column : columns) {
      specs.add(new ColumnSpec(column, "text", TEXT, false));
    }
    List<String> primaryKey = new ArrayList<>();
    if (key instanceof Map<?, ?> keyFields) {
      for (Object name : new TreeSet<>(keyFields.keySet().stream().map(String::valueOf).toList())) {
        primaryKey.add((String) name);
      }
    }
    TableSpec spec = new TableSpec(table, specs, primaryKey);
    RowChange change;
    if (operation.equals("d")) {
      if (before == null) {
        throw ChangeEvents.invalid("a delete of " + table + " without the row's key");
      }
      change = RowChange.delete(table, values(columns, before, null));
    } else {
      if (after == null) {
        throw ChangeEvents.invalid(
            "a '" + operation + "' event of " + table + " without the new row");
      }
      BitSet unchanged = new BitSet();
      String[] newValues = values(columns, after, unchanged);
      if (!operation.equals("u") || (!primaryKey.isEmpty() && unchanged.isEmpty())) {
        change = RowChange.insert(table, newValues);
      } else {
        change =
            RowChange.update(
                table,
                before == null ? null : values(columns, before, null),
                newValues,
                unchanged.isEmpty() ? null : unchanged);
      }
    }
    return new ChangeEvents.Decoded(new ChangeBatch.Row(change), spec);
  }

  private static String[] values(List<String> columns, Map<?, ?> row, BitSet unchanged)
      throws ReplicatorException {
    String[] values = new String[columns.size()];
    for (int i = 0; i < values.length; i++) {
      Object value = row.get(columns.get(i));
      if (unchanged != null && ConnectColumns.UNAVAILABLE.equals(value)) {
        unchanged.set(i);
        continue;
      }
      values[i] = value == null ? null : valueText(value);
    }
    return values;
  }

  private static String valueText(Object value) throws ReplicatorException {
    if (value instanceof Map<?, ?> || value instanceof List<?>) {
      try {
        return JSON.writeValueAsString(value);
      } catch (JsonProcessingException e) {
        throw ChangeEvents.invalid("a value that is not JSON: " + e.getMessage());
      }
    }
    if (value instanceof byte[] bytes) {
      return java.util.Base64.getEncoder().encodeToString(bytes);
    }
    return String.valueOf(value);
  }

  private static String text(Object value) throws ReplicatorException {
    if (!(value instanceof String text)) {
      throw ChangeEvents.invalid("the event's source names no schema or table");
    }
    return text;
  }
}
