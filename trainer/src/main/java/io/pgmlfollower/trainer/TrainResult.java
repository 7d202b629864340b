package io.pgmlfollower.trainer;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/**
 * One row of {@code pgml.train}'s result: {@code (project, task, algorithm, deployed)}, plus the
 * new model's id and holdout metrics for callers that want them.
 */
public record TrainResult(
    String project,
    Task task,
    String algorithm,
    boolean deployed,
    long modelId,
    Map<String, Double> metrics) {
  public TrainResult {
    requireNonNull(project, "project is null");
    requireNonNull(task, "task is null");
    requireNonNull(algorithm, "algorithm is null");
    metrics = Map.copyOf(requireNonNull(metrics, "metrics is null"));
  }
}
