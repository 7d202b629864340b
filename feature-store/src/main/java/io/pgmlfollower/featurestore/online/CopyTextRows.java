package io.pgmlfollower.featurestore.online;

import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;

/**
 * Splits PostgreSQL COPY text format into rows of text values
 * (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2): fields separated by
 * tabs, rows by newlines, {@code \N} for NULL, backslash escapes ({@code \b \f \n \r \t \v \\},
 * octal {@code \ooo}, hex {@code \xhh}). Bytes arrive in arbitrary chunks; a row is handed over
 * once its newline arrived.
 *
 * <p>This is the online store's snapshot hot path (every row of every table): runs of ordinary
 * bytes are copied in bulk into the row's one reused buffer (no string per value), and only the
 * three special bytes are looked at one by one.
 */
final class CopyTextRows {
  private final int columns;
  private final CopyRow.Consumer consumer;
  private final CopyRow row;
  private int rowLength; // bytes of the row so far, the current field's included
  private int fieldStart;
  private int fieldsInRow;
  private boolean fieldIsNull;
  private int escape; // 0: none; 1: after '\'; 2-4: octal digits; 5-6: hex digits
  private int escapeValue;

  CopyTextRows(int columns, CopyRow.Consumer consumer) {
    this.columns = columns;
    this.consumer = consumer;
    this.row = new CopyRow(columns);
  }

  void write(byte[] bytes, int offset, int length) throws StoreException {
    int end = offset + length;
    int i = offset;
    while (i < end) {
      if (escape != 0) {
        byte b = bytes[i++];
        if (escape == 1) {
          escaped(b);
        } else if (!numericEscape(b)) {
          i--; // not a digit: it ends the escape and is read again as itself
        }
        continue;
      }
      int run = i;
      while (run < end) {
        byte b = bytes[run];
        if (b == '\t' || b == '\n' || b == '\\') {
          break;
        }
        run++;
      }
      append(bytes, i, run - i);
      if (run == end) {
        return;
      }
      byte special = bytes[run];
      i = run + 1;
      if (special == '\\') {
        escape = 1;
      } else {
        endField();
        if (special == '\n') {
          endRow();
        }
      }
    }
  }

  private void escaped(byte b) {
    escape = 0;
    switch (b) {
      case 'N' -> fieldIsNull = true;
      case 'b' -> append('\b');
      case 'f' -> append('\f');
      case 'n' -> append('\n');
      case 'r' -> append('\r');
      case 't' -> append('\t');
      case 'v' -> append(0x0B);
      case 'x' -> {
        escape = 5;
        escapeValue = 0;
      }
      default -> {
        if (b >= '0' && b <= '7') {
          escape = 3;
          escapeValue = b - '0';
        } else {
          append(b);
        }
      }
    }
  }

  /**
   * Up to three octal digits (escape 2-4) or two hex digits (escape 5-6).
   *
   * @return whether {@code b} was consumed as a digit of the escape
   */
  private boolean numericEscape(byte b) {
    boolean octal = escape <= 4;
    int digit = octal ? (b >= '0' && b <= '7' ? b - '0' : -1) : Character.digit(b, 16);
    if (digit < 0) {
      append(escapeValue);
      escape = 0;
      return false;
    }
    escapeValue = escapeValue * (octal ? 8 : 16) + digit;
    escape++;
    if (escape == 5 || escape == 7) {
      append(escapeValue & 0xFF);
      escape = 0;
    }
    return true;
  }

  private void append(int b) {
    row.ensureCapacity(rowLength + 1);
    row.bytes[rowLength++] = (byte) b;
  }

  private void append(byte[] bytes, int offset, int length) {
    if (length == 0) {
      return;
    }
    row.ensureCapacity(rowLength + length);
    System.arraycopy(bytes, offset, row.bytes, rowLength, length);
    rowLength += length;
  }

  private void endField() {
    if (escape >= 2) {
      append(escapeValue & 0xFF);
      escape = 0;
    }
    if (fieldsInRow < columns) {
      row.set(fieldsInRow, fieldStart, rowLength, fieldIsNull);
    }
    fieldsInRow++; // counted past the table's columns too, for the error
    fieldStart = rowLength;
    fieldIsNull = false;
  }

  private void endRow() throws StoreException {
    if (fieldsInRow != columns) {
      throw new StoreException(
          StoreErrorCode.INVALID_DATA,
          "COPY row has " + fieldsInRow + " fields where the table has " + columns);
    }
    fieldsInRow = 0;
    rowLength = 0;
    fieldStart = 0;
    consumer.accept(row);
  }

  /** Whether a row was started and not ended (the input was cut short). */
  boolean partial() {
    return fieldsInRow > 0 || rowLength > fieldStart || fieldIsNull || escape != 0;
  }
}
