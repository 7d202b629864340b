package io.pgmlfollower.pgwire.protocol;

import io.pgmlfollower.pgwire.spi.PgWireException;
import io.vertx.core.buffer.Buffer;

/** Execute ('E'): run portal {@code portal}, returning at most {@code maxRows} rows (0 = all). */
public record ExecuteMessage(String portal, int maxRows) {
  public static ExecuteMessage decode(Buffer payload) throws PgWireException {
    PayloadReader reader = new PayloadReader(payload);
    String portal = reader.readCString();
    int maxRows = reader.readInt32();
    reader.expectEnd();
    return new ExecuteMessage(portal, maxRows);
  }
}
