package io.pgmlfollower.pgwire.types;

import io.pgmlfollower.pgwire.protocol.MessageBuilder;
import io.pgmlfollower.pgwire.spi.ColumnDescription;
import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes RowDescription and DataRow messages for a local statement's result, in the formats the
 * client asked for in Bind: no codes = all text, one code = for every column, otherwise one per
 * column (asyncpg and pgx rely on the one-code form).
 */
public final class RowEncoder {
  private final List<ColumnDescription> columns;
  private final TypeCodec[] codecs;
  private final short[] formats;

  private RowEncoder(List<ColumnDescription> columns, short[] formats) {
    this.columns = columns;
    this.codecs = new TypeCodec[columns.size()];
    for (int i = 0; i < codecs.length; i++) {
      codecs[i] = TypeCodecs.forType(columns.get(i).type());
    }
    this.formats = formats;
  }

  /**
   * @param resultFormats the Bind message's result format codes
   */
  public static RowEncoder create(List<ColumnDescription> columns, short[] resultFormats)
      throws PgWireException {
    int count = columns.size();
    short[] formats = new short[count];
    if (resultFormats.length == 1) {
      java.util.Arrays.fill(formats, resultFormats[0]);
    } else if (resultFormats.length == count) {
      System.arraycopy(resultFormats, 0, formats, 0, count);
    } else if (resultFormats.length != 0) {
      throw new PgWireException(
          SqlState.PROTOCOL_VIOLATION,
          "bind message has "
              + resultFormats.length
              + " result formats but query has "
              + count
              + " columns");
    }
    return new RowEncoder(columns, formats);
  }

  /** All columns in text: simple Query and Describe of a statement. */
  public static RowEncoder text(List<ColumnDescription> columns) {
    return new RowEncoder(columns, new short[columns.size()]);
  }

  public boolean hasColumns() {
    return !columns.isEmpty();
  }

  public void appendRowDescription(Buffer out) {
    List<String> names = columns.stream().map(ColumnDescription::name).toList();
    List<PgType> types = columns.stream().map(ColumnDescription::type).toList();
    int[] lengths = new int[codecs.length];
    for (int i = 0; i < codecs.length; i++) {
      lengths[i] = codecs[i].typeLength();
    }
    io.pgmlfollower.pgwire.protocol.BackendMessages.rowDescription(
        out, names, types, lengths, formats);
  }

  /** Appends one DataRow; on failure {@code out} is left as it was. */
  public void appendDataRow(Buffer target, Object[] row) throws PgWireException {
    if (row.length != codecs.length) {
      throw new PgWireException(
          SqlState.INTERNAL_ERROR,
          "result row has "
              + row.length
              + " values but the statement declared "
              + codecs.length
              + " columns");
    }
    // Built apart so that a value failing to encode leaves no half message behind.
    Buffer out = Buffer.buffer(16 + 16 * codecs.length);
    MessageBuilder message = MessageBuilder.begin(out, 'D').int16(codecs.length);
    for (int i = 0; i < codecs.length; i++) {
      Object value = row[i];
      if (value == null) {
        message.int32(-1);
      } else if (formats[i] == 0) {
        byte[] text = codecs[i].encodeText(value).getBytes(StandardCharsets.UTF_8);
        message.int32(text.length).bytes(text);
      } else {
        int lengthAt = out.length();
        message.int32(0);
        codecs[i].encodeBinary(value, out);
        out.setInt(lengthAt, out.length() - lengthAt - 4);
      }
    }
    message.end();
    target.appendBuffer(out);
  }
}
