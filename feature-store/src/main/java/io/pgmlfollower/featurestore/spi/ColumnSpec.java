package io.pgmlfollower.featurestore.spi;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * One replicated column.
 *
 * @param name the column name, unquoted
 * @param typeName the type as {@code pg_catalog.format_type(atttypid, atttypmod)} prints it on the
 *     source, e.g. {@code numeric(10,2)}, {@code timestamp with time zone}, {@code text[]}
 * @param typeOid the type's OID on the source (stable for built-in types)
 * @param notNull whether the source column is NOT NULL
 * @param enumType the enum the column's values belong to, when its type is an enum (or an array or
 *     a domain of one): the store creates it before the table. {@code typeName} then names it
 *     schema-qualified, e.g. {@code public.mood} or {@code public.mood[]}
 * @param sourceAttnum the column's number on the source ({@code pg_attribute.attnum}), 0 when
 *     unknown. PostgreSQL never reuses one, so it identifies a column across renames.
 */
public record ColumnSpec(
    String name,
    String typeName,
    int typeOid,
    boolean notNull,
    Optional<EnumType> enumType,
    int sourceAttnum) {
  public ColumnSpec {
    requireNonNull(name, "name is null");
    requireNonNull(typeName, "typeName is null");
    requireNonNull(enumType, "enumType is null");
  }

  /** A column whose source number is unknown. */
  public ColumnSpec(
      String name, String typeName, int typeOid, boolean notNull, Optional<EnumType> enumType) {
    this(name, typeName, typeOid, notNull, enumType, 0);
  }

  /** A column of a type the store knows by name (no enum to create). */
  public ColumnSpec(String name, String typeName, int typeOid, boolean notNull) {
    this(name, typeName, typeOid, notNull, Optional.empty());
  }
}
