package io.pgmlfollower.serving.sql;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import java.util.List;
import java.util.Map;

/** A call's argument values by parameter name, converted to the declared types. */
final class BoundArguments {
  private final String function;
  private final List<FunctionParameter> parameters;
  private final Object[] values;
  private final boolean[] given;

  BoundArguments(
      String function, List<FunctionParameter> parameters, Object[] values, boolean[] given) {
    this.function = requireNonNull(function, "function is null");
    this.parameters = requireNonNull(parameters, "parameters is null");
    this.values = requireNonNull(values, "values is null");
    this.given = requireNonNull(given, "given is null");
  }

  /** Whether the call passed this argument (as opposed to taking its default). */
  boolean isGiven(String name) {
    return given[index(name)];
  }

  /** The value, or null for SQL NULL / an omitted argument without default. */
  String text(String name) {
    return (String) values[index(name)];
  }

  /** A required, non-null text argument. */
  String requiredText(String name) throws PgWireException {
    String value = text(name);
    if (value == null) {
      throw new PgWireException(
          SqlState.NULL_VALUE_NOT_ALLOWED,
          "pgml.%s: %s must not be NULL".formatted(function, name));
    }
    return value;
  }

  double[] features(String name) throws PgWireException {
    Object value = values[index(name)];
    if (value == null) {
      throw new PgWireException(
          SqlState.NULL_VALUE_NOT_ALLOWED,
          "pgml.%s: %s must not be NULL".formatted(function, name),
          "pass the features as an array, e.g. ARRAY[1.0, 2.0]");
    }
    return (double[]) value;
  }

  Double number(String name) {
    return (Double) values[index(name)];
  }

  Long integer(String name) {
    return (Long) values[index(name)];
  }

  long requiredInteger(String name) throws PgWireException {
    Long value = integer(name);
    if (value == null) {
      throw new PgWireException(
          SqlState.NULL_VALUE_NOT_ALLOWED,
          "pgml.%s: %s must not be NULL".formatted(function, name));
    }
    return value;
  }

  Boolean bool(String name) {
    return (Boolean) values[index(name)];
  }

  Map<String, Object> jsonObject(String name) throws PgWireException {
    return Values.toJsonObject(values[index(name)], "pgml." + function + " " + name);
  }

  private int index(String name) {
    for (int i = 0; i < parameters.size(); i++) {
      if (parameters.get(i).name().equals(name)) {
        return i;
      }
    }
    throw new IllegalArgumentException("pgml." + function + " has no parameter " + name);
  }
}
