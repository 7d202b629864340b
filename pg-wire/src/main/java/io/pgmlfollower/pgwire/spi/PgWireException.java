package io.pgmlfollower.pgwire.spi;

import static java.util.Objects.requireNonNull;

/**
 * An error the client receives as an ErrorResponse, with every field it can carry. This is the only
 * exception type that crosses into the protocol server; anything else becomes {@code XX000}.
 */
public class PgWireException extends Exception {
  private final SqlState sqlState;
  private final String detail;
  private final String hint;
  private final int position;

  public PgWireException(
      SqlState sqlState,
      String message,
      String detail,
      String hint,
      int position,
      Throwable cause) {
    super(requireNonNull(message, "message is null"), cause);
    this.sqlState = requireNonNull(sqlState, "sqlState is null");
    this.detail = detail;
    this.hint = hint;
    this.position = position;
  }

  public PgWireException(SqlState sqlState, String message) {
    this(sqlState, message, null, null, 0, null);
  }

  public PgWireException(SqlState sqlState, String message, String hint) {
    this(sqlState, message, null, hint, 0, null);
  }

  public SqlState sqlState() {
    return sqlState;
  }

  /** Optional secondary message (field D), or null. */
  public String detail() {
    return detail;
  }

  /** Optional advice on what to do (field H), or null. */
  public String hint() {
    return hint;
  }

  /** 1-based character position in the statement (field P), or 0 when none. */
  public int position() {
    return position;
  }
}
