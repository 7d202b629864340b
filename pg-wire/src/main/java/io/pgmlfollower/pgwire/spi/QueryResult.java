package io.pgmlfollower.pgwire.spi;

import static java.util.Objects.requireNonNull;

import java.util.Iterator;
import java.util.List;

/**
 * A local statement's outcome: the rows (streamed; the server pulls as the client's row limit and
 * the socket allow) and the command tag, e.g. {@code SELECT 1}.
 */
public record QueryResult(Iterator<Object[]> rows, String commandTag) {
  public QueryResult {
    requireNonNull(rows, "rows is null");
    requireNonNull(commandTag, "commandTag is null");
  }

  public static QueryResult of(List<Object[]> rows) {
    return new QueryResult(rows.iterator(), "SELECT " + rows.size());
  }
}
