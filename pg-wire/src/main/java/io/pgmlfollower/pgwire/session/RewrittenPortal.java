package io.pgmlfollower.pgwire.session;

import static java.util.Objects.requireNonNull;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayDeque;

/**
 * A forwarded portal of a {@link RewrittenStatement}, with the result formats its Bind asked for (0
 * codes: all text; 1: all the same; n: one per column), and, for a sorted rewrite run with a row
 * limit, the DataRows not sent yet: the next Executes of the portal take them from here.
 */
final class RewrittenPortal {
  private final RewrittenStatement statement;
  private final short[] resultFormats;
  private ArrayDeque<Buffer> pending;

  RewrittenPortal(RewrittenStatement statement, short[] resultFormats) {
    this.statement = requireNonNull(statement, "statement is null");
    this.resultFormats = requireNonNull(resultFormats, "resultFormats is null").clone();
  }

  RewrittenStatement statement() {
    return statement;
  }

  short[] resultFormats() {
    return resultFormats.clone();
  }

  /** Sorted rows held back by a row limit; null when none. */
  ArrayDeque<Buffer> pending() {
    return pending;
  }

  void pending(ArrayDeque<Buffer> rows) {
    this.pending = rows;
  }
}
