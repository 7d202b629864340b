package io.pgmlfollower.replicator.snapshot;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import org.postgresql.copy.CopyOut;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.PGStream;
import org.postgresql.core.QueryExecutor;
import org.postgresql.core.QueryExecutorBase;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the CopyData messages of a {@code COPY ... TO STDOUT} into the caller's buffer, one message
 * per call (https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-COPY).
 *
 * <p>Why not pgjdbc's {@link CopyOut#readFromCopy()} alone: the source sends one CopyData message
 * per row, and each call takes the connection's lock and returns a new array. For a 1M-row table
 * that is a million allocations and lock round trips on the thread that relays the rows to the
 * store, a thread that shares the machine's cores with the store's COPY backend. Read this way,
 * that thread's CPU for pgbench's 1M-row table fell from 0.38–0.42 s to 0.12–0.14 s
 * (docs/benchmarks.md, "Session 19 runs"). A CopyData message is read straight from the
 * connection's {@link PGStream} into the caller's buffer, and every other message (CopyDone,
 * CommandComplete, ReadyForQuery, ErrorResponse, NoticeResponse, ParameterStatus) is left to {@code
 * readFromCopy}, which handles it as it always does: errors, notices and the end of the COPY behave
 * exactly as through pgjdbc's API.
 *
 * <p>{@code PGStream} is public, but pgjdbc keeps a connection's instance in a protected field
 * ({@code QueryExecutorBase.pgStream}). Where that field cannot be reached (a pgjdbc that renamed
 * it, or a module layer that closes it), every message goes through {@code readFromCopy}: slower,
 * the same bytes. {@code CopyDataReaderIT} pins that the pgjdbc the follower ships allows the
 * direct read (and fails on one whose {@code PGStream} lost a method used here), so an upgrade that
 * loses it fails a test rather than the benchmark.
 */
final class CopyDataReader {
  private static final Logger log = LoggerFactory.getLogger(CopyDataReader.class);

  /** What {@link #next} returns once the COPY has ended. */
  static final int END = Integer.MIN_VALUE;

  private static final Optional<VarHandle> PG_STREAM = pgStreamHandle();

  private final CopyOut copyOut;

  /** The connection's stream, or null when CopyData is read through {@code readFromCopy}. */
  private final PGStream stream;

  /** The payload length of a CopyData message whose header was read and payload not yet; or -1. */
  private int pendingLength = -1;

  /** A row {@code readFromCopy} returned that did not fit the caller's buffer; or null. */
  private byte[] pendingRow;

  /** The stream failed mid-message: where the next message starts is unknown. */
  private boolean broken;

  private CopyDataReader(CopyOut copyOut, PGStream stream) {
    this.copyOut = requireNonNull(copyOut, "copyOut is null");
    this.stream = stream;
  }

  /** Starts {@code copySql} (a {@code COPY ... TO STDOUT}) on the connection. */
  static CopyDataReader start(Connection connection, String copySql) throws SQLException {
    BaseConnection base = connection.unwrap(BaseConnection.class);
    CopyOut copyOut = base.getCopyAPI().copyOut(copySql);
    return new CopyDataReader(copyOut, streamOf(base.getQueryExecutor()).orElse(null));
  }

  /** As {@link #start}, with every message read through {@code readFromCopy} (the fallback). */
  static CopyDataReader startThroughApi(Connection connection, String copySql) throws SQLException {
    return new CopyDataReader(
        connection.unwrap(BaseConnection.class).getCopyAPI().copyOut(copySql), null);
  }

  /** Whether CopyData messages are read straight from the connection's stream. */
  boolean direct() {
    return stream != null;
  }

  /**
   * Reads the next CopyData message's payload into {@code buffer} at {@code offset}.
   *
   * @return the payload's length; or, when it does not fit from {@code offset} on, minus its length
   *     (nothing was read: call again with room for it); or {@link #END} once the COPY has ended
   * @throws SQLException the source's error, or the connection's failure (SQLSTATE 08006)
   */
  int next(byte[] buffer, int offset) throws SQLException {
    if (broken) {
      throw new PSQLException(
          "The COPY's connection failed in the middle of a message", PSQLState.CONNECTION_FAILURE);
    }
    if (pendingRow != null) {
      return placePendingRow(buffer, offset);
    }
    try {
      if (pendingLength < 0) {
        if (stream == null || stream.peekChar() != 'd') {
          byte[] row = copyOut.readFromCopy();
          if (row == null) {
            return END;
          }
          pendingRow = row;
          return placePendingRow(buffer, offset);
        }
        stream.receiveChar();
        int length = stream.receiveInteger4() - 4;
        if (length < 0) {
          throw new IOException("a CopyData message of length " + (length + 4));
        }
        pendingLength = length;
      }
      int length = pendingLength;
      if (length > buffer.length - offset) {
        return -length;
      }
      stream.receive(buffer, offset, length);
      pendingLength = -1;
      return length;
    } catch (IOException e) {
      broken = true;
      // As pgjdbc reports a failure of the stream under readFromCopy.
      throw new PSQLException(
          "Database connection failed when reading from copy", PSQLState.CONNECTION_FAILURE, e);
    }
  }

  private int placePendingRow(byte[] buffer, int offset) {
    int length = pendingRow.length;
    if (length > buffer.length - offset) {
      return -length;
    }
    System.arraycopy(pendingRow, 0, buffer, offset, length);
    pendingRow = null;
    return length;
  }

  /** Whether the COPY is still running (not ended, not cancelled). */
  boolean isActive() {
    return copyOut.isActive();
  }

  /**
   * Cancels the COPY after its caller failed (the connection stays in COPY mode until then). The
   * rest of a message whose header was read is skipped first. Rows the source sent before the
   * cancel reached it may still arrive: close the connection afterwards rather than use it again.
   */
  void cancel() throws SQLException {
    if (!broken && pendingLength > 0) {
      try {
        stream.skip(pendingLength);
        pendingLength = -1;
      } catch (IOException e) {
        broken = true;
        throw new PSQLException(
            "Database connection failed when skipping a COPY row", PSQLState.CONNECTION_FAILURE, e);
      }
    }
    copyOut.cancelCopy();
  }

  private static Optional<PGStream> streamOf(QueryExecutor executor) {
    if (PG_STREAM.isEmpty() || !(executor instanceof QueryExecutorBase base)) {
      return Optional.empty();
    }
    return Optional.ofNullable((PGStream) PG_STREAM.get().get(base));
  }

  private static Optional<VarHandle> pgStreamHandle() {
    try {
      return Optional.of(
          MethodHandles.privateLookupIn(QueryExecutorBase.class, MethodHandles.lookup())
              .findVarHandle(QueryExecutorBase.class, "pgStream", PGStream.class));
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.info(
          "Reading COPY rows through pgjdbc's CopyOut API: its connection stream is out of reach"
              + " ({})",
          e.toString());
      return Optional.empty();
    }
  }
}
