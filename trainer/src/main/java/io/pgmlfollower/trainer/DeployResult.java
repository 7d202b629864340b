package io.pgmlfollower.trainer;

import static java.util.Objects.requireNonNull;

/**
 * One row of {@code pgml.deploy}'s result: {@code (project, strategy, algorithm)}, plus the model.
 */
public record DeployResult(
    String project, DeploymentStrategy strategy, String algorithm, long modelId) {
  public DeployResult {
    requireNonNull(project, "project is null");
    requireNonNull(strategy, "strategy is null");
    requireNonNull(algorithm, "algorithm is null");
  }
}
