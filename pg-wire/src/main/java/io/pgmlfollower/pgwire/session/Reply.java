package io.pgmlfollower.pgwire.session;

/**
 * What the upstream answers to a forwarded message, so that its replies can be told apart from the
 * next message's (https://www.postgresql.org/docs/current/protocol-flow.html). In the extended
 * protocol an ErrorResponse ends a message's reply and the upstream skips everything until Sync; a
 * simple Query (and FunctionCall) always ends with ReadyForQuery.
 */
enum Reply {
  PARSE,
  BIND,
  /** Describe S ('t' then 'T' or 'n') or Describe P ('T' or 'n'). */
  DESCRIBE,
  /** DataRow* then CommandComplete, EmptyQueryResponse or PortalSuspended (COPY in between). */
  EXECUTE,
  CLOSE,
  SYNC,
  QUERY,
  /** One statement of a split simple Query: its ReadyForQuery is not relayed. */
  QUERY_PART,
  FUNCTION_CALL,
  /**
   * A statement the server itself sends to abort the upstream's transaction block after a local
   * statement failed in it: every reply is swallowed; its ReadyForQuery updates the status.
   */
  ABORT_TRANSACTION;

  /** Whether a message of type {@code type} (other than 'E' and 'Z') is this reply's last. */
  boolean endsWith(char type) {
    return switch (this) {
      case PARSE -> type == '1';
      case BIND -> type == '2';
      case DESCRIBE -> type == 'T' || type == 'n';
      case EXECUTE -> type == 'C' || type == 'I' || type == 's';
      case CLOSE -> type == '3';
      case SYNC, QUERY, QUERY_PART, FUNCTION_CALL, ABORT_TRANSACTION -> false;
    };
  }

  /** Whether the reply goes on until ReadyForQuery even after an ErrorResponse. */
  boolean endsWithReadyForQuery() {
    return this == SYNC
        || this == QUERY
        || this == QUERY_PART
        || this == FUNCTION_CALL
        || this == ABORT_TRANSACTION;
  }

  /** Extended-protocol messages make a Sync necessary upstream. */
  boolean isExtended() {
    return this == PARSE || this == BIND || this == DESCRIBE || this == EXECUTE || this == CLOSE;
  }
}
