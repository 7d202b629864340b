package io.pgmlfollower.pgwire.protocol;

import io.pgmlfollower.pgwire.spi.PgWireException;
import io.vertx.core.buffer.Buffer;

/** Query ('Q'): a simple query, possibly several statements separated by semicolons. */
public record QueryMessage(String sql) {
  public static QueryMessage decode(Buffer payload) throws PgWireException {
    PayloadReader reader = new PayloadReader(payload);
    String sql = reader.readCString();
    reader.expectEnd();
    return new QueryMessage(sql);
  }

  public static Buffer encode(String sql) {
    return MessageBuilder.begin(Buffer.buffer(), 'Q').cstring(sql).end();
  }
}
