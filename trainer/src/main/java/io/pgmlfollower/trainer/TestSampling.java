package io.pgmlfollower.trainer;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How the holdout rows are chosen; PostgresML's {@code pgml.sampling}. */
public enum TestSampling {
  /** A seeded random permutation of the rows; the seed is recorded on the snapshot. */
  RANDOM,
  /** The last rows in table order, e.g. the most recent rows of an append-only table. */
  LAST,
  /**
   * Random within each class, every class keeping its share in both sets (classification only), as
   * scikit-learn's {@code train_test_split(stratify=y)}.
   */
  STRATIFIED;

  public String sqlName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static TestSampling fromSqlName(String name) {
    for (TestSampling sampling : values()) {
      if (sampling.sqlName().equalsIgnoreCase(name.strip())) {
        return sampling;
      }
    }
    throw new TrainerException(
        TrainerErrorCode.INVALID_ARGUMENT,
        "unknown test_sampling '%s': use one of %s"
            .formatted(
                name,
                Arrays.stream(values())
                    .map(TestSampling::sqlName)
                    .collect(Collectors.joining(", "))));
  }
}
