package io.pgmlfollower.serving.sql;

/**
 * A statement's text with the contents of string literals and comments blanked out, so that
 * deciding whether a statement calls a pgml function is not fooled by {@code WHERE body LIKE
 * '%pgml.train(%'} or {@code -- pgml.deploy(}. Quoted identifiers are kept: {@code
 * "pgml"."predict"(...)} is a call. Lexical rules:
 * https://www.postgresql.org/docs/current/sql-syntax-lexical.html
 */
final class SqlCode {
  private SqlCode() {}

  static String of(String sql) {
    StringBuilder code = new StringBuilder(sql.length());
    int i = 0;
    int length = sql.length();
    while (i < length) {
      char c = sql.charAt(i);
      if (c == '\'') {
        boolean escapes = i > 0 && (sql.charAt(i - 1) == 'E' || sql.charAt(i - 1) == 'e');
        int end = endOfString(sql, i, escapes);
        blank(code, end - i);
        i = end;
      } else if (c == '-' && i + 1 < length && sql.charAt(i + 1) == '-') {
        int end = sql.indexOf('\n', i);
        end = end < 0 ? length : end;
        blank(code, end - i);
        i = end;
      } else if (c == '/' && i + 1 < length && sql.charAt(i + 1) == '*') {
        int end = endOfBlockComment(sql, i);
        blank(code, end - i);
        i = end;
      } else if (c == '$' && dollarTagEnd(sql, i) > 0) {
        int tagEnd = dollarTagEnd(sql, i);
        String tag = sql.substring(i, tagEnd);
        int close = sql.indexOf(tag, tagEnd);
        int end = close < 0 ? length : close + tag.length();
        blank(code, end - i);
        i = end;
      } else {
        code.append(c);
        i++;
      }
    }
    return code.toString();
  }

  private static void blank(StringBuilder code, int count) {
    code.repeat(' ', count);
  }

  private static int endOfString(String sql, int quote, boolean backslashEscapes) {
    int i = quote + 1;
    while (i < sql.length()) {
      char c = sql.charAt(i);
      if (backslashEscapes && c == '\\') {
        i += 2;
      } else if (c == '\'') {
        if (i + 1 < sql.length() && sql.charAt(i + 1) == '\'') {
          i += 2;
        } else {
          return i + 1;
        }
      } else {
        i++;
      }
    }
    return sql.length();
  }

  private static int endOfBlockComment(String sql, int start) {
    int depth = 0;
    int i = start;
    while (i + 1 < sql.length()) {
      if (sql.charAt(i) == '/' && sql.charAt(i + 1) == '*') {
        depth++;
        i += 2;
      } else if (sql.charAt(i) == '*' && sql.charAt(i + 1) == '/') {
        depth--;
        i += 2;
        if (depth == 0) {
          return i;
        }
      } else {
        i++;
      }
    }
    return sql.length();
  }

  /** The end of a {@code $tag$} opener at {@code i}, or -1 ({@code $1} is a parameter). */
  private static int dollarTagEnd(String sql, int i) {
    if (i > 0 && (Character.isLetterOrDigit(sql.charAt(i - 1)) || sql.charAt(i - 1) == '_')) {
      return -1;
    }
    int j = i + 1;
    if (j < sql.length() && Character.isDigit(sql.charAt(j))) {
      return -1;
    }
    while (j < sql.length() && (Character.isLetterOrDigit(sql.charAt(j)) || sql.charAt(j) == '_')) {
      j++;
    }
    return j < sql.length() && sql.charAt(j) == '$' ? j + 1 : -1;
  }
}
