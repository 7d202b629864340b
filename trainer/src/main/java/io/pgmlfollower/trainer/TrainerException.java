package io.pgmlfollower.trainer;

import static java.util.Objects.requireNonNull;

import java.sql.SQLException;

/**
 * A trainer failure, with its error code and a message that says what to do. Unchecked, like
 * Trino's {@code TrinoException}: every public trainer method may throw it and the SQL front maps
 * {@link #code()} to the SQLSTATE it sends.
 */
public class TrainerException extends RuntimeException {
  private final TrainerErrorCode code;
  private final String sqlState;

  public TrainerException(TrainerErrorCode code, String message, Throwable cause) {
    this(code, message, cause, code.sqlState());
  }

  private TrainerException(
      TrainerErrorCode code, String message, Throwable cause, String sqlState) {
    super(message, cause);
    this.code = requireNonNull(code, "code is null");
    this.sqlState = requireNonNull(sqlState, "sqlState is null");
  }

  /**
   * A statement on the offline store failed. When PostgreSQL refused it for a reason the user can
   * act on (a view that divides by zero, a missing privilege), the client sees PostgreSQL's own
   * SQLSTATE; when the store itself failed (connection class 08, resources 53, operator
   * intervention 57, system 58), it sees {@code OFFLINE_STORE_FAILURE}'s.
   */
  public static TrainerException fromStore(String message, SQLException cause) {
    String state = cause.getSQLState();
    boolean userActionable =
        state != null
            && state.length() == 5
            && !state.startsWith("08")
            && !state.startsWith("53")
            && !state.startsWith("57")
            && !state.startsWith("58")
            && !state.startsWith("XX");
    return new TrainerException(
        TrainerErrorCode.OFFLINE_STORE_FAILURE,
        message,
        cause,
        userActionable ? state : TrainerErrorCode.OFFLINE_STORE_FAILURE.sqlState());
  }

  public TrainerException(TrainerErrorCode code, String message) {
    this(code, message, null);
  }

  public TrainerErrorCode code() {
    return code;
  }

  /** The SQLSTATE a client sees, e.g. {@code 22023}; usually the code's. */
  public String sqlState() {
    return sqlState;
  }
}
