package io.pgmlfollower.trainer.data;

import java.util.Set;

/** How the trainer can use a column, from its PostgreSQL type. */
public enum ColumnKind {
  /** smallint, integer, bigint, real, double precision, numeric (and domains over them). */
  NUMERIC,
  /** boolean: false = 0, true = 1. */
  BOOLEAN,
  /**
   * text, varchar, char, name and enums: a classification label, or a categorical feature (encoded
   * by {@code preprocess}).
   */
  TEXT,
  /** Anything else (dates, arrays, json...): not usable yet. */
  UNSUPPORTED;

  // Built-in type OIDs from pg_type.dat; stable across PostgreSQL versions.
  private static final Set<Long> NUMERIC_OIDS = Set.of(20L, 21L, 23L, 700L, 701L, 1700L);
  private static final long BOOL_OID = 16L;
  private static final Set<Long> TEXT_OIDS = Set.of(19L, 25L, 1042L, 1043L);

  /**
   * @param baseTypeOid the column's type OID, or its base type's for a domain
   * @param typtype {@code pg_type.typtype} of that type ({@code e} for enums)
   */
  public static ColumnKind of(long baseTypeOid, String typtype) {
    if (NUMERIC_OIDS.contains(baseTypeOid)) {
      return NUMERIC;
    }
    if (baseTypeOid == BOOL_OID) {
      return BOOLEAN;
    }
    if (TEXT_OIDS.contains(baseTypeOid) || "e".equals(typtype)) {
      return TEXT;
    }
    return UNSUPPORTED;
  }
}
