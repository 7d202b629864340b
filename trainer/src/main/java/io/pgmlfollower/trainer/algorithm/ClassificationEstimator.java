package io.pgmlfollower.trainer.algorithm;

/** A fitted classifier over class indices 0..numClasses-1. */
public non-sealed interface ClassificationEstimator extends Estimator {
  /**
   * @param features one value per feature, in training order, already preprocessed
   * @param probabilities filled with the probability of each class; length numClasses
   * @return the predicted class index
   */
  int predict(double[] features, double[] probabilities);
}
