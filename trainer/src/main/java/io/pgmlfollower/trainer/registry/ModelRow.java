package io.pgmlfollower.trainer.registry;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/** A row of {@code pgml.models}, with the metrics parsed. */
public record ModelRow(
    long id, long projectId, String algorithm, String status, Map<String, Double> metrics) {
  public static final String SUCCESSFUL = "successful";

  public ModelRow {
    requireNonNull(algorithm, "algorithm is null");
    requireNonNull(status, "status is null");
    metrics = Map.copyOf(requireNonNull(metrics, "metrics is null"));
  }
}
