package io.pgmlfollower.featurestore.spi;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * An enum type defined on the source, which the store creates under the same schema and name before
 * a table that uses it.
 *
 * @param schema the type's schema, unquoted
 * @param name the type's name, unquoted
 * @param labels the labels in sort order ({@code pg_enum.enumsortorder})
 */
public record EnumType(String schema, String name, List<String> labels) {
  public EnumType {
    requireNonNull(schema, "schema is null");
    requireNonNull(name, "name is null");
    labels = List.copyOf(requireNonNull(labels, "labels is null"));
  }

  /** The name quoted for SQL, e.g. {@code "public"."Mood"}. */
  public String quoted() {
    return TableId.quoteIdentifier(schema) + "." + TableId.quoteIdentifier(name);
  }

  @Override
  public String toString() {
    return schema + "." + name + labels;
  }
}
