package io.pgmlfollower.featurestore.spi;

import static java.util.Objects.requireNonNull;

/**
 * One replicated column.
 *
 * @param name the column name, unquoted
 * @param typeName the type as {@code pg_catalog.format_type(atttypid, atttypmod)} prints it on the
 *     source, e.g. {@code numeric(10,2)}, {@code timestamp with time zone}, {@code text[]}
 * @param typeOid the type's OID on the source (stable for built-in types)
 * @param notNull whether the source column is NOT NULL
 */
public record ColumnSpec(String name, String typeName, int typeOid, boolean notNull) {
  public ColumnSpec {
    requireNonNull(name, "name is null");
    requireNonNull(typeName, "typeName is null");
  }
}
