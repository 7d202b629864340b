package io.pgmlfollower.replicator.debezium;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.replicator.ReplicatorException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

/** Debezium's representations of PostgreSQL values, back to PostgreSQL's text and types. */
class ConnectColumnsTest {
  private static Schema logical(Schema.Type type, String name) {
    return new SchemaBuilder(type).name(name).optional().build();
  }

  @Test
  void timesInEveryPrecisionModeGiveTheSameText() throws ReplicatorException {
    // 2024-02-29 13:14:15.123456 UTC, as Debezium's adaptive and connect modes send it.
    long micros = 1_709_212_455_123_456L;
    assertThat(
            ConnectColumns.text(
                logical(Schema.Type.INT64, "io.debezium.time.MicroTimestamp"), micros))
        .isEqualTo("2024-02-29 13:14:15.123456");
    assertThat(
            ConnectColumns.text(
                logical(Schema.Type.INT64, "io.debezium.time.NanoTimestamp"), micros * 1000))
        .isEqualTo("2024-02-29 13:14:15.123456");
    assertThat(
            ConnectColumns.text(
                logical(Schema.Type.INT64, "io.debezium.time.Timestamp"), micros / 1000))
        .isEqualTo("2024-02-29 13:14:15.123");
    // Before 1970, and whole seconds without a fraction, as PostgreSQL prints them.
    assertThat(
            ConnectColumns.text(
                logical(Schema.Type.INT64, "io.debezium.time.MicroTimestamp"), -1_000_001L))
        .isEqualTo("1969-12-31 23:59:58.999999");
    assertThat(ConnectColumns.text(logical(Schema.Type.INT32, "io.debezium.time.Date"), -1))
        .isEqualTo("1969-12-31");
    assertThat(
            ConnectColumns.text(
                logical(Schema.Type.STRING, "io.debezium.time.ZonedTimestamp"),
                "2024-02-29T15:14:15.5+02:00"))
        .isEqualTo("2024-02-29 13:14:15.5+00");
    assertThat(
            ConnectColumns.text(
                logical(Schema.Type.INT64, "io.debezium.time.MicroTime"), 3_600_000_000L))
        .isEqualTo("01:00:00");
  }

  @Test
  void decimalsKeepTheirScale() throws ReplicatorException {
    assertThat(ConnectColumns.text(Decimal.schema(2), new BigDecimal("-12.50")))
        .isEqualTo("-12.50");
    Schema variable =
        SchemaBuilder.struct()
            .name("io.debezium.data.VariableScaleDecimal")
            .field("scale", Schema.INT32_SCHEMA)
            .field("value", Schema.BYTES_SCHEMA)
            .build();
    Struct value =
        new Struct(variable)
            .put("scale", 20)
            .put("value", new BigInteger("123456789012345678901234567890").toByteArray());
    assertThat(ConnectColumns.text(variable, value)).isEqualTo("1234567890.12345678901234567890");
    assertThat(ConnectColumns.typeOf(variable).oid()).isEqualTo(1700);
  }

  @Test
  void plainTypesAndArrays() throws ReplicatorException {
    assertThat(ConnectColumns.text(Schema.BOOLEAN_SCHEMA, true)).isEqualTo("t");
    assertThat(ConnectColumns.text(Schema.BYTES_SCHEMA, ByteBuffer.wrap(new byte[] {0, -1})))
        .isEqualTo("\\x00ff");
    Schema texts = SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).build();
    assertThat(ConnectColumns.text(texts, Arrays.asList("a", null, "b \"q\" \\")))
        .isEqualTo("{\"a\",NULL,\"b \\\"q\\\" \\\\\"}");
    assertThat(ConnectColumns.typeOf(texts)).isEqualTo(new ConnectColumns.PgType("text[]", 1009));
    assertThat(ConnectColumns.typeOf(Schema.INT16_SCHEMA).oid()).isEqualTo(21);
    assertThat(ConnectColumns.text(Schema.INT64_SCHEMA, 9_223_372_036_854_775_807L))
        .isEqualTo("9223372036854775807");
    assertThat(ConnectColumns.text(Schema.INT32_SCHEMA, null)).isNull();
  }

  @Test
  void structuresWithoutAColumnTypeAreRefusedByName() {
    Schema map = SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA).build();
    assertThatThrownBy(() -> ConnectColumns.typeOf(map))
        .isInstanceOf(ReplicatorException.class)
        .hasMessageContaining("MAP");
  }
}
