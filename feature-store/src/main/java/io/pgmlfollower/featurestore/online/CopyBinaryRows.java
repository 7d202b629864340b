package io.pgmlfollower.featurestore.online;

import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import java.util.Arrays;
import java.util.List;

/**
 * Splits a binary COPY (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4) into
 * rows of text values: the 11-byte signature {@code PGCOPY\n\377\r\n\0}, an Int32 flags field and
 * an Int32-length header extension; then per row an Int16 field count and, per field, an Int32
 * length (-1 for NULL) and that many bytes; an Int16 -1 ends the data. Each value is turned into
 * its text form by the column's {@link BinaryToText}, so the rows are what a text COPY of the same
 * table would have given. Bytes arrive in arbitrary chunks; a row is handed over once all of it
 * arrived, and rows are parsed straight from the caller's chunk (only a chunk's incomplete tail is
 * kept).
 */
final class CopyBinaryRows {
  private static final byte[] SIGNATURE = {
    'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0
  };
  private static final int HEADER_BYTES = SIGNATURE.length + 8;

  /** Flags bit 16: each row carries an OID, which nothing sends since PostgreSQL 12. */
  private static final long FLAG_OIDS = 1L << 16;

  private final BinaryToText[] types;
  private final CopyRow.Consumer consumer;
  private final CopyRow row;
  private byte[] pending = new byte[1024];
  private int pendingLength;
  private boolean headerRead;
  private boolean ended;

  /**
   * @param types each column's conversion, in the COPY's column order
   */
  CopyBinaryRows(List<BinaryToText> types, CopyRow.Consumer consumer) {
    this.types = types.toArray(BinaryToText[]::new);
    this.consumer = consumer;
    this.row = new CopyRow(this.types.length);
  }

  void write(byte[] bytes, int offset, int length) throws StoreException {
    byte[] in;
    int end;
    if (pendingLength == 0) {
      in = bytes;
      end = offset + length;
    } else {
      append(bytes, offset, length);
      in = pending;
      offset = 0;
      end = pendingLength;
    }
    int at = parse(in, offset, end);
    int left = end - at;
    if (in == pending) {
      System.arraycopy(pending, at, pending, 0, left);
      pendingLength = left;
    } else {
      pendingLength = 0;
      append(bytes, at, left);
    }
  }

  /** Whether the data ended before its end marker, or mid-row. */
  boolean partial() {
    return !ended || pendingLength > 0;
  }

  private void append(byte[] bytes, int offset, int length) {
    if (pendingLength + length > pending.length) {
      pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + length));
    }
    System.arraycopy(bytes, offset, pending, pendingLength, length);
    pendingLength += length;
  }

  /** Parses every complete row in {@code in[at, end)}; returns where the incomplete rest starts. */
  private int parse(byte[] in, int at, int end) throws StoreException {
    if (!headerRead) {
      if (end - at < HEADER_BYTES) {
        return at;
      }
      if (!Arrays.equals(in, at, at + SIGNATURE.length, SIGNATURE, 0, SIGNATURE.length)) {
        throw invalid("the data does not start with the binary COPY signature");
      }
      long flags = BinaryToText.readInt(in, at + SIGNATURE.length, 4);
      long extension = BinaryToText.readInt(in, at + SIGNATURE.length + 4, 4);
      if ((flags & FLAG_OIDS) != 0) {
        throw invalid("rows with OIDs are not supported");
      }
      if (end - at < HEADER_BYTES + extension) {
        return at;
      }
      at += HEADER_BYTES + (int) extension;
      headerRead = true;
    }
    while (end - at >= 2) {
      if (ended) {
        throw invalid("data after the end marker");
      }
      int fields = (short) BinaryToText.readInt(in, at, 2);
      if (fields == -1) {
        ended = true;
        at += 2;
        continue;
      }
      if (fields != types.length) {
        throw invalid("a row of " + fields + " fields where the table has " + types.length);
      }
      int rowEnd = rowEnd(in, at + 2, end);
      if (rowEnd < 0) {
        return at;
      }
      convert(in, at + 2);
      consumer.accept(row);
      at = rowEnd;
    }
    return at;
  }

  /** Where the row whose fields start at {@code at} ends; -1 when not all of it is there yet. */
  private int rowEnd(byte[] in, int at, int end) throws StoreException {
    for (int i = 0; i < types.length; i++) {
      if (end - at < 4) {
        return -1;
      }
      int length = (int) BinaryToText.readInt(in, at, 4);
      at += 4;
      if (length < -1) {
        throw invalid("a field of length " + length);
      }
      if (length > 0) {
        if (end - at < length) {
          return -1;
        }
        at += length;
      }
    }
    return at;
  }

  private void convert(byte[] in, int at) throws StoreException {
    int to = 0;
    for (int i = 0; i < types.length; i++) {
      int length = (int) BinaryToText.readInt(in, at, 4);
      at += 4;
      if (length == -1) {
        row.set(i, to, to, true);
        continue;
      }
      int start = to;
      to = types[i].append(in, at, length, row, to);
      row.set(i, start, to, false);
      at += length;
    }
  }

  private static StoreException invalid(String what) {
    return new StoreException(StoreErrorCode.INVALID_DATA, "binary COPY: " + what);
  }
}
