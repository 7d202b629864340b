package io.pgmlfollower.pgwire.spi;

/** The PostgreSQL types local statements take and return, with their OIDs (pg_type.oid). */
public enum PgType {
  BOOL(16),
  BYTEA(17),
  INT8(20),
  INT2(21),
  INT4(23),
  TEXT(25),
  JSON(114),
  FLOAT4(700),
  FLOAT8(701),
  VARCHAR(1043),
  DATE(1082),
  TIMESTAMP(1114),
  TIMESTAMPTZ(1184),
  NUMERIC(1700),
  UUID(2950),
  JSONB(3802),
  BOOL_ARRAY(1000),
  INT2_ARRAY(1005),
  INT4_ARRAY(1007),
  TEXT_ARRAY(1009),
  INT8_ARRAY(1016),
  FLOAT4_ARRAY(1021),
  FLOAT8_ARRAY(1022),
  NUMERIC_ARRAY(1231),
  /** A parameter whose type the client left open and the statement does not fix. */
  UNKNOWN(705);

  private final int oid;

  PgType(int oid) {
    this.oid = oid;
  }

  public int oid() {
    return oid;
  }

  public static PgType fromOid(int oid) {
    for (PgType type : values()) {
      if (type.oid == oid) {
        return type;
      }
    }
    return null;
  }
}
