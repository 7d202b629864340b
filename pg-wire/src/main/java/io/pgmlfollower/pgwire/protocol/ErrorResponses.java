package io.pgmlfollower.pgwire.protocol;

import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.vertx.core.buffer.Buffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one mapping from exceptions to ErrorResponse messages. A {@link PgWireException} keeps its
 * SQLSTATE, detail, hint and position; anything else is a bug or an unexpected failure: it is
 * logged with its stack trace and reaches the client as {@code XX000 internal_error} with its
 * message. Fields: https://www.postgresql.org/docs/current/protocol-error-fields.html
 */
public final class ErrorResponses {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorResponses.class);

  private ErrorResponses() {}

  /** The client-facing form of any failure. */
  public static PgWireException toPgWireException(Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof PgWireException pgWireException) {
      return pgWireException;
    }
    LOG.error("Unexpected failure answered with XX000", cause);
    String message = cause.getMessage() == null ? cause.toString() : cause.getMessage();
    return new PgWireException(SqlState.INTERNAL_ERROR, message, null, null, 0, cause);
  }

  /** Appends the ErrorResponse ('E') for {@code failure} to {@code out}. */
  public static Buffer append(Buffer out, Severity severity, Throwable failure) {
    PgWireException error = toPgWireException(failure);
    MessageBuilder message = MessageBuilder.begin(out, 'E');
    field(message, 'S', severity.name());
    field(message, 'V', severity.name());
    field(message, 'C', error.sqlState().code());
    field(message, 'M', error.getMessage());
    field(message, 'D', error.detail());
    field(message, 'H', error.hint());
    if (error.position() > 0) {
      field(message, 'P', Integer.toString(error.position()));
    }
    message.int8(0);
    return message.end();
  }

  public static Buffer encode(Severity severity, Throwable failure) {
    return append(Buffer.buffer(128), severity, failure);
  }

  /**
   * Reads the fields of an ErrorResponse or NoticeResponse payload (e.g. one the upstream sent).
   */
  public static Map<Character, String> fields(Buffer payload) throws PgWireException {
    PayloadReader reader = new PayloadReader(payload);
    Map<Character, String> fields = new LinkedHashMap<>();
    while (true) {
      byte code = reader.readByte();
      if (code == 0) {
        return fields;
      }
      fields.put((char) code, reader.readCString());
    }
  }

  private static void field(MessageBuilder message, char code, String value) {
    if (value != null) {
      message.int8(code).cstring(value);
    }
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable current = failure;
    while (!(current instanceof PgWireException)
        && current.getCause() != null
        && (current instanceof java.util.concurrent.CompletionException
            || current instanceof java.util.concurrent.ExecutionException
            || current instanceof java.lang.reflect.InvocationTargetException)) {
      current = current.getCause();
    }
    return current;
  }
}
