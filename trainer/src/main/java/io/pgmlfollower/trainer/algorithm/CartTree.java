package io.pgmlfollower.trainer.algorithm;

import java.io.Serializable;

/**
 * A grown CART classification tree as arrays: a leaf has {@code feature == -1} and predicts its
 * training rows' (weighted) class shares. Immutable.
 */
record CartTree(int[] feature, double[] threshold, int[] left, int[] right, double[][] distribution)
    implements ClassificationEstimator {
  @Override
  public int predict(double[] features, double[] probabilities) {
    int node = 0;
    while (feature[node] >= 0) {
      node = features[feature[node]] <= threshold[node] ? left[node] : right[node];
    }
    double[] leaf = distribution[node];
    int best = 0;
    for (int c = 0; c < probabilities.length; c++) {
      probabilities[c] = c < leaf.length ? leaf[c] : 0;
      if (probabilities[c] > probabilities[best]) {
        best = c;
      }
    }
    return best;
  }

  /** Primitive arrays only: what the artifact codec admits. */
  @Override
  public Serializable artifact() {
    return new Object[] {feature, threshold, left, right, distribution};
  }
}
