package io.pgmlfollower.pgwire.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a simple Query's text into statements at top-level semicolons, the way PostgreSQL's
 * scanner sees them: semicolons inside string constants ({@code '...'} with {@code ''}, {@code
 * E'...'} with backslash escapes), dollar-quoted strings ({@code $tag$...$tag$}), quoted
 * identifiers ({@code "..."}) and comments ({@code -- ...}, nested {@code /* ... * /}) do not
 * split. Statements holding only whitespace and comments are dropped, as PostgreSQL ignores them.
 * See https://www.postgresql.org/docs/current/sql-syntax-lexical.html
 *
 * <p>Assumes {@code standard_conforming_strings = on} (PostgreSQL's default since 9.1), under which
 * a backslash is an ordinary character in {@code '...'}.
 */
public final class StatementSplitter {
  private StatementSplitter() {}

  public static List<String> split(String sql) {
    List<String> statements = new ArrayList<>();
    int start = 0;
    boolean hasContent = false;
    int length = sql.length();
    int i = 0;
    while (i < length) {
      char c = sql.charAt(i);
      if (c == ';') {
        addIfContent(statements, sql, start, i, hasContent);
        start = i + 1;
        hasContent = false;
        i++;
      } else if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '-' && i + 1 < length && sql.charAt(i + 1) == '-') {
        i = skipLineComment(sql, i);
      } else if (c == '/' && i + 1 < length && sql.charAt(i + 1) == '*') {
        i = skipBlockComment(sql, i);
      } else {
        hasContent = true;
        if (c == '\'') {
          i = skipString(sql, i, isEscapeStringPrefix(sql, i));
        } else if (c == '"') {
          i = skipQuotedIdentifier(sql, i);
        } else if (c == '$' && !(i > 0 && isIdentifierPart(sql.charAt(i - 1)))) {
          i = skipDollarQuoteOrParameter(sql, i);
        } else if (isIdentifierPart(c)) {
          // An identifier or keyword; '$' may continue it (a$b), so consume it whole.
          while (i < length && isIdentifierPart(sql.charAt(i))) {
            i++;
          }
        } else {
          i++;
        }
      }
    }
    addIfContent(statements, sql, start, length, hasContent);
    return statements;
  }

  private static void addIfContent(
      List<String> statements, String sql, int start, int end, boolean hasContent) {
    if (hasContent) {
      statements.add(sql.substring(start, end).strip());
    }
  }

  private static int skipLineComment(String sql, int i) {
    int newline = sql.indexOf('\n', i);
    return newline < 0 ? sql.length() : newline + 1;
  }

  /** Block comments nest in PostgreSQL, unlike in the SQL standard's older form. */
  private static int skipBlockComment(String sql, int i) {
    int depth = 0;
    int length = sql.length();
    while (i < length) {
      if (sql.startsWith("/*", i)) {
        depth++;
        i += 2;
      } else if (sql.startsWith("*/", i)) {
        depth--;
        i += 2;
        if (depth == 0) {
          return i;
        }
      } else {
        i++;
      }
    }
    return length;
  }

  /**
   * An {@code E'...'} string: the E must start a token (not end an identifier like {@code née}).
   */
  private static boolean isEscapeStringPrefix(String sql, int quote) {
    if (quote == 0) {
      return false;
    }
    char prefix = sql.charAt(quote - 1);
    if (prefix != 'E' && prefix != 'e') {
      return false;
    }
    return quote < 2 || !isIdentifierPart(sql.charAt(quote - 2));
  }

  private static int skipString(String sql, int quote, boolean backslashEscapes) {
    int length = sql.length();
    int i = quote + 1;
    while (i < length) {
      char c = sql.charAt(i);
      if (backslashEscapes && c == '\\') {
        i += 2;
      } else if (c == '\'') {
        if (i + 1 < length && sql.charAt(i + 1) == '\'') {
          i += 2;
        } else {
          return i + 1;
        }
      } else {
        i++;
      }
    }
    return length;
  }

  private static int skipQuotedIdentifier(String sql, int quote) {
    int length = sql.length();
    int i = quote + 1;
    while (i < length) {
      if (sql.charAt(i) == '"') {
        if (i + 1 < length && sql.charAt(i + 1) == '"') {
          i += 2;
        } else {
          return i + 1;
        }
      } else {
        i++;
      }
    }
    return length;
  }

  /** {@code $tag$...$tag$} or {@code $$...$$}; otherwise a {@code $n} parameter or a lone $. */
  private static int skipDollarQuoteOrParameter(String sql, int dollar) {
    int length = sql.length();
    int i = dollar + 1;
    if (i < length && isTagStart(sql.charAt(i))) {
      while (i < length && isTagPart(sql.charAt(i))) {
        i++;
      }
    }
    if (i >= length || sql.charAt(i) != '$') {
      // Not a dollar quote: a parameter like $1 (digits are consumed by the caller's loop).
      return dollar + 1;
    }
    String tag = sql.substring(dollar, i + 1);
    int close = sql.indexOf(tag, i + 1);
    return close < 0 ? length : close + tag.length();
  }

  private static boolean isTagStart(char c) {
    return Character.isLetter(c) || c == '_' || c >= 0x80;
  }

  private static boolean isTagPart(char c) {
    return isTagStart(c) || Character.isDigit(c);
  }

  private static boolean isIdentifierPart(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '$' || c >= 0x80;
  }
}
