package io.pgmlfollower.serving.sql;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.ColumnDescription;
import java.util.List;

/** A pgml function's fixed description: its implementations differ only in {@code invoke}. */
abstract class FunctionShape implements PgmlFunction {
  private final String name;
  private final List<FunctionParameter> parameters;
  private final List<ColumnDescription> columns;
  private final boolean blocking;

  FunctionShape(
      String name,
      List<FunctionParameter> parameters,
      List<ColumnDescription> columns,
      boolean blocking) {
    this.name = requireNonNull(name, "name is null");
    this.parameters = List.copyOf(requireNonNull(parameters, "parameters is null"));
    this.columns = List.copyOf(requireNonNull(columns, "columns is null"));
    this.blocking = blocking;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final List<FunctionParameter> parameters() {
    return parameters;
  }

  @Override
  public final List<ColumnDescription> columns() {
    return columns;
  }

  @Override
  public final boolean blocking() {
    return blocking;
  }
}
