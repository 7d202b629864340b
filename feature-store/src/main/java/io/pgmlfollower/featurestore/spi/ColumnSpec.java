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
 * @param missingValue the text form of the value that rows older than the column have, when it was
 *     added with a non-volatile default: PostgreSQL keeps that value in the catalog ({@code
 *     pg_attribute.attmissingval}) instead of writing it into the rows, so no change in the WAL
 *     carries it (<a
 *     href="https://www.postgresql.org/docs/current/ddl-alter.html#DDL-ALTER-ADDING-A-COLUMN">adding
 *     a column</a>). Empty otherwise: such rows have NULL.
 */
public record ColumnSpec(
    String name,
    String typeName,
    int typeOid,
    boolean notNull,
    Optional<EnumType> enumType,
    int sourceAttnum,
    Optional<String> missingValue) {
  public ColumnSpec {
    requireNonNull(name, "name is null");
    requireNonNull(typeName, "typeName is null");
    requireNonNull(enumType, "enumType is null");
    requireNonNull(missingValue, "missingValue is null");
  }

  /** A column whose older rows, if any, have NULL in it. */
  public ColumnSpec(
      String name,
      String typeName,
      int typeOid,
      boolean notNull,
      Optional<EnumType> enumType,
      int sourceAttnum) {
    this(name, typeName, typeOid, notNull, enumType, sourceAttnum, Optional.empty());
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
