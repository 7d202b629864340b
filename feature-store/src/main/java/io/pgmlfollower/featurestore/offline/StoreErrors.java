package io.pgmlfollower.featurestore.offline;

import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import java.sql.SQLException;

/** Turns a PostgreSQL error into a {@link StoreException} with the code its SQLSTATE class says. */
final class StoreErrors {
  private StoreErrors() {}

  static StoreException from(String what, SQLException e) {
    return new StoreException(code(e.getSQLState()), what + ": " + e.getMessage(), e);
  }

  /**
   * By SQLSTATE class (<a href="https://www.postgresql.org/docs/17/errcodes-appendix.html">error
   * codes</a>): data exceptions and integrity violations are data the store refused; undefined or
   * mismatched objects are schema trouble; connection, resource and operator-intervention errors
   * mean the store is unavailable.
   */
  static StoreErrorCode code(String sqlState) {
    if (sqlState == null || sqlState.length() != 5) {
      return StoreErrorCode.STORE_UNAVAILABLE;
    }
    if (sqlState.equals("53100")) {
      return StoreErrorCode.DISK_FULL; // disk_full: retried like the guard's refusal
    }
    return switch (sqlState.substring(0, 2)) {
      case "22", "23" -> StoreErrorCode.INVALID_DATA;
      case "42" -> StoreErrorCode.SCHEMA_MISMATCH;
      case "08", "53", "57", "58" -> StoreErrorCode.STORE_UNAVAILABLE;
      case "28" -> StoreErrorCode.CONFIGURATION;
      default -> StoreErrorCode.INTERNAL;
    };
  }
}
