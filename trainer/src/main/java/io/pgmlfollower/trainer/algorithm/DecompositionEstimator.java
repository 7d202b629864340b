package io.pgmlfollower.trainer.algorithm;

/** A fitted projection. */
public non-sealed interface DecompositionEstimator extends Estimator {
  /** How many values {@link #transform} answers. */
  int numComponents();

  /**
   * @param features one value per feature, in training order, already preprocessed
   * @return the row's coordinates on the components, {@link #numComponents()} values
   */
  double[] transform(double[] features);

  /**
   * The share of the rows' variance (around the training mean) the components keep: 1 minus the
   * squared reconstruction error over the squared distance to the mean. On the training rows this
   * is the sum of scikit-learn's {@code explained_variance_ratio_}.
   */
  double explainedVariance(double[][] rows);
}
