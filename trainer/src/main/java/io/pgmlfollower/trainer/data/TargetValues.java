package io.pgmlfollower.trainer.data;

import static java.util.Objects.requireNonNull;

/** The target column's values, one per row, in the type they were read as. */
public sealed interface TargetValues {
  int size();

  /** Numeric and boolean targets (false = 0, true = 1). */
  record Numeric(double[] values) implements TargetValues {
    public Numeric {
      requireNonNull(values, "values is null");
    }

    @Override
    public int size() {
      return values.length;
    }
  }

  /** Text and enum targets: classification labels. */
  record Text(String[] values) implements TargetValues {
    public Text {
      requireNonNull(values, "values is null");
    }

    @Override
    public int size() {
      return values.length;
    }
  }
}
