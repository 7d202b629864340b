package io.pgmlfollower.pgwire.types;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.vertx.core.buffer.Buffer;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParameterDecoderTest {
  private static Buffer text(String value) {
    return Buffer.buffer(value);
  }

  private static Buffer binary(PgType type, Object value) throws PgWireException {
    Buffer out = Buffer.buffer();
    TypeCodecs.forType(type).encodeBinary(value, out);
    return out;
  }

  @Test
  void textParametersParseAsTheStatementsTypesEvenWithoutClientTypes() throws PgWireException {
    // node-postgres: OID 0, text arrays; psycopg: text {1.0,2.0}.
    List<Object> values =
        ParameterDecoder.decode(
            "",
            List.of(PgType.FLOAT8_ARRAY, PgType.INT8, PgType.TEXT),
            new int[] {0, 0},
            new short[0],
            new Buffer[] {text("{1.0,2.0}"), text("42"), null});
    assertThat((double[]) values.get(0)).containsExactly(1.0, 2.0);
    assertThat(values.get(1)).isEqualTo(42L);
    assertThat(values.get(2)).isNull();
  }

  @Test
  void binaryParametersFollowTheClientsTypeThenConvert() throws PgWireException {
    // pgjdbc: setObject(double[]) is binary float8[] (1022), setInt is binary int4.
    List<Object> values =
        ParameterDecoder.decode(
            "S_1",
            List.of(PgType.FLOAT4_ARRAY, PgType.INT8, PgType.NUMERIC, PgType.FLOAT8),
            new int[] {1022, 23, 701, 0},
            new short[] {1},
            new Buffer[] {
              binary(PgType.FLOAT8_ARRAY, new double[] {0.5, 1.5}),
              binary(PgType.INT4, 7),
              binary(PgType.FLOAT8, 2.25),
              binary(PgType.FLOAT8, 3.5)
            });
    assertThat((float[]) values.get(0)).containsExactly(0.5f, 1.5f);
    assertThat(values.get(1)).isEqualTo(7L);
    assertThat(values.get(2)).isEqualTo(new BigDecimal("2.25"));
    assertThat(values.get(3)).isEqualTo(3.5);
  }

  @Test
  void wrongCountsAndUnconvertibleTypesAreRefused() throws PgWireException {
    assertThatThrownBy(
            () ->
                ParameterDecoder.decode(
                    "s", List.of(PgType.INT4), new int[0], new short[0], new Buffer[0]))
        .isInstanceOfSatisfying(
            PgWireException.class,
            e -> {
              assertThat(e.sqlState().code()).isEqualTo("08P01");
              assertThat(e.getMessage())
                  .isEqualTo(
                      "bind message supplies 0 parameters, but prepared statement \"s\" requires 1");
            });
    Buffer bool = binary(PgType.BOOL, true);
    assertThatThrownBy(
            () ->
                ParameterDecoder.decode(
                    "", List.of(PgType.INT4), new int[] {16}, new short[] {1}, new Buffer[] {bool}))
        .isInstanceOfSatisfying(
            PgWireException.class,
            e -> {
              assertThat(e.sqlState().code()).isEqualTo("42804");
              assertThat(e.detail()).isEqualTo("while decoding parameter $1");
            });
    assertThatThrownBy(
            () ->
                ParameterDecoder.decode(
                    "",
                    List.of(PgType.INT2),
                    new int[] {23},
                    new short[] {1},
                    new Buffer[] {binary(PgType.INT4, 70000)}))
        .isInstanceOf(PgWireException.class);
  }
}
