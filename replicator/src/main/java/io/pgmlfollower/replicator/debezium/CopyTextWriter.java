package io.pgmlfollower.replicator.debezium;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Rows in COPY text format (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2):
 * columns separated by tabs, {@code \N} for NULL, backslash, tab, newline and carriage return
 * escaped, one line per row. Buffered: a snapshot's rows go to a store's loader without one write
 * per value.
 */
public final class CopyTextWriter {
  private final OutputStream out;
  private final StringBuilder line = new StringBuilder(256);

  public CopyTextWriter(OutputStream out) {
    this.out = out;
  }

  public void write(String[] values) throws IOException {
    line.setLength(0);
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        line.append('\t');
      }
      String value = values[i];
      if (value == null) {
        line.append("\\N");
        continue;
      }
      for (int c = 0; c < value.length(); c++) {
        char ch = value.charAt(c);
        switch (ch) {
          case '\\' -> line.append("\\\\");
          case '\t' -> line.append("\\t");
          case '\n' -> line.append("\\n");
          case '\r' -> line.append("\\r");
          default -> line.append(ch);
        }
      }
    }
    line.append('\n');
    out.write(line.toString().getBytes(StandardCharsets.UTF_8));
  }

  public void close() throws IOException {
    out.close();
  }
}
