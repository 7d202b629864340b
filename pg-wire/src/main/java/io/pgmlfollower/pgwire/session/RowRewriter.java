package io.pgmlfollower.pgwire.session;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.protocol.MessageBuilder;
import io.pgmlfollower.pgwire.protocol.PayloadReader;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.ResultRewrite;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.pgmlfollower.pgwire.types.TypeCodec;
import io.pgmlfollower.pgwire.types.TypeCodecs;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Finishes one forwarded message's result for a {@link RewrittenStatement}: its RowDescription
 * ('T') names and types the rewritten columns as the client expects them, and its DataRows ('D')
 * are held (at most {@link #BATCH_ROWS}), their rewritten columns computed for the whole batch at
 * once, and sent on in order
 * (https://www.postgresql.org/docs/current/protocol-message-formats.html). The inputs arrive as
 * {@code jsonb}, in text or in binary (a version byte, 1, then the text).
 */
final class RowRewriter {
  /** Rows held before their batch is computed. */
  static final int BATCH_ROWS = 1024;

  private static final int JSONB_BINARY_VERSION = 1;

  private final RewrittenStatement statement;
  private final short[] resultFormats;
  private final boolean relayDescription;
  private final List<Buffer> rows = new ArrayList<>();
  private boolean failed;

  /** A sorted rewrite: the best rows so far, the worst first; null otherwise. */
  private final java.util.PriorityQueue<Sorted> best;

  /** Where a sorted result's rows beyond the client's row limit wait; null for a simple Query. */
  private final RewrittenPortal portal;

  private final int maxRows;

  /** A finished row of a sorted rewrite, with its sort key (null for NULL). */
  private record Sorted(Float key, Buffer row) {}

  /**
   * @param resultFormats the client's result formats (a Bind's; empty for text)
   * @param relayDescription false for a Describe the server sent on its own to learn the columns
   */
  RowRewriter(RewrittenStatement statement, short[] resultFormats, boolean relayDescription) {
    this(statement, resultFormats, relayDescription, null, 0);
  }

  /**
   * @param portal the portal an Execute runs (its sorted rows beyond {@code maxRows} wait there)
   * @param maxRows the client's row limit for this Execute, 0 for all
   */
  RowRewriter(
      RewrittenStatement statement,
      short[] resultFormats,
      boolean relayDescription,
      RewrittenPortal portal,
      int maxRows) {
    this.statement = requireNonNull(statement, "statement is null");
    this.resultFormats = requireNonNull(resultFormats, "resultFormats is null").clone();
    this.relayDescription = relayDescription;
    this.portal = portal;
    this.maxRows = maxRows;
    ResultRewrite.TopN topN = statement.rewrite().topN();
    this.best =
        topN == null
            ? null
            : new java.util.PriorityQueue<>(java.util.Collections.reverseOrder(order(topN)));
  }

  /** PostgreSQL's order of a real column: NaN above every number, NULLs where asked. */
  private static java.util.Comparator<Sorted> order(ResultRewrite.TopN topN) {
    return (a, b) -> {
      if (a.key() == null || b.key() == null) {
        if (a.key() == b.key()) {
          return 0;
        }
        return (a.key() == null) == topN.nullsFirst() ? -1 : 1;
      }
      float x = a.key() == 0 ? 0 : a.key(); // -0 equals 0
      float y = b.key() == 0 ? 0 : b.key();
      int compared = Float.compare(x, y);
      return topN.descending() ? -compared : compared;
    };
  }

  /** Whether the server sorts this result (the upstream's CommandComplete is replaced). */
  boolean sorts() {
    return best != null;
  }

  /** False for a Describe the server sent on its own, whose reply the client never sees. */
  boolean relaysDescription() {
    return relayDescription;
  }

  /** Whether the batch failed: the rest of this message's result is dropped. */
  boolean failed() {
    return failed;
  }

  void fail() {
    failed = true;
    rows.clear();
  }

  boolean hasRows() {
    return !rows.isEmpty();
  }

  /**
   * Learns where the rewritten columns are and appends the RowDescription the client sees (none for
   * a Describe of the server's own).
   */
  void rowDescription(Buffer payload, Buffer out) throws PgWireException {
    ResultRewrite rewrite = statement.rewrite();
    PayloadReader reader = new PayloadReader(payload);
    int count = reader.readCount16();
    int[] positions = new int[rewrite.columns()];
    java.util.Arrays.fill(positions, -1);
    MessageBuilder message = MessageBuilder.begin(Buffer.buffer(payload.length() + 16), 'T');
    message.int16(count);
    for (int column = 0; column < count; column++) {
      String name = reader.readCString();
      int tableOid = reader.readInt32();
      short attnum = reader.readInt16();
      int typeOid = reader.readInt32();
      short typeLength = reader.readInt16();
      int typeModifier = reader.readInt32();
      short format = reader.readInt16();
      int rewritten = rewrittenIndex(rewrite, name);
      if (rewritten >= 0 && positions[rewritten] < 0) {
        positions[rewritten] = column;
        TypeCodec codec = TypeCodecs.forType(rewrite.type(rewritten));
        message
            .cstring(rewrite.name(rewritten))
            .int32(0)
            .int16(0)
            .int32(rewrite.type(rewritten).oid())
            .int16(codec.typeLength())
            .int32(-1)
            .int16(format);
      } else {
        message
            .cstring(name)
            .int32(tableOid)
            .int16(attnum)
            .int32(typeOid)
            .int16(typeLength)
            .int32(typeModifier)
            .int16(format);
      }
    }
    for (int position : positions) {
      if (position < 0) {
        throw new PgWireException(
            SqlState.INTERNAL_ERROR, "the rewritten statement's result lacks a rewritten column");
      }
    }
    statement.positions(positions);
    if (relayDescription) {
      out.appendBuffer(message.end());
    }
  }

  private static int rewrittenIndex(ResultRewrite rewrite, String name) {
    for (int i = 0; i < rewrite.columns(); i++) {
      if (rewrite.marker(i).equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /** Holds a DataRow; returns whether a batch is full. */
  boolean row(Buffer payload) {
    if (!failed) {
      // A copy: the frame is a view into the connection's receive buffer.
      rows.add(payload.copy());
    }
    return rows.size() >= BATCH_ROWS;
  }

  /** Computes the held rows' rewritten columns and appends the rows, in order. */
  void flush(Buffer out) throws PgWireException {
    if (rows.isEmpty() || failed) {
      return;
    }
    int[] positions = statement.positions();
    if (positions == null) {
      throw new PgWireException(
          SqlState.INTERNAL_ERROR, "rows of a rewritten statement before its RowDescription");
    }
    ResultRewrite rewrite = statement.rewrite();
    List<String[]> inputs = new ArrayList<>(rows.size());
    for (Buffer row : rows) {
      String[] input = new String[positions.length];
      int count = row.getShort(0);
      int at = 2;
      for (int column = 0; column < count; column++) {
        int length = row.getInt(at);
        at += 4;
        int rewritten = indexOf(positions, column);
        if (rewritten >= 0 && length >= 0) {
          input[rewritten] = jsonText(row, at, length, format(column));
        }
        at += Math.max(length, 0);
      }
      inputs.add(input);
    }
    List<Object[]> values = rewrite.apply(inputs);
    if (values.size() != rows.size()) {
      throw new PgWireException(
          SqlState.INTERNAL_ERROR,
          "a rewrite answered " + values.size() + " rows for " + rows.size());
    }
    ResultRewrite.TopN topN = rewrite.topN();
    for (int r = 0; r < rows.size(); r++) {
      if (best == null) {
        appendRow(out, rows.get(r), values.get(r), positions, rewrite);
        continue;
      }
      Buffer row = Buffer.buffer(rows.get(r).length() + 16);
      appendRow(row, rows.get(r), values.get(r), positions, rewrite);
      best.add(new Sorted((Float) values.get(r)[topN.column()], row));
      if (best.size() > topN.offset() + topN.limit()) {
        best.poll(); // the worst of the kept rows
      }
    }
    rows.clear();
  }

  /**
   * Ends a sorted result: its rows in order after the offset, up to the client's row limit (the
   * rest wait in the portal and the Execute ends with PortalSuspended), then CommandComplete.
   */
  void finish(Buffer out) {
    List<Sorted> sorted = new ArrayList<>(best);
    sorted.sort(order(statement.rewrite().topN()));
    java.util.ArrayDeque<Buffer> result = new java.util.ArrayDeque<>();
    for (int i = (int) Math.min(statement.rewrite().topN().offset(), sorted.size());
        i < sorted.size();
        i++) {
      result.add(sorted.get(i).row());
    }
    best.clear();
    sendRows(out, result, maxRows, portal);
  }

  /**
   * Sends up to {@code maxRows} (0: all) of {@code rows}; PortalSuspended and the rest kept in the
   * portal when rows remain, else CommandComplete.
   */
  static void sendRows(
      Buffer out, java.util.ArrayDeque<Buffer> rows, int maxRows, RewrittenPortal portal) {
    int sent = 0;
    while (!rows.isEmpty() && (maxRows <= 0 || sent < maxRows)) {
      out.appendBuffer(rows.poll());
      sent++;
    }
    if (!rows.isEmpty() && portal != null) {
      portal.pending(rows);
      io.pgmlfollower.pgwire.protocol.BackendMessages.portalSuspended(out);
    } else {
      if (portal != null) {
        portal.pending(null);
      }
      io.pgmlfollower.pgwire.protocol.BackendMessages.commandComplete(out, "SELECT " + sent);
    }
  }

  private void appendRow(
      Buffer out, Buffer row, Object[] values, int[] positions, ResultRewrite rewrite)
      throws PgWireException {
    int count = row.getShort(0);
    // Built apart: a value failing to encode leaves no half message in out.
    MessageBuilder message = MessageBuilder.begin(Buffer.buffer(row.length() + 16), 'D');
    message.int16(count);
    int at = 2;
    for (int column = 0; column < count; column++) {
      int length = row.getInt(at);
      at += 4;
      int rewritten = indexOf(positions, column);
      if (rewritten < 0) {
        message.int32(length);
        if (length > 0) {
          message.bytes(row.slice(at, at + length));
        }
      } else {
        Object value = values[rewritten];
        TypeCodec codec = TypeCodecs.forType(rewrite.type(rewritten));
        if (value == null) {
          message.int32(-1);
        } else if (format(column) == 0) {
          byte[] text = codec.encodeText(value).getBytes(StandardCharsets.UTF_8);
          message.int32(text.length).bytes(text);
        } else {
          Buffer binary = Buffer.buffer(16);
          codec.encodeBinary(value, binary);
          message.int32(binary.length()).bytes(binary);
        }
      }
      at += Math.max(length, 0);
    }
    out.appendBuffer(message.end());
  }

  private int format(int column) {
    if (resultFormats.length == 0) {
      return 0;
    }
    return resultFormats.length == 1 ? resultFormats[0] : resultFormats[column];
  }

  private static int indexOf(int[] positions, int column) {
    for (int i = 0; i < positions.length; i++) {
      if (positions[i] == column) {
        return i;
      }
    }
    return -1;
  }

  private static String jsonText(Buffer row, int at, int length, int format)
      throws PgWireException {
    if (format == 0) {
      return row.getString(at, at + length, "UTF-8");
    }
    if (length == 0 || row.getByte(at) != JSONB_BINARY_VERSION) {
      throw new PgWireException(
          SqlState.PROTOCOL_VIOLATION, "unsupported jsonb binary format from the upstream");
    }
    return row.getString(at + 1, at + length, "UTF-8");
  }
}
