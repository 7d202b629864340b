package io.pgmlfollower.serving.sql;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A statement that is exactly one pgml function call: {@code SELECT pgml.f(...) [AS alias]} or
 * {@code SELECT * FROM pgml.f(...)}.
 *
 * @param function the function name without schema, lower case
 * @param arguments positional arguments first, then named ones ({@code name => value})
 * @param columnAlias the select-list alias, or null
 * @param fromClause whether the call stands in FROM (its result columns are expanded)
 */
record PgmlCall(
    String function, List<CallArgument> arguments, String columnAlias, boolean fromClause) {
  PgmlCall {
    requireNonNull(function, "function is null");
    arguments = List.copyOf(requireNonNull(arguments, "arguments is null"));
  }

  /** One argument; {@code name} is null for a positional one. */
  record CallArgument(String name, Argument value) {
    CallArgument {
      requireNonNull(value, "value is null");
    }
  }
}
