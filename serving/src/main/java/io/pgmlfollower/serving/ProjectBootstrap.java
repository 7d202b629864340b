package io.pgmlfollower.serving;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.replicator.PgOutputSource;
import io.pgmlfollower.serving.config.FollowerConfig;
import io.pgmlfollower.trainer.TrainRequest;
import io.pgmlfollower.trainer.TrainResult;
import io.pgmlfollower.trainer.Trainer;
import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the configured projects that have no deployed model, once the initial snapshot is loaded
 * (training earlier would train on an empty table). Runs off the start-up and serving threads.
 */
final class ProjectBootstrap {
  private static final Logger LOG = LoggerFactory.getLogger(ProjectBootstrap.class);

  private final Trainer trainer;
  private final PgOutputSource source;
  private final List<FollowerConfig.Project> projects;

  ProjectBootstrap(Trainer trainer, PgOutputSource source, List<FollowerConfig.Project> projects) {
    this.trainer = requireNonNull(trainer, "trainer is null");
    this.source = requireNonNull(source, "source is null");
    this.projects = List.copyOf(requireNonNull(projects, "projects is null"));
  }

  void startInBackground() {
    if (projects.isEmpty()) {
      return;
    }
    source
        .snapshotDone()
        .thenRunAsync(() -> projects.forEach(this::trainIfMissing))
        .exceptionally(
            e -> {
              LOG.error("configured projects were not trained: the snapshot failed", e);
              return null;
            });
  }

  private void trainIfMissing(FollowerConfig.Project project) {
    try {
      trainer.deployedModel(project.name());
      LOG.info("project {} has a deployed model; not retraining at start-up", project.name());
      return;
    } catch (TrainerException e) {
      if (e.code() != TrainerErrorCode.UNKNOWN_PROJECT
          && e.code() != TrainerErrorCode.NO_DEPLOYED_MODEL) {
        LOG.error("project {}: cannot read its deployed model", project.name(), e);
        return;
      }
    }
    try {
      TrainResult result =
          trainer.train(
              TrainRequest.builder(project.name())
                  .task(project.task().name().toLowerCase(Locale.ROOT))
                  .relationName(project.relation())
                  .yColumnName(project.target())
                  .algorithm(project.algorithm())
                  .hyperparams(project.hyperparams())
                  .build());
      LOG.info(
          "project {} trained at start-up: {} model {} (deployed: {}, metrics {})",
          project.name(),
          result.algorithm(),
          result.modelId(),
          result.deployed(),
          result.metrics());
    } catch (TrainerException e) {
      LOG.error("project {} failed to train: {}", project.name(), e.getMessage(), e);
    }
  }
}
