package io.pgmlfollower.featurestore.online;

import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * PostgreSQL's binary form of a value (its type's {@code send} function) turned into the text its
 * {@code out} function prints, under the settings a replication session runs with ({@code
 * DateStyle=ISO}, {@code extra_float_digits=1}, {@code bytea_output=hex}): what a text COPY or the
 * pgoutput stream would have carried. The online store keeps values as text, so a binary COPY can
 * feed it only for the types here; a table with any other type is copied as text.
 *
 * <p>{@code BinaryToTextIT} checks every conversion against the server's own output.
 */
enum BinaryToText {
  BOOL(16) {
    @Override
    int append(byte[] in, int at, int length, CopyRow row, int to) throws StoreException {
      expectLength(length, 1);
      row.ensureCapacity(to + 1);
      row.bytes[to] = in[at] != 0 ? (byte) 't' : (byte) 'f';
      return to + 1;
    }
  },
  INT2(21) {
    @Override
    int append(byte[] in, int at, int length, CopyRow row, int to) throws StoreException {
      expectLength(length, 2);
      return appendLong(row, to, (short) readInt(in, at, 2));
    }
  },
  INT4(23) {
    @Override
    int append(byte[] in, int at, int length, CopyRow row, int to) throws StoreException {
      expectLength(length, 4);
      return appendLong(row, to, (int) readInt(in, at, 4));
    }
  },
  INT8(20) {
    @Override
    int append(byte[] in, int at, int length, CopyRow row, int to) throws StoreException {
      expectLength(length, 8);
      return appendLong(row, to, readInt(in, at, 8));
    }
  },
  /** Text types send their characters as they are, in the client encoding (UTF-8 here). */
  TEXT(25) {
    @Override
    int append(byte[] in, int at, int length, CopyRow row, int to) {
      return copy(in, at, length, row, to);
    }
  },
  VARCHAR(1043) {
    @Override
    int append(byte[] in, int at, int length, CopyRow row, int to) {
      return copy(in, at, length, row, to);
    }
  },
  BPCHAR(1042) {
    @Override
    int append(byte[] in, int at, int length, CopyRow row, int to) {
      return copy(in, at, length, row, to);
    }
  },
  NAME(19) {
    @Override
    int append(byte[] in, int at, int length, CopyRow row, int to) {
      return copy(in, at, length, row, to);
    }
  },
  JSON(114) {
    @Override
    int append(byte[] in, int at, int length, CopyRow row, int to) {
      return copy(in, at, length, row, to);
    }
  },
  /** A version byte (1), then the same text {@code jsonb_out} prints. */
  JSONB(3802) {
    @Override
    int append(byte[] in, int at, int length, CopyRow row, int to) throws StoreException {
      if (length < 1 || in[at] != 1) {
        throw invalid("jsonb of an unknown binary version");
      }
      return copy(in, at + 1, length - 1, row, to);
    }
  },
  FLOAT4(700) {
    @Override
    int append(byte[] in, int at, int length, CopyRow row, int to) throws StoreException {
      expectLength(length, 4);
      float value = Float.intBitsToFloat((int) readInt(in, at, 4));
      return appendAscii(row, to, FloatText.formatFloat(value));
    }
  },
  FLOAT8(701) {
    @Override
    int append(byte[] in, int at, int length, CopyRow row, int to) throws StoreException {
      expectLength(length, 8);
      double value = Double.longBitsToDouble(readInt(in, at, 8));
      return appendAscii(row, to, FloatText.formatDouble(value));
    }
  },
  /**
   * {@code Int16 ndigits, Int16 weight, Int16 sign, Int16 dscale, Int16 digits[ndigits]}: base
   * 10000 digits, the first one worth {@code 10000^weight}; printed with exactly {@code dscale}
   * decimals, as {@code numeric_out} does.
   */
  NUMERIC(1700) {
    @Override
    int append(byte[] in, int at, int length, CopyRow row, int to) throws StoreException {
      if (length < 8) {
        throw invalid("numeric shorter than its header");
      }
      int digits = (int) readInt(in, at, 2);
      int weight = (short) readInt(in, at + 2, 2);
      int sign = (int) readInt(in, at + 4, 2);
      int scale = (int) readInt(in, at + 6, 2);
      if (length != 8 + 2 * digits) {
        throw invalid("numeric of " + digits + " digits in " + length + " bytes");
      }
      String special =
          switch (sign) {
            case 0xC000 -> "NaN";
            case 0xD000 -> "Infinity";
            case 0xF000 -> "-Infinity";
            case 0x0000, 0x4000 -> null;
            default -> throw invalid("numeric with sign 0x" + Integer.toHexString(sign));
          };
      if (special != null) {
        return appendAscii(row, to, special);
      }
      BigDecimal value = BigDecimal.ZERO;
      for (int i = 0; i < digits; i++) {
        long digit = readInt(in, at + 8 + 2 * i, 2);
        value = value.add(BigDecimal.valueOf(digit).scaleByPowerOfTen(4 * (weight - i)));
      }
      value = value.setScale(scale);
      String text = value.toPlainString();
      if (sign == 0x4000 && value.signum() != 0) {
        text = "-" + text;
      }
      return appendAscii(row, to, text);
    }
  },
  /** Days since 2000-01-01, printed ISO with a {@code BC} suffix before year 1. */
  DATE(1082) {
    @Override
    int append(byte[] in, int at, int length, CopyRow row, int to) throws StoreException {
      expectLength(length, 4);
      int days = (int) readInt(in, at, 4);
      if (days == Integer.MAX_VALUE) {
        return appendAscii(row, to, "infinity");
      }
      if (days == Integer.MIN_VALUE) {
        return appendAscii(row, to, "-infinity");
      }
      LocalDate date = LocalDate.ofEpochDay(POSTGRES_EPOCH_DAY + days);
      StringBuilder text = new StringBuilder(16);
      appendDate(text, date);
      if (date.getYear() <= 0) {
        text.append(" BC");
      }
      return appendAscii(row, to, text.toString());
    }
  },
  /** Microseconds since 2000-01-01 00:00, printed ISO, trailing zeros of the fraction dropped. */
  TIMESTAMP(1114) {
    @Override
    int append(byte[] in, int at, int length, CopyRow row, int to) throws StoreException {
      expectLength(length, 8);
      long micros = readInt(in, at, 8);
      if (micros == Long.MAX_VALUE) {
        return appendAscii(row, to, "infinity");
      }
      if (micros == Long.MIN_VALUE) {
        return appendAscii(row, to, "-infinity");
      }
      long days = Math.floorDiv(micros, MICROS_PER_DAY);
      long ofDay = Math.floorMod(micros, MICROS_PER_DAY);
      LocalDate date = LocalDate.ofEpochDay(POSTGRES_EPOCH_DAY + days);
      StringBuilder text = new StringBuilder(32);
      appendDate(text, date);
      long seconds = ofDay / 1_000_000;
      text.append(' ');
      twoDigits(text, (int) (seconds / 3600));
      text.append(':');
      twoDigits(text, (int) (seconds / 60 % 60));
      text.append(':');
      twoDigits(text, (int) (seconds % 60));
      int fraction = (int) (ofDay % 1_000_000);
      if (fraction != 0) {
        String digits = Integer.toString(1_000_000 + fraction).substring(1);
        int end = digits.length();
        while (digits.charAt(end - 1) == '0') {
          end--;
        }
        text.append('.').append(digits, 0, end);
      }
      if (date.getYear() <= 0) {
        text.append(" BC");
      }
      return appendAscii(row, to, text.toString());
    }
  },
  UUID(2950) {
    @Override
    int append(byte[] in, int at, int length, CopyRow row, int to) throws StoreException {
      expectLength(length, 16);
      row.ensureCapacity(to + 36);
      byte[] out = row.bytes;
      for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
          out[to++] = '-';
        }
        to = appendHex(out, to, in[at + i]);
      }
      return to;
    }
  },
  /** Printed in {@code bytea_output=hex}, PostgreSQL's default: {@code \x} and two hex digits. */
  BYTEA(17) {
    @Override
    int append(byte[] in, int at, int length, CopyRow row, int to) {
      row.ensureCapacity(to + 2 + 2 * length);
      byte[] out = row.bytes;
      out[to++] = '\\';
      out[to++] = 'x';
      for (int i = 0; i < length; i++) {
        to = appendHex(out, to, in[at + i]);
      }
      return to;
    }
  };

  private static final long POSTGRES_EPOCH_DAY = LocalDate.of(2000, 1, 1).toEpochDay();
  private static final long MICROS_PER_DAY = 86_400_000_000L;
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private static final Map<Integer, BinaryToText> BY_OID =
      Stream.of(values()).collect(Collectors.toMap(t -> t.oid, Function.identity()));

  private final int oid;

  BinaryToText(int oid) {
    this.oid = oid;
  }

  /** The conversion for a type OID; empty for types whose binary form is not converted. */
  static Optional<BinaryToText> forType(int oid) {
    return Optional.ofNullable(BY_OID.get(oid));
  }

  /**
   * Writes the text of the binary value {@code in[at, at + length)} into the row's bytes at {@code
   * to}, growing them as needed; returns the position after it.
   */
  abstract int append(byte[] in, int at, int length, CopyRow row, int to) throws StoreException;

  static long readInt(byte[] in, int at, int bytes) {
    long value = 0;
    for (int i = 0; i < bytes; i++) {
      value = (value << 8) | (in[at + i] & 0xFF);
    }
    return value;
  }

  private static int appendLong(CopyRow row, int to, long value) {
    if (value == Long.MIN_VALUE) {
      return appendAscii(row, to, Long.toString(value));
    }
    row.ensureCapacity(to + 20);
    byte[] out = row.bytes;
    if (value < 0) {
      out[to++] = '-';
      value = -value;
    }
    int digits = 1;
    for (long rest = value / 10; rest != 0; rest /= 10) {
      digits++;
    }
    for (int i = to + digits - 1; i >= to; i--) {
      out[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
    return to + digits;
  }

  private static int copy(byte[] in, int at, int length, CopyRow row, int to) {
    row.ensureCapacity(to + length);
    System.arraycopy(in, at, row.bytes, to, length);
    return to + length;
  }

  private static int appendAscii(CopyRow row, int to, String text) {
    row.ensureCapacity(to + text.length());
    byte[] out = row.bytes;
    for (int i = 0; i < text.length(); i++) {
      out[to++] = (byte) text.charAt(i);
    }
    return to;
  }

  private static int appendHex(byte[] out, int to, byte b) {
    out[to++] = HEX[(b >> 4) & 0xF];
    out[to++] = HEX[b & 0xF];
    return to;
  }

  /** {@code YYYY-MM-DD}, the year of a BC date counted as PostgreSQL does (1 BC is year 0). */
  private static void appendDate(StringBuilder text, LocalDate date) {
    int year = date.getYear() <= 0 ? 1 - date.getYear() : date.getYear();
    String digits = Integer.toString(year);
    for (int i = digits.length(); i < 4; i++) {
      text.append('0');
    }
    text.append(digits).append('-');
    twoDigits(text, date.getMonthValue());
    text.append('-');
    twoDigits(text, date.getDayOfMonth());
  }

  private static void twoDigits(StringBuilder text, int value) {
    text.append((char) ('0' + value / 10)).append((char) ('0' + value % 10));
  }

  private static void expectLength(int length, int expected) throws StoreException {
    if (length != expected) {
      throw invalid("a " + expected + "-byte value came as " + length + " bytes");
    }
  }

  private static StoreException invalid(String what) {
    return new StoreException(StoreErrorCode.INVALID_DATA, "binary COPY: " + what);
  }
}
