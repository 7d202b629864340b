package io.pgmlfollower.serving.sql;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import java.util.List;

/** An argument expression of a pgml call, evaluated when the statement executes. */
sealed interface Argument {
  Object evaluate(List<Object> parameters) throws PgWireException;

  /** A literal: String, Long, Double, BigDecimal, Boolean, or null. */
  record Constant(Object value) implements Argument {
    @Override
    public Object evaluate(List<Object> parameters) {
      return value;
    }
  }

  /** A bind parameter {@code $n} (1-based). */
  record Parameter(int index) implements Argument {
    @Override
    public Object evaluate(List<Object> parameters) throws PgWireException {
      if (index < 1 || index > parameters.size()) {
        throw new PgWireException(
            SqlState.PROTOCOL_VIOLATION,
            "statement uses $%d but %d parameters were bound".formatted(index, parameters.size()));
      }
      return parameters.get(index - 1);
    }
  }

  /** {@code ARRAY[e1, e2, ...]}: evaluates to {@code double[]}. */
  record ArrayOf(List<Argument> elements) implements Argument {
    public ArrayOf {
      elements = List.copyOf(requireNonNull(elements, "elements is null"));
    }

    @Override
    public Object evaluate(List<Object> parameters) throws PgWireException {
      double[] values = new double[elements.size()];
      for (int i = 0; i < values.length; i++) {
        Object element = elements.get(i).evaluate(parameters);
        if (element == null) {
          throw new PgWireException(
              SqlState.NULL_VALUE_NOT_ALLOWED,
              "ARRAY element %d is NULL".formatted(i + 1),
              "features must not be NULL; replace missing values before predicting");
        }
        values[i] = Values.toDouble(element, "ARRAY element " + (i + 1));
      }
      return values;
    }
  }

  /** {@code expr::type}. */
  record Cast(Argument inner, PgType target) implements Argument {
    public Cast {
      requireNonNull(inner, "inner is null");
      requireNonNull(target, "target is null");
    }

    @Override
    public Object evaluate(List<Object> parameters) throws PgWireException {
      return Values.convert(inner.evaluate(parameters), target, "cast to " + target);
    }
  }

  /** {@code -expr}. */
  record Negated(Argument inner) implements Argument {
    @Override
    public Object evaluate(List<Object> parameters) throws PgWireException {
      Object value = inner.evaluate(parameters);
      return value == null ? null : -Values.toDouble(value, "negated value");
    }
  }
}
