package io.pgmlfollower.trainer;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What a project predicts; PostgresML's {@code pgml.task}. */
public enum Task {
  REGRESSION("r2"),
  CLASSIFICATION("f1"),
  /** Unsupervised: every column is a feature, {@code pgml.predict} answers a cluster number. */
  CLUSTERING("silhouette"),
  /** Unsupervised: every column is a feature, {@code pgml.decompose} answers the components. */
  DECOMPOSITION("cumulative_explained_variance");

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
   * uses r2 for regression, f1 for classification, the silhouette for clustering and the cumulative
   * explained variance for decomposition.
   */
  public String keyMetric() {
    return keyMetric;
  }

  /** Whether the task learns a target column ({@code y_column_name}). */
  public boolean supervised() {
    return this == REGRESSION || this == CLASSIFICATION;
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
