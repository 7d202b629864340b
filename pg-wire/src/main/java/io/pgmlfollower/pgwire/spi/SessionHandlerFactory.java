package io.pgmlfollower.pgwire.spi;

/**
 * Opens a handler for each authenticated session. Called on an event-loop thread: keep it cheap.
 */
@FunctionalInterface
public interface SessionHandlerFactory {
  SessionHandler open(SessionInfo session);
}
