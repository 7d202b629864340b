package io.pgmlfollower.replicator.connection;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import org.postgresql.replication.LogSequenceNumber;

/**
 * A WAL position (log sequence number): an unsigned 64-bit byte offset into the WAL, printed by
 * PostgreSQL as two hexadecimal halves, {@code 16/B374D848}
 * (https://www.postgresql.org/docs/current/datatype-pg-lsn.html).
 */
public record Lsn(long value) implements Comparable<Lsn> {
  /** {@code 0/0}, InvalidXLogRecPtr: "no position". */
  public static final Lsn INVALID = new Lsn(0);

  public static Lsn of(long value) {
    return new Lsn(value);
  }

  /** Parses the {@code pg_lsn} text form {@code XXXXXXXX/XXXXXXXX}. */
  public static Lsn parse(String text) {
    requireNonNull(text, "text is null");
    int slash = text.indexOf('/');
    if (slash <= 0 || slash == text.length() - 1 || slash > 8 || text.length() - slash - 1 > 8) {
      throw new IllegalArgumentException("not an LSN: '" + text + "'");
    }
    try {
      long high = Long.parseLong(text, 0, slash, 16);
      long low = Long.parseLong(text, slash + 1, text.length(), 16);
      return new Lsn((high << 32) | low);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not an LSN: '" + text + "'", e);
    }
  }

  public static Lsn fromPgjdbc(LogSequenceNumber lsn) {
    return new Lsn(lsn.asLong());
  }

  public LogSequenceNumber toPgjdbc() {
    return LogSequenceNumber.valueOf(value);
  }

  public boolean isValid() {
    return value != 0;
  }

  public boolean isBefore(Lsn other) {
    return compareTo(other) < 0;
  }

  public boolean isAfter(Lsn other) {
    return compareTo(other) > 0;
  }

  public static Lsn max(Lsn a, Lsn b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /** Bytes from {@code earlier} to this position; 0 when {@code earlier} is not before it. */
  public long bytesAfter(Lsn earlier) {
    return isAfter(earlier) ? value - earlier.value : 0;
  }

  @Override
  public int compareTo(Lsn other) {
    return Long.compareUnsigned(value, other.value);
  }

  @Override
  public String toString() {
    return Long.toHexString(value >>> 32).toUpperCase(Locale.ROOT)
        + "/"
        + Long.toHexString(value & 0xFFFFFFFFL).toUpperCase(Locale.ROOT);
  }
}
