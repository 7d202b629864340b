package io.pgmlfollower.trainer;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What a project predicts; PostgresML's {@code pgml.task}. */
public enum Task {
  REGRESSION("r2"),
  CLASSIFICATION("f1");

  private final String keyMetric;

  Task(String keyMetric) {
    this.keyMetric = keyMetric;
  }

  /** The name used in SQL and stored in {@code pgml.projects.task}, e.g. {@code regression}. */
  public String sqlName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The metric that decides automatic deploys and {@code best_score}: higher is better. PostgresML
   * uses r2 for regression and f1 for classification.
   */
  public String keyMetric() {
    return keyMetric;
  }

  public static Task fromSqlName(String name) {
    for (Task task : values()) {
      if (task.sqlName().equalsIgnoreCase(name.strip())) {
        return task;
      }
    }
    throw new TrainerException(
        TrainerErrorCode.INVALID_ARGUMENT,
        "unknown task '%s': use one of %s"
            .formatted(
                name,
                Arrays.stream(values()).map(Task::sqlName).collect(Collectors.joining(", "))));
  }
}
