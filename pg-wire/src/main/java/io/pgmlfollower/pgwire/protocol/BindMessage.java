package io.pgmlfollower.pgwire.protocol;

import io.pgmlfollower.pgwire.spi.PgWireException;
import io.vertx.core.buffer.Buffer;

/**
 * Bind ('B'): make portal {@code portal} from statement {@code statement} and parameter values.
 *
 * @param parameterFormats 0 codes = all text, 1 code = for all, n codes = one per parameter
 * @param values the raw parameter values, null for SQL NULL
 * @param resultFormats 0 codes = all text, 1 code = for all, n codes = one per column
 */
public record BindMessage(
    String portal,
    String statement,
    short[] parameterFormats,
    Buffer[] values,
    short[] resultFormats) {

  public static BindMessage decode(Buffer payload) throws PgWireException {
    PayloadReader reader = new PayloadReader(payload);
    String portal = reader.readCString();
    String statement = reader.readCString();
    short[] parameterFormats = readFormats(reader);
    int count = reader.readCount16();
    Buffer[] values = new Buffer[count];
    for (int i = 0; i < count; i++) {
      int length = reader.readInt32();
      values[i] = length == -1 ? null : reader.readBytes(length);
    }
    short[] resultFormats = readFormats(reader);
    reader.expectEnd();
    return new BindMessage(portal, statement, parameterFormats, values, resultFormats);
  }

  private static short[] readFormats(PayloadReader reader) throws PgWireException {
    int count = reader.readCount16();
    short[] formats = new short[count];
    for (int i = 0; i < count; i++) {
      formats[i] = reader.readInt16();
      if (formats[i] != 0 && formats[i] != 1) {
        throw PayloadReader.malformed("unsupported format code: " + formats[i]);
      }
    }
    return formats;
  }
}
