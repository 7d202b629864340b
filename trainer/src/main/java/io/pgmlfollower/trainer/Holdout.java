package io.pgmlfollower.trainer;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.trainer.data.TargetValues;

/**
 * A training's holdout as it was read, before any preprocessing: the rows a challenger was scored
 * on, so that the deployed model (the champion) can be scored on exactly the same rows.
 *
 * @param x the feature values in the relation's column order
 * @param y the target values of the same rows; null for a task without a target
 */
record Holdout(double[][] x, TargetValues y) {
  Holdout {
    requireNonNull(x, "x is null");
  }
}
