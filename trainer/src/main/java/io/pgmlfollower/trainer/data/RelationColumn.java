package io.pgmlfollower.trainer.data;

import static java.util.Objects.requireNonNull;

/**
 * A column of the relation trained on.
 *
 * @param name the column name, as in the catalog
 * @param pgType the type as {@code format_type} prints it, e.g. {@code double precision}
 * @param position 1-based position in table order ({@code pg_attribute.attnum} order)
 */
public record RelationColumn(String name, String pgType, ColumnKind kind, int position) {
  public RelationColumn {
    requireNonNull(name, "name is null");
    requireNonNull(pgType, "pgType is null");
    requireNonNull(kind, "kind is null");
  }
}
