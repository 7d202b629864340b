package io.pgmlfollower.pgwire;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one endpoint since it started, for monitoring: client connections that sent a startup
 * message, and ErrorResponse messages sent to clients, whether the endpoint raised them (a local
 * statement, a protocol error, a failed login) or relayed them from the upstream.
 */
public final class PgWireStats {
  private final LongAdder connections = new LongAdder();
  private final LongAdder errors = new LongAdder();

  /** Client connections that got as far as a startup message. */
  public long connections() {
    return connections.sum();
  }

  /** ErrorResponse messages (ERROR and FATAL) sent to clients. */
  public long errors() {
    return errors.sum();
  }

  /** For the sessions: one more connection. */
  public void connectionStarted() {
    connections.increment();
  }

  /** For the sessions: {@code count} more ErrorResponse messages sent. */
  public void errorsSent(int count) {
    errors.add(count);
  }
}
