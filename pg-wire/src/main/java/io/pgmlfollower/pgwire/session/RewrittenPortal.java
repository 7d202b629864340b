package io.pgmlfollower.pgwire.session;

import static java.util.Objects.requireNonNull;

/**
 * A forwarded portal of a {@link RewrittenStatement}, with the result formats its Bind asked for (0
 * codes: all text; 1: all the same; n: one per column).
 */
record RewrittenPortal(RewrittenStatement statement, short[] resultFormats) {
  RewrittenPortal {
    requireNonNull(statement, "statement is null");
    resultFormats = requireNonNull(resultFormats, "resultFormats is null").clone();
  }

  @Override
  public short[] resultFormats() {
    return resultFormats.clone();
  }
}
