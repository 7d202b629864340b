package io.pgmlfollower.pgwire.spi;

import java.util.List;

/** A prepared statement that the server executes itself, without the upstream. */
public interface LocalStatement {
  /** The parameter types, reported in ParameterDescription and used to decode bound values. */
  List<PgType> parameterTypes();

  /** The result columns, reported in RowDescription; empty means NoData. */
  List<ColumnDescription> columns();

  /**
   * Whether {@link #execute} may block or take long (training): the server then runs it on a worker
   * thread. Fast statements (a prediction) run on the event loop, saving a thread hop.
   */
  boolean blocking();

  /**
   * Whether this execution, with these bound values, may block: asked before each execution, so a
   * statement that is usually fast (a prediction from a cached model) can stay on the event loop
   * and take the worker thread only when it would wait (the model must be loaded first).
   *
   * @param parameters the bound values, as {@link #execute} gets them
   */
  default boolean blocking(List<Object> parameters) {
    return blocking();
  }

  /**
   * Runs the statement.
   *
   * @param parameters the bound values decoded by {@link #parameterTypes()}: {@code Boolean},
   *     {@code Short}, {@code Integer}, {@code Long}, {@code Float}, {@code Double}, {@code
   *     BigDecimal}, {@code String}, {@code byte[]}, arrays as {@code double[]}, {@code float[]},
   *     {@code long[]}, {@code int[]}, {@code boolean[]}, {@code String[]}; {@code null} for NULL
   * @param cancel set when the client sends a CancelRequest for this session
   * @return the rows, each value of the Java type matching its {@link ColumnDescription#type()}
   */
  QueryResult execute(List<Object> parameters, Cancellation cancel) throws PgWireException;
}
