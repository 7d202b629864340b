package io.pgmlfollower.pgwire.protocol;

import io.pgmlfollower.pgwire.spi.PgWireException;
import io.vertx.core.buffer.Buffer;

/** Describe ('D') or Close ('C'): {@code kind} 'S' names a statement, 'P' a portal. */
public record DescribeMessage(char kind, String name) {
  public static DescribeMessage decode(Buffer payload) throws PgWireException {
    PayloadReader reader = new PayloadReader(payload);
    char kind = (char) reader.readByte();
    if (kind != 'S' && kind != 'P') {
      throw PayloadReader.malformed("invalid DESCRIBE/CLOSE message subtype " + kind);
    }
    String name = reader.readCString();
    reader.expectEnd();
    return new DescribeMessage(kind, name);
  }

  public boolean isStatement() {
    return kind == 'S';
  }
}
