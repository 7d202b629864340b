package io.pgmlfollower.replicator;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.StoreException;
import java.sql.SQLException;

/** A replication failure, with its error code. */
public class ReplicatorException extends Exception {
  private final ReplicatorErrorCode code;

  public ReplicatorException(ReplicatorErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = requireNonNull(code, "code is null");
  }

  public ReplicatorException(ReplicatorErrorCode code, String message) {
    this(code, message, null);
  }

  public ReplicatorErrorCode code() {
    return code;
  }

  public boolean retryable() {
    return code.retryable();
  }

  /**
   * Classifies a driver failure by its SQLSTATE
   * (https://www.postgresql.org/docs/current/errcodes-appendix.html): connection failures, server
   * shutdowns and resource exhaustion are worth a new connection; everything else is not.
   */
  public static ReplicatorException fromSql(String action, SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    ReplicatorErrorCode code;
    if (state.startsWith("08") // connection_exception
        || state.startsWith("53") // insufficient_resources, e.g. too_many_connections
        || state.equals("57P01") // admin_shutdown
        || state.equals("57P02") // crash_shutdown
        || state.equals("57P03") // cannot_connect_now
        || state.equals("40001") // serialization_failure
        || state.equals("40P01")) { // deadlock_detected
      code = ReplicatorErrorCode.SOURCE_UNAVAILABLE;
    } else if (state.equals("55006")) { // object_in_use: "replication slot ... is active for PID"
      code = ReplicatorErrorCode.SLOT_IN_USE;
    } else if (state.equals("42501") || state.startsWith("28")) {
      code = ReplicatorErrorCode.ACCESS_DENIED;
    } else {
      code = ReplicatorErrorCode.SOURCE_ERROR;
    }
    return new ReplicatorException(code, action + ": " + e.getMessage(), e);
  }

  /** A store failure: retried only when the store says it is unavailable or full. */
  public static ReplicatorException fromStore(String action, StoreException e) {
    ReplicatorErrorCode code =
        switch (e.code()) {
          case STORE_UNAVAILABLE -> ReplicatorErrorCode.STORE_UNAVAILABLE;
          case DISK_FULL -> ReplicatorErrorCode.STORE_FULL;
          default -> ReplicatorErrorCode.STORE_REJECTED;
        };
    return new ReplicatorException(code, action + ": " + e.getMessage(), e);
  }
}
