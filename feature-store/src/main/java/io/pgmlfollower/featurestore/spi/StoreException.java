package io.pgmlfollower.featurestore.spi;

import static java.util.Objects.requireNonNull;

/** A store failure, with its error code. */
public class StoreException extends Exception {
  private final StoreErrorCode code;

  public StoreException(StoreErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = requireNonNull(code, "code is null");
  }

  public StoreException(StoreErrorCode code, String message) {
    this(code, message, null);
  }

  public StoreErrorCode code() {
    return code;
  }
}
