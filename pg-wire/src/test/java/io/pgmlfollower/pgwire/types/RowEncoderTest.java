package io.pgmlfollower.pgwire.types;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.pgwire.protocol.PayloadReader;
import io.pgmlfollower.pgwire.spi.ColumnDescription;
import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RowEncoderTest {
  private static final List<ColumnDescription> COLUMNS =
      List.of(
          new ColumnDescription("score", PgType.FLOAT4),
          new ColumnDescription("label", PgType.TEXT));

  @Test
  void oneFormatCodeAppliesToEveryColumn() throws PgWireException {
    RowEncoder encoder = RowEncoder.create(COLUMNS, new short[] {1});
    Buffer out = Buffer.buffer();
    encoder.appendDataRow(out, new Object[] {0.5f, "x"});
    PayloadReader row = new PayloadReader(out.slice(5, out.length()));
    assertThat(out.getByte(0)).isEqualTo((byte) 'D');
    assertThat(row.readInt16()).isEqualTo((short) 2);
    assertThat(row.readInt32()).isEqualTo(4);
    assertThat(row.readBytes(4).getFloat(0)).isEqualTo(0.5f);
    assertThat(row.readInt32()).isEqualTo(1);
    assertThat(row.readBytes(1).toString(StandardCharsets.UTF_8)).isEqualTo("x");
  }

  @Test
  void perColumnFormatsAndNulls() throws PgWireException {
    RowEncoder encoder = RowEncoder.create(COLUMNS, new short[] {0, 1});
    Buffer out = Buffer.buffer();
    encoder.appendDataRow(out, new Object[] {1.25f, null});
    PayloadReader row = new PayloadReader(out.slice(5, out.length()));
    row.readInt16();
    int length = row.readInt32();
    assertThat(row.readBytes(length).toString(StandardCharsets.UTF_8)).isEqualTo("1.25");
    assertThat(row.readInt32()).isEqualTo(-1);
    row.expectEnd();
  }

  @Test
  void aFailingValueLeavesNoHalfMessage() throws PgWireException {
    RowEncoder encoder = RowEncoder.text(COLUMNS);
    Buffer out = Buffer.buffer();
    assertThatThrownBy(() -> encoder.appendDataRow(out, new Object[] {"not a float", "x"}))
        .isInstanceOfSatisfying(
            PgWireException.class, e -> assertThat(e.sqlState().code()).isEqualTo("42804"));
    assertThat(out.length()).isZero();
  }

  @Test
  void wrongNumberOfResultFormatsIsAProtocolViolation() {
    assertThatThrownBy(() -> RowEncoder.create(COLUMNS, new short[] {0, 1, 1}))
        .isInstanceOfSatisfying(
            PgWireException.class, e -> assertThat(e.sqlState().code()).isEqualTo("08P01"));
  }
}
