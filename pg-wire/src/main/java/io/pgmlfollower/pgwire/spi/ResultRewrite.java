package io.pgmlfollower.pgwire.spi;

import java.util.List;

/**
 * A statement the server forwards in another form and whose result it finishes itself: the upstream
 * runs {@link #sql()}, whose result has, for each rewritten column, an input column named {@link
 * #marker(int)}; the server replaces those values, a batch of rows at a time, and the client sees
 * the column as {@link #name(int)} of type {@link #type(int)}. Every other column, and the
 * statement's semantics (filters, joins, order, limits, transactions), stay the upstream's.
 *
 * <p>The server batches rows as they arrive (up to a bound, and at least whenever the upstream
 * pauses), so results still stream and memory stays bounded.
 */
public interface ResultRewrite {
  /** The statement the upstream runs instead of the client's. */
  String sql();

  /** How many columns are rewritten. */
  int columns();

  /** The name of the upstream column that carries the input of rewritten column {@code i}. */
  String marker(int i);

  /** The name the client sees for rewritten column {@code i}. */
  String name(int i);

  /** The type the client sees for rewritten column {@code i}. */
  PgType type(int i);

  /**
   * The values of a batch of rows.
   *
   * @param inputs per row, the text of each rewritten column's input (null for SQL NULL)
   * @return per row, each rewritten column's value (a Java value of its {@link #type(int)}, null
   *     for SQL NULL)
   * @throws PgWireException ends the statement with this error, as if the upstream had raised it
   */
  List<Object[]> apply(List<String[]> inputs) throws PgWireException;

  /**
   * The statement's order and limit when they are a rewritten column's ({@code ORDER BY score LIMIT
   * 25} on a prediction): the upstream runs the statement without them, and the server keeps the
   * best {@code offset + limit} rows as they come and sends them sorted at the end. Null when the
   * upstream's order stands.
   */
  default TopN topN() {
    return null;
  }

  /**
   * ORDER BY rewritten column {@code column} (a {@code real}) with PostgreSQL's ordering of floats
   * (NaN above every number) and of NULLs, then OFFSET and LIMIT.
   */
  record TopN(int column, boolean descending, boolean nullsFirst, long limit, long offset) {
    public TopN {
      if (limit < 0 || offset < 0) {
        throw new IllegalArgumentException("limit and offset must not be negative");
      }
    }
  }
}
