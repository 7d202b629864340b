package io.pgmlfollower.trainer.deployment;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Deployed models by project name. Replacing an entry is atomic, and a model replaces the cached
 * one only if it comes from a later deployment, so concurrent deploys and loads cannot leave an
 * older model in place (the stale cache of PostgresML issue #324).
 */
public final class ModelCache {
  private final ConcurrentMap<String, DeployedModel> models = new ConcurrentHashMap<>();

  public Optional<DeployedModel> get(String project) {
    return Optional.ofNullable(models.get(project));
  }

  /**
   * Caches {@code model} unless a later deployment of its project is cached; returns the winner.
   */
  public DeployedModel offer(DeployedModel model) {
    requireNonNull(model, "model is null");
    return models.merge(
        model.project(),
        model,
        (cached, offered) -> offered.deploymentId() >= cached.deploymentId() ? offered : cached);
  }

  public void invalidate(String project) {
    models.remove(project);
  }
}
