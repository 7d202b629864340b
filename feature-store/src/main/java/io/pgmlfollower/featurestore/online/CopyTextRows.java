package io.pgmlfollower.featurestore.online;

import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits PostgreSQL COPY text format into rows of text values
 * (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2): fields separated by
 * tabs, rows by newlines, {@code \N} for NULL, backslash escapes ({@code \b \f \n \r \t \v \\},
 * octal {@code \ooo}, hex {@code \xhh}). Bytes arrive in arbitrary chunks; a row is handed over
 * once its newline arrived.
 */
final class CopyTextRows {
  /** Receives each complete row. */
  @FunctionalInterface
  interface RowConsumer {
    void accept(String[] values) throws StoreException;
  }

  private final int columns;
  private final RowConsumer consumer;
  private final ByteArrayOutputStream field = new ByteArrayOutputStream(64);
  private final List<String> row = new ArrayList<>();
  private boolean fieldIsNull;
  private int escape; // 0: none; 1: after '\'; 2-4: octal digits; 5-6: hex digits
  private int escapeValue;

  CopyTextRows(int columns, RowConsumer consumer) {
    this.columns = columns;
    this.consumer = consumer;
  }

  void write(byte[] bytes, int offset, int length) throws StoreException {
    for (int i = offset; i < offset + length; i++) {
      byte b = bytes[i];
      if (escape == 1) {
        escaped(b);
      } else if (escape >= 2) {
        numericEscape(b);
      } else if (b == '\\') {
        escape = 1;
      } else if (b == '\t') {
        endField();
      } else if (b == '\n') {
        endField();
        endRow();
      } else {
        field.write(b);
      }
    }
  }

  private void escaped(byte b) throws StoreException {
    escape = 0;
    switch (b) {
      case 'N' -> fieldIsNull = true;
      case 'b' -> field.write('\b');
      case 'f' -> field.write('\f');
      case 'n' -> field.write('\n');
      case 'r' -> field.write('\r');
      case 't' -> field.write('\t');
      case 'v' -> field.write(0x0B);
      case 'x' -> {
        escape = 5;
        escapeValue = 0;
      }
      default -> {
        if (b >= '0' && b <= '7') {
          escape = 3;
          escapeValue = b - '0';
        } else {
          field.write(b);
        }
      }
    }
  }

  /** Up to three octal digits (escape 2-4) or two hex digits (escape 5-6). */
  private void numericEscape(byte b) throws StoreException {
    boolean octal = escape <= 4;
    int digit = octal ? (b >= '0' && b <= '7' ? b - '0' : -1) : Character.digit(b, 16);
    if (digit < 0) {
      field.write(escapeValue);
      escape = 0;
      write(new byte[] {b}, 0, 1);
      return;
    }
    escapeValue = escapeValue * (octal ? 8 : 16) + digit;
    escape++;
    if (escape == 5 || escape == 7) {
      field.write(escapeValue & 0xFF);
      escape = 0;
    }
  }

  private void endField() {
    if (escape >= 2) {
      field.write(escapeValue & 0xFF);
      escape = 0;
    }
    row.add(fieldIsNull ? null : field.toString(StandardCharsets.UTF_8));
    field.reset();
    fieldIsNull = false;
  }

  private void endRow() throws StoreException {
    if (row.size() != columns) {
      throw new StoreException(
          StoreErrorCode.INVALID_DATA,
          "COPY row has " + row.size() + " fields where the table has " + columns);
    }
    String[] values = row.toArray(new String[0]);
    row.clear();
    consumer.accept(values);
  }

  /** Whether a row was started and not ended (the input was cut short). */
  boolean partial() {
    return !row.isEmpty() || field.size() > 0 || fieldIsNull || escape != 0;
  }
}
