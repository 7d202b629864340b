package io.pgmlfollower.pgwire.types;

import io.pgmlfollower.pgwire.spi.PgType;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/** The codec of every {@link PgType}. */
public final class TypeCodecs {
  private static final Map<PgType, TypeCodec> CODECS = build();

  private TypeCodecs() {}

  public static TypeCodec forType(PgType type) {
    return CODECS.get(type);
  }

  private static Map<PgType, TypeCodec> build() {
    Map<PgType, TypeCodec> codecs = new EnumMap<>(PgType.class);
    BoolCodec bool = new BoolCodec();
    Int2Codec int2 = new Int2Codec();
    Int4Codec int4 = new Int4Codec();
    Int8Codec int8 = new Int8Codec();
    Float4Codec float4 = new Float4Codec();
    Float8Codec float8 = new Float8Codec();
    NumericCodec numeric = new NumericCodec();
    TextCodec text = new TextCodec(PgType.TEXT, "text", -1);
    codecs.put(PgType.BOOL, bool);
    codecs.put(PgType.BYTEA, new ByteaCodec());
    codecs.put(PgType.INT8, int8);
    codecs.put(PgType.INT2, int2);
    codecs.put(PgType.INT4, int4);
    codecs.put(PgType.TEXT, text);
    codecs.put(PgType.JSON, new JsonCodec(false));
    codecs.put(PgType.FLOAT4, float4);
    codecs.put(PgType.FLOAT8, float8);
    codecs.put(PgType.VARCHAR, new TextCodec(PgType.VARCHAR, "character varying", -1));
    codecs.put(PgType.DATE, new DateCodec());
    codecs.put(PgType.TIMESTAMP, new TimestampCodec());
    codecs.put(PgType.TIMESTAMPTZ, new TimestampTzCodec());
    codecs.put(PgType.NUMERIC, numeric);
    codecs.put(PgType.UUID, new UuidCodec());
    codecs.put(PgType.JSONB, new JsonCodec(true));
    codecs.put(PgType.BOOL_ARRAY, new ArrayCodec(PgType.BOOL_ARRAY, bool));
    codecs.put(PgType.INT2_ARRAY, new ArrayCodec(PgType.INT2_ARRAY, int2));
    codecs.put(PgType.INT4_ARRAY, new ArrayCodec(PgType.INT4_ARRAY, int4));
    codecs.put(PgType.TEXT_ARRAY, new ArrayCodec(PgType.TEXT_ARRAY, text));
    codecs.put(PgType.INT8_ARRAY, new ArrayCodec(PgType.INT8_ARRAY, int8));
    codecs.put(PgType.FLOAT4_ARRAY, new ArrayCodec(PgType.FLOAT4_ARRAY, float4));
    codecs.put(PgType.FLOAT8_ARRAY, new ArrayCodec(PgType.FLOAT8_ARRAY, float8));
    codecs.put(PgType.NUMERIC_ARRAY, new ArrayCodec(PgType.NUMERIC_ARRAY, numeric));
    // unknown: a literal whose type nothing fixed; typlen -2 (a C string) as in pg_type.
    codecs.put(PgType.UNKNOWN, new TextCodec(PgType.UNKNOWN, "unknown", -2));
    for (PgType type : PgType.values()) {
      if (!codecs.containsKey(type)) {
        throw new IllegalStateException("no codec for " + type);
      }
    }
    return Collections.unmodifiableMap(codecs);
  }
}
