package io.pgmlfollower.trainer;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.trainer.algorithm.Estimator;
import io.pgmlfollower.trainer.deployment.Pipeline;
import java.util.Map;

/** A freshly fitted model with its holdout metrics and pipeline, not yet stored. */
record TrainedModel(Estimator estimator, Pipeline pipeline, Map<String, Double> metrics) {
  TrainedModel {
    requireNonNull(estimator, "estimator is null");
    requireNonNull(pipeline, "pipeline is null");
    metrics = Map.copyOf(requireNonNull(metrics, "metrics is null"));
  }
}
