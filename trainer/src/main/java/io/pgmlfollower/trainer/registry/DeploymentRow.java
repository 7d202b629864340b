package io.pgmlfollower.trainer.registry;

import static java.util.Objects.requireNonNull;

/** A row of {@code pgml.deployments} with its model. */
public record DeploymentRow(long id, long projectId, ModelRow model) {
  public DeploymentRow {
    requireNonNull(model, "model is null");
  }
}
