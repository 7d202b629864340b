package io.pgmlfollower.serving.sql;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.ColumnDescription;
import io.pgmlfollower.pgwire.spi.PgWireException;
import java.util.List;

/** A {@code pgml.*} function the follower runs itself. */
interface PgmlFunction {
  /** The name without schema, e.g. {@code predict}. */
  String name();

  List<FunctionParameter> parameters();

  /** The result columns when called in FROM ({@code SELECT * FROM pgml.train(...)}). */
  List<ColumnDescription> columns();

  /** Whether a call may take long (training): it then runs off the event loop. */
  boolean blocking();

  /**
   * Whether a call for this project may block; by default {@link #blocking()}. A prediction blocks
   * only while its project's model is not loaded yet.
   */
  default boolean blocking(String projectName) {
    return blocking();
  }

  /**
   * Runs the function.
   *
   * @param arguments one value per {@link #parameters()} entry, converted to its type (defaults
   *     filled in)
   * @return the result rows, each with one value per {@link #columns()} entry
   */
  List<Object[]> invoke(BoundArguments arguments, Cancellation cancel) throws PgWireException;
}
