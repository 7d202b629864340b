package io.pgmlfollower.pgwire.protocol;

/**
 * Severity of an ErrorResponse (fields S and V). ERROR aborts the statement; FATAL ends the
 * session, and the server closes the connection after sending it.
 */
public enum Severity {
  ERROR,
  FATAL
}
