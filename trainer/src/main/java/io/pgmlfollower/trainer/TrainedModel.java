package io.pgmlfollower.trainer;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.trainer.algorithm.Estimator;
import io.pgmlfollower.trainer.deployment.Pipeline;
import java.util.Map;
import java.util.Optional;

/**
 * A freshly fitted model with its holdout metrics and pipeline, not yet stored; with the search
 * that chose its hyperparameters, when there was one.
 */
record TrainedModel(
    Estimator estimator,
    Pipeline pipeline,
    Map<String, Double> metrics,
    Optional<HyperparameterSearch.Outcome> search,
    Optional<Holdout> holdout,
    Optional<long[][]> confusionMatrix) {
  TrainedModel {
    requireNonNull(estimator, "estimator is null");
    requireNonNull(pipeline, "pipeline is null");
    metrics = Map.copyOf(requireNonNull(metrics, "metrics is null"));
    requireNonNull(search, "search is null");
    requireNonNull(holdout, "holdout is null");
    requireNonNull(confusionMatrix, "confusionMatrix is null");
  }

  TrainedModel(Estimator estimator, Pipeline pipeline, Map<String, Double> metrics) {
    this(estimator, pipeline, metrics, Optional.empty(), Optional.empty(), Optional.empty());
  }

  TrainedModel withSearch(HyperparameterSearch.Outcome outcome) {
    return new TrainedModel(
        estimator, pipeline, metrics, Optional.of(outcome), holdout, confusionMatrix);
  }

  TrainedModel withPipeline(Pipeline replaced) {
    return new TrainedModel(estimator, replaced, metrics, search, holdout, confusionMatrix);
  }

  /**
   * A classification's confusion matrix on the holdout: rows are the actual classes, columns the
   * predicted ones, in class-index order (labels sorted ascending).
   */
  TrainedModel withConfusionMatrix(long[][] matrix) {
    return new TrainedModel(estimator, pipeline, metrics, search, holdout, Optional.of(matrix));
  }

  /** The rows it was scored on, for scoring the deployed model on the same ones. */
  TrainedModel withHoldout(Holdout rows) {
    return new TrainedModel(
        estimator, pipeline, metrics, search, Optional.of(rows), confusionMatrix);
  }
}
