package io.pgmlfollower.pgwire.session;

import io.pgmlfollower.pgwire.spi.Cancellation;

/** The cancel flag of one local statement run; set from the event loop, read on any thread. */
final class SessionCancellation implements Cancellation {
  private volatile boolean cancelled;

  void cancel() {
    cancelled = true;
  }

  @Override
  public boolean isCancelled() {
    return cancelled;
  }
}
