package io.pgmlfollower.trainer.algorithm;

/** A fitted clustering. */
public non-sealed interface ClusteringEstimator extends Estimator {
  /** The label scikit-learn gives a row that belongs to no cluster (DBSCAN's noise). */
  int NOISE = -1;

  /**
   * @param features one value per feature, in training order, already preprocessed
   * @return the cluster the row belongs to, from 0, or {@link #NOISE}
   */
  int predict(double[] features);
}
