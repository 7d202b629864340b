package io.pgmlfollower.trainer;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Why a model was deployed, as stored in {@code pgml.deployments.strategy}; PostgresML's {@code
 * pgml.strategy}. Users choose {@link #BEST_SCORE}, {@link #MOST_RECENT} or {@link #ROLLBACK} in
 * {@code pgml.deploy}; the others are recorded by the trainer itself.
 */
public enum DeploymentStrategy {
  BEST_SCORE(true),
  MOST_RECENT(true),
  ROLLBACK(true),
  /** Automatic deploy: the new model scored at least as well as the deployed one. */
  NEW_SCORE(false),
  /** {@code pgml.deploy(model_id)}: the user named the model. */
  SPECIFIC(false);

  private final boolean userSelectable;

  DeploymentStrategy(boolean userSelectable) {
    this.userSelectable = userSelectable;
  }

  public String sqlName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a strategy a user passed to {@code pgml.deploy(project, strategy, algorithm)}. */
  public static DeploymentStrategy fromUserInput(String name) {
    for (DeploymentStrategy strategy : values()) {
      if (strategy.userSelectable && strategy.sqlName().equalsIgnoreCase(name.strip())) {
        return strategy;
      }
    }
    throw new TrainerException(
        TrainerErrorCode.INVALID_ARGUMENT,
        "unknown deployment strategy '%s': use one of %s"
            .formatted(
                name,
                Arrays.stream(values())
                    .filter(strategy -> strategy.userSelectable)
                    .map(DeploymentStrategy::sqlName)
                    .collect(Collectors.joining(", "))));
  }
}
