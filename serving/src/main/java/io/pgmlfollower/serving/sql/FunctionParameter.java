package io.pgmlfollower.serving.sql;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.PgType;

/**
 * A declared parameter of a pgml function, as in PostgresML's SQL signatures.
 *
 * @param defaultValue the value when the call omits it; ignored when {@code required}
 */
record FunctionParameter(String name, PgType type, boolean required, Object defaultValue) {
  FunctionParameter {
    requireNonNull(name, "name is null");
    requireNonNull(type, "type is null");
  }

  static FunctionParameter required(String name, PgType type) {
    return new FunctionParameter(name, type, true, null);
  }

  static FunctionParameter optional(String name, PgType type, Object defaultValue) {
    return new FunctionParameter(name, type, false, defaultValue);
  }
}
