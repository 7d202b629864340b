package io.pgmlfollower.serving.sql;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/** The primary key {@code pgml.predict_by_key} looks a row up by, as the caller gave it. */
public sealed interface RowKey {
  /** One value, in text form, of a single-column primary key: {@code predict_by_key('p', '42')}. */
  record Single(String value) implements RowKey {
    public Single {
      requireNonNull(value, "value is null");
    }
  }

  /**
   * Values by column name, in text form, for any primary key, composite ones included: {@code
   * predict_by_key('p', '{"order_id": 7, "line": 2}'::jsonb)}.
   */
  record ByColumn(Map<String, String> values) implements RowKey {
    public ByColumn {
      values = Map.copyOf(requireNonNull(values, "values is null"));
    }
  }
}
