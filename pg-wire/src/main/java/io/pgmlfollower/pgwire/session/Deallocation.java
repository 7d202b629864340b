package io.pgmlfollower.pgwire.session;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A forwarded SQL statement that drops prepared statements: {@code DEALLOCATE [PREPARE] name},
 * {@code DEALLOCATE [PREPARE] ALL} or {@code DISCARD ALL}. The upstream drops its own; the server
 * must drop its local ones too, or a client re-preparing the name would hit 42P05. See
 * https://www.postgresql.org/docs/current/sql-deallocate.html
 *
 * @param name the statement dropped, or null when all are
 * @param portalsToo whether portals go as well (DISCARD ALL)
 */
record Deallocation(String name, boolean portalsToo) {
  private static final Pattern DEALLOCATE =
      Pattern.compile(
          "deallocate\\s+(?:prepare\\s+)?(\"(?:[^\"]|\"\")+\"|[a-z_][a-z0-9_$]*)\\s*;?",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern DISCARD_ALL =
      Pattern.compile("discard\\s+all\\s*;?", Pattern.CASE_INSENSITIVE);

  /** What {@code sql} drops, or null when it is not such a statement. */
  static Deallocation of(String sql) {
    String trimmed = sql.strip();
    if (trimmed.length() < 10) {
      return null;
    }
    if (DISCARD_ALL.matcher(trimmed).matches()) {
      return new Deallocation(null, true);
    }
    Matcher matcher = DEALLOCATE.matcher(trimmed);
    if (!matcher.matches()) {
      return null;
    }
    String name = matcher.group(1);
    if (name.startsWith("\"")) {
      return new Deallocation(name.substring(1, name.length() - 1).replace("\"\"", "\""), false);
    }
    String folded = name.toLowerCase(Locale.ROOT);
    return folded.equals("all") ? new Deallocation(null, false) : new Deallocation(folded, false);
  }

  boolean all() {
    return name == null;
  }
}
