package io.pgmlfollower.pgwire.types;

import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the text form of a one-dimensional array the way array_in does: optional dimension
 * decoration ({@code [1:3]=}), braces, comma-separated elements, double quotes with backslash
 * escapes, unquoted {@code NULL} for SQL NULL, whitespace around elements ignored.
 */
final class ArrayTextParser {
  record Item(String text, boolean isNull) {}

  private final String text;
  private int position;

  ArrayTextParser(String text) {
    this.text = text;
  }

  List<Item> items() throws PgWireException {
    skipWhitespace();
    if (peek() == '[') {
      int equals = text.indexOf('=', position);
      if (equals < 0) {
        throw malformed("missing \"=\" after array dimensions");
      }
      position = equals + 1;
      skipWhitespace();
    }
    if (peek() != '{') {
      throw malformed("array value must start with \"{\" or dimension information");
    }
    position++;
    List<Item> items = new ArrayList<>();
    skipWhitespace();
    if (peek() == '}') {
      position++;
      expectEnd();
      return items;
    }
    while (true) {
      skipWhitespace();
      char c = peek();
      if (c == '{') {
        throw ArrayCodec.multidimensional();
      }
      items.add(c == '"' ? quoted() : unquoted());
      skipWhitespace();
      char separator = peek();
      position++;
      if (separator == '}') {
        expectEnd();
        return items;
      }
      if (separator != ',') {
        throw malformed("unexpected character after an element");
      }
    }
  }

  private Item quoted() throws PgWireException {
    position++;
    StringBuilder out = new StringBuilder();
    while (position < text.length()) {
      char c = text.charAt(position++);
      if (c == '\\') {
        if (position >= text.length()) {
          break;
        }
        out.append(text.charAt(position++));
      } else if (c == '"') {
        return new Item(out.toString(), false);
      } else {
        out.append(c);
      }
    }
    throw malformed("unexpected end of input");
  }

  private Item unquoted() throws PgWireException {
    StringBuilder out = new StringBuilder();
    int lastSignificant = 0;
    boolean escaped = false;
    while (position < text.length()) {
      char c = text.charAt(position);
      if (c == ',' || c == '}') {
        break;
      }
      if (c == '{' || c == '"') {
        throw malformed("unexpected \"" + c + "\" character");
      }
      position++;
      if (c == '\\') {
        if (position >= text.length()) {
          throw malformed("unexpected end of input");
        }
        out.append(text.charAt(position++));
        escaped = true;
        lastSignificant = out.length();
      } else {
        out.append(c);
        if (!Character.isWhitespace(c)) {
          lastSignificant = out.length();
        }
      }
    }
    if (position >= text.length()) {
      throw malformed("unexpected end of input");
    }
    String value = out.substring(0, lastSignificant);
    if (value.isEmpty()) {
      throw malformed("unexpected \"" + text.charAt(position) + "\" character");
    }
    return new Item(value, !escaped && value.equalsIgnoreCase("NULL"));
  }

  private void expectEnd() throws PgWireException {
    skipWhitespace();
    if (position != text.length()) {
      throw malformed("junk after closing right brace");
    }
  }

  private char peek() throws PgWireException {
    if (position >= text.length()) {
      throw malformed("unexpected end of input");
    }
    return text.charAt(position);
  }

  private void skipWhitespace() {
    while (position < text.length() && Character.isWhitespace(text.charAt(position))) {
      position++;
    }
  }

  private PgWireException malformed(String detail) {
    return new PgWireException(
        SqlState.INVALID_TEXT_REPRESENTATION,
        "malformed array literal: \"" + text + "\"",
        detail,
        null,
        0,
        null);
  }
}
