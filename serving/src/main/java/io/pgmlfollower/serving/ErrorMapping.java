package io.pgmlfollower.serving;

import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.pgmlfollower.trainer.TrainerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where module errors become what a client sees: each module's error code carries its
 * SQLSTATE; anything without one is an internal error, logged with its stack trace.
 */
public final class ErrorMapping {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorMapping.class);

  private ErrorMapping() {}

  public static PgWireException toPgWire(Throwable error) {
    return switch (error) {
      case PgWireException e -> e;
      case TrainerException e -> withState(e.code().sqlState(), e.getMessage(), e);
      case StoreException e -> withState(e.code().sqlState(), e.getMessage(), e);
      default -> {
        LOG.error("internal error", error);
        yield new PgWireException(
            SqlState.INTERNAL_ERROR,
            "internal error: " + error,
            null,
            "see the follower's log for details",
            0,
            error);
      }
    };
  }

  static PgWireException withState(String code, String message, Throwable cause) {
    for (SqlState state : SqlState.values()) {
      if (state.code().equals(code)) {
        return new PgWireException(state, message, null, null, 0, cause);
      }
    }
    LOG.warn("SQLSTATE {} has no SqlState constant; sending XX000", code);
    return new PgWireException(SqlState.INTERNAL_ERROR, message, null, null, 0, cause);
  }
}
