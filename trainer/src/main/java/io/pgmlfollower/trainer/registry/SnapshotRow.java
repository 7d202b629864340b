package io.pgmlfollower.trainer.registry;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.trainer.TestSampling;

/** What the trainer needs back from a {@code pgml.snapshots} row: where the project's data is. */
public record SnapshotRow(
    long id,
    String relationName,
    String yColumnName,
    double testSize,
    TestSampling testSampling,
    long seed) {
  public SnapshotRow {
    requireNonNull(relationName, "relationName is null");
    requireNonNull(yColumnName, "yColumnName is null");
    requireNonNull(testSampling, "testSampling is null");
  }
}
