package io.pgmlfollower.pgwire.types;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.vertx.core.buffer.Buffer;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Expected text and binary forms were taken from PostgreSQL itself ({@code SELECT x::type} and
 * {@code type_send(x)} on a real server).
 */
class TypeCodecsTest {
  private static String binaryHex(PgType type, Object value) throws PgWireException {
    Buffer out = Buffer.buffer();
    TypeCodecs.forType(type).encodeBinary(value, out);
    return HexFormat.of().formatHex(out.getBytes());
  }

  private static Object fromBinaryHex(PgType type, String hex) throws PgWireException {
    return TypeCodecs.forType(type).decodeBinary(Buffer.buffer(HexFormat.of().parseHex(hex)));
  }

  private static String text(PgType type, Object value) throws PgWireException {
    return TypeCodecs.forType(type).encodeText(value);
  }

  private static Object parse(PgType type, String text) throws PgWireException {
    return TypeCodecs.forType(type).decodeText(text);
  }

  @Test
  void everyTypeHasACodec() {
    for (PgType type : PgType.values()) {
      assertThat(TypeCodecs.forType(type)).as(type.name()).isNotNull();
      assertThat(TypeCodecs.forType(type).type()).isEqualTo(type);
    }
  }

  @Test
  void doublesAreWrittenShortestAsPostgresDoes() throws PgWireException {
    assertThat(text(PgType.FLOAT8, 1e15)).isEqualTo("1e+15");
    assertThat(text(PgType.FLOAT8, 1e14)).isEqualTo("100000000000000");
    assertThat(text(PgType.FLOAT8, 123456789012345.6)).isEqualTo("123456789012345.6");
    assertThat(text(PgType.FLOAT8, 0.0001)).isEqualTo("0.0001");
    assertThat(text(PgType.FLOAT8, 0.00001)).isEqualTo("1e-05");
    assertThat(text(PgType.FLOAT8, -0.0)).isEqualTo("-0");
    assertThat(text(PgType.FLOAT8, Double.NaN)).isEqualTo("NaN");
    assertThat(text(PgType.FLOAT8, Double.NEGATIVE_INFINITY)).isEqualTo("-Infinity");
    assertThat(text(PgType.FLOAT8, 1e-300)).isEqualTo("1e-300");
    assertThat(text(PgType.FLOAT8, Double.MAX_VALUE)).isEqualTo("1.7976931348623157e+308");
    assertThat(text(PgType.FLOAT8, 2.5)).isEqualTo("2.5");
    assertThat(text(PgType.FLOAT8, 0.1 + 0.2)).isEqualTo("0.30000000000000004");
  }

  @Test
  void realsAreWrittenShortestAsPostgresDoes() throws PgWireException {
    assertThat(text(PgType.FLOAT4, 1e6f)).isEqualTo("1e+06");
    assertThat(text(PgType.FLOAT4, 123456f)).isEqualTo("123456");
    assertThat(text(PgType.FLOAT4, 1234567f)).isEqualTo("1.234567e+06");
    assertThat(text(PgType.FLOAT4, 0.1f)).isEqualTo("0.1");
    // 1.083393e8 lies exactly halfway between this float and the next: Java's shortest (it rounds
    // half to even), never PostgreSQL's, which keeps strictly inside and prints two more digits.
    assertThat(text(PgType.FLOAT4, -108339296f)).isEqualTo("-1.08339296e+08");
    // Java prints at least two digits in exponential form; PostgreSQL the shortest, here one.
    assertThat(text(PgType.FLOAT4, Float.MIN_VALUE)).isEqualTo("1e-45");
    assertThat(text(PgType.FLOAT8, Double.MIN_VALUE)).isEqualTo("5e-324");
    assertThat(text(PgType.FLOAT8, Double.MAX_VALUE)).isEqualTo("1.7976931348623157e+308");
    assertThat(text(PgType.FLOAT4, 1.5e-5f)).isEqualTo("1.5e-05");
    assertThat(text(PgType.FLOAT4, 0.0001234f)).isEqualTo("0.0001234");
  }

  @Test
  void floatTextRoundTripsEveryBit() throws PgWireException {
    double[] samples = {Math.PI, 1 / 3.0, 1e-320, 6.02214076e23, -123.456e-7, Double.MIN_NORMAL};
    for (double sample : samples) {
      assertThat(parse(PgType.FLOAT8, text(PgType.FLOAT8, sample))).isEqualTo(sample);
    }
    assertThat(parse(PgType.FLOAT8, " -Infinity ")).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThatThrownBy(() -> parse(PgType.FLOAT8, "0x1p3"))
        .isInstanceOfSatisfying(
            PgWireException.class, e -> assertThat(e.sqlState().code()).isEqualTo("22P02"));
    assertThatThrownBy(() -> parse(PgType.FLOAT4, "1e39")).isInstanceOf(PgWireException.class);
  }

  @Test
  void integersCheckTheirRange() throws PgWireException {
    assertThat(parse(PgType.INT2, " 12 ")).isEqualTo((short) 12);
    assertThat(parse(PgType.INT4, "-7")).isEqualTo(-7);
    assertThat(parse(PgType.INT8, "9223372036854775807")).isEqualTo(Long.MAX_VALUE);
    assertThatThrownBy(() -> parse(PgType.INT2, "40000")).isInstanceOf(PgWireException.class);
    assertThatThrownBy(() -> parse(PgType.INT4, "1.5"))
        .isInstanceOfSatisfying(
            PgWireException.class, e -> assertThat(e.sqlState().code()).isEqualTo("22P02"));
    assertThat(binaryHex(PgType.INT4, 2)).isEqualTo("00000002");
    assertThat(binaryHex(PgType.INT8, -1L)).isEqualTo("ffffffffffffffff");
    assertThat(fromBinaryHex(PgType.INT2, "ff9c")).isEqualTo((short) -100);
    assertThatThrownBy(() -> fromBinaryHex(PgType.INT4, "0001"))
        .isInstanceOfSatisfying(
            PgWireException.class, e -> assertThat(e.sqlState().code()).isEqualTo("08P01"));
  }

  @Test
  void numericBinaryMatchesNumericSend() throws PgWireException {
    assertThat(binaryHex(PgType.NUMERIC, new BigDecimal("12345.678")))
        .isEqualTo("0003000100000003000109291a7c");
    assertThat(binaryHex(PgType.NUMERIC, new BigDecimal("-0.5"))).isEqualTo("0001ffff400000011388");
    assertThat(binaryHex(PgType.NUMERIC, BigDecimal.ZERO)).isEqualTo("0000000000000000");
    assertThat(binaryHex(PgType.NUMERIC, new BigDecimal("10000")))
        .isEqualTo("00010001000000000001");
    assertThat(binaryHex(PgType.NUMERIC, new BigDecimal("1E-10")))
        .isEqualTo("0001fffd0000000a0064");
    assertThat(binaryHex(PgType.NUMERIC, new BigDecimal("0.00012000")))
        .isEqualTo("0002ffff00000008000107d0");
    for (String value : new String[] {"12345.678", "-0.5", "0", "10000", "1E-10", "0.00012000"}) {
      BigDecimal decimal = new BigDecimal(value);
      Object decoded = fromBinaryHex(PgType.NUMERIC, binaryHex(PgType.NUMERIC, decimal));
      assertThat(decoded).as(value).isEqualTo(decimal.setScale(Math.max(decimal.scale(), 0)));
    }
    assertThat(text(PgType.NUMERIC, new BigDecimal("1E+3"))).isEqualTo("1000");
    assertThat(text(PgType.NUMERIC, Double.NaN)).isEqualTo("NaN");
  }

  @Test
  void arraysMatchArrayOutAndArraySend() throws PgWireException {
    assertThat(text(PgType.FLOAT8_ARRAY, new Double[] {1.5, null, -2.0}))
        .isEqualTo("{1.5,NULL,-2}");
    assertThat(text(PgType.TEXT_ARRAY, new String[] {"a b", "", "NULL", "x\"y", "c,d", "null2"}))
        .isEqualTo("{\"a b\",\"\",\"NULL\",\"x\\\"y\",\"c,d\",null2}");
    assertThat(binaryHex(PgType.FLOAT8_ARRAY, new Double[] {1.5, null, -2.0}))
        .isEqualTo(
            "0000000100000001000002bd0000000300000001000000083ff8000000000000ffffffff00000008"
                + "c000000000000000");
    assertThat(binaryHex(PgType.FLOAT8_ARRAY, new double[0])).isEqualTo("0000000000000000000002bd");
    assertThat(binaryHex(PgType.INT4_ARRAY, new int[] {1, 2}))
        .isEqualTo("000000010000000000000017000000020000000100000004000000010000000400000002");
  }

  @Test
  void arraysDecodeToPrimitiveJavaArrays() throws PgWireException {
    assertThat((double[]) parse(PgType.FLOAT8_ARRAY, " { 1.0 , 2.5,-3e2 } "))
        .containsExactly(1.0, 2.5, -300.0);
    assertThat((float[]) parse(PgType.FLOAT4_ARRAY, "[1:2]={0.5,1}")).containsExactly(0.5f, 1f);
    assertThat((long[]) parse(PgType.INT8_ARRAY, "{}")).isEmpty();
    assertThat((boolean[]) parse(PgType.BOOL_ARRAY, "{t,false}")).containsExactly(true, false);
    assertThat((String[]) parse(PgType.TEXT_ARRAY, "{\"a,b\",NULL,\"NULL\",x\\,y}"))
        .containsExactly("a,b", null, "NULL", "x,y");
    assertThat(
            (double[])
                fromBinaryHex(
                    PgType.FLOAT8_ARRAY,
                    "0000000100000000000002bd0000000200000001000000083ff800000000000000000008"
                        + "c000000000000000"))
        .containsExactly(1.5, -2.0);
    assertThatThrownBy(() -> parse(PgType.FLOAT8_ARRAY, "{1,NULL}"))
        .isInstanceOfSatisfying(
            PgWireException.class, e -> assertThat(e.sqlState().code()).isEqualTo("22004"));
    assertThatThrownBy(() -> parse(PgType.INT4_ARRAY, "{{1,2},{3,4}}"))
        .isInstanceOfSatisfying(
            PgWireException.class, e -> assertThat(e.sqlState().code()).isEqualTo("0A000"));
    assertThatThrownBy(() -> parse(PgType.INT4_ARRAY, "{1,2"))
        .isInstanceOfSatisfying(
            PgWireException.class, e -> assertThat(e.sqlState().code()).isEqualTo("22P02"));
  }

  @Test
  void dateAndTimeUsePostgresEpochAndIsoText() throws PgWireException {
    LocalDateTime timestamp = LocalDateTime.of(2024, 1, 2, 3, 4, 5, 120_000_000);
    assertThat(text(PgType.TIMESTAMP, timestamp)).isEqualTo("2024-01-02 03:04:05.12");
    assertThat(binaryHex(PgType.TIMESTAMP, timestamp)).isEqualTo("0002b0ec8517c800");
    assertThat(parse(PgType.TIMESTAMP, "2024-01-02T03:04:05.12")).isEqualTo(timestamp);
    assertThat(binaryHex(PgType.DATE, LocalDate.of(1999, 12, 31))).isEqualTo("ffffffff");
    assertThat(parse(PgType.DATE, "infinity")).isEqualTo(LocalDate.MAX);
    OffsetDateTime instant = OffsetDateTime.of(2000, 1, 1, 0, 0, 1, 0, ZoneOffset.UTC);
    assertThat(binaryHex(PgType.TIMESTAMPTZ, instant)).isEqualTo("00000000000f4240");
    assertThat(parse(PgType.TIMESTAMPTZ, "2000-01-01 02:00:01+02")).isEqualTo(instant);
    assertThat(text(PgType.TIMESTAMPTZ, instant)).isEqualTo("2000-01-01 00:00:01+00");
  }

  @Test
  void otherScalarsMatchPostgres() throws PgWireException {
    UUID uuid = UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    assertThat(binaryHex(PgType.UUID, uuid)).isEqualTo("a0eebc999c0b4ef8bb6d6bb9bd380a11");
    assertThat(parse(PgType.UUID, "{A0EEBC999C0B4EF8BB6D6BB9BD380A11}")).isEqualTo(uuid);
    assertThat(binaryHex(PgType.JSONB, "{\"a\": 1}")).isEqualTo("017b2261223a20317d");
    assertThat(fromBinaryHex(PgType.JSONB, "017b2261223a20317d")).isEqualTo("{\"a\": 1}");
    assertThat(text(PgType.BYTEA, new byte[] {10, (byte) 255})).isEqualTo("\\x0aff");
    assertThat((byte[]) parse(PgType.BYTEA, "\\x0A ff")).containsExactly(10, 255);
    assertThat((byte[]) parse(PgType.BYTEA, "a\\\\b\\001")).containsExactly('a', '\\', 'b', 1);
    assertThat(parse(PgType.BOOL, "YES")).isEqualTo(true);
    assertThat(text(PgType.BOOL, false)).isEqualTo("f");
    assertThat(text(PgType.TEXT, "héllo")).isEqualTo("héllo");
  }
}
