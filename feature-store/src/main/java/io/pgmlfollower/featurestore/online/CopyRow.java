package io.pgmlfollower.featurestore.online;

import io.pgmlfollower.featurestore.spi.StoreException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One row of a snapshot's COPY, its values in PostgreSQL's text form (UTF-8), back to back in one
 * reused byte array: read them as bytes where that is all that is needed (the online store keeps
 * text values as UTF-8), as strings where a value must be parsed (key columns). Filled by {@link
 * CopyTextRows} and {@link CopyBinaryRows}, which hand it over once complete and then reuse it.
 */
final class CopyRow {
  /** Receives each complete row; the row is reused for the next one, so do not keep it. */
  @FunctionalInterface
  interface Consumer {
    void accept(CopyRow row) throws StoreException;
  }

  private final int[] starts;
  private final int[] ends;
  private final boolean[] nulls;

  /** Written by the parsers directly (same package): this is the snapshot's hot path. */
  byte[] bytes = new byte[256];

  CopyRow(int columns) {
    starts = new int[columns];
    ends = new int[columns];
    nulls = new boolean[columns];
  }

  int columns() {
    return starts.length;
  }

  boolean isNull(int column) {
    return nulls[column];
  }

  byte[] bytes() {
    return bytes;
  }

  int start(int column) {
    return starts[column];
  }

  int length(int column) {
    return ends[column] - starts[column];
  }

  /** The value as a string; null for NULL. */
  String text(int column) {
    return nulls[column]
        ? null
        : new String(bytes, starts[column], length(column), StandardCharsets.UTF_8);
  }

  String[] toStrings() {
    String[] values = new String[starts.length];
    for (int i = 0; i < values.length; i++) {
      values[i] = text(i);
    }
    return values;
  }

  /** Grows {@link #bytes} (keeping its contents) to hold at least {@code size} bytes. */
  void ensureCapacity(int size) {
    if (size > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size));
    }
  }

  void set(int column, int start, int end, boolean isNull) {
    starts[column] = start;
    ends[column] = end;
    nulls[column] = isNull;
  }
}
