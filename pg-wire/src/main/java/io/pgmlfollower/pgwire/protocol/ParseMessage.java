package io.pgmlfollower.pgwire.protocol;

import io.pgmlfollower.pgwire.spi.PgWireException;
import io.vertx.core.buffer.Buffer;

/** Parse ('P'): prepare {@code sql} as statement {@code name} ("" = the unnamed statement). */
public record ParseMessage(String name, String sql, int[] parameterTypeOids) {
  public static ParseMessage decode(Buffer payload) throws PgWireException {
    PayloadReader reader = new PayloadReader(payload);
    String name = reader.readCString();
    String sql = reader.readCString();
    int count = reader.readCount16();
    int[] oids = new int[count];
    for (int i = 0; i < count; i++) {
      oids[i] = reader.readInt32();
    }
    reader.expectEnd();
    return new ParseMessage(name, sql, oids);
  }
}
