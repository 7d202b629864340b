package io.pgmlfollower.trainer.algorithm;

import static io.pgmlfollower.trainer.algorithm.TreeParameters.MAX_DEPTH;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.MAX_TREE_DEPTH;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.N_ESTIMATORS;

import io.pgmlfollower.trainer.data.TrainTestSplit;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import smile.regression.RegressionTree;

/**
 * Regression {@code ada_boost}: AdaBoost.R2 (Drucker, "Improving Regressors using Boosting
 * Techniques", ICML 1997) as scikit-learn's AdaBoostRegressor runs it: each round fits a CART tree
 * of {@code max_depth} 3 (Smile's RegressionTree) to a bootstrap sample drawn by the rows' weights,
 * scales every row's error by the largest, and reweights the rows by {@code β^((1 − e) ×
 * learning_rate)}; a round whose weighted error reaches 0.5 stops the boosting (and is dropped
 * unless it is the first), one with no error ends it. Prediction is the weighted median of the
 * trees. Defaults as scikit-learn's: {@code n_estimators} 50, {@code learning_rate} 1, {@code loss}
 * {@code linear} (also {@code square}, {@code exponential}). The bootstrap draws come from the
 * training seed, so the same data and seed give the same model (not scikit-learn's numbers).
 */
final class AdaBoostRegression implements RegressionAlgorithm {
  private static final String LEARNING_RATE = "learning_rate";
  private static final String LOSS = "loss";

  @Override
  public String name() {
    return "ada_boost";
  }

  @Override
  public Set<String> hyperparameterNames() {
    return Set.of(N_ESTIMATORS, LEARNING_RATE, LOSS, MAX_DEPTH);
  }

  @Override
  public RegressionEstimator fit(
      double[][] x, double[] y, HyperParameters hyperparameters, long seed) {
    int rounds = hyperparameters.intValue(N_ESTIMATORS, 50, 1, TreeParameters.MAX_TREES);
    double rate = hyperparameters.doubleValue(LEARNING_RATE, 1.0, 0, false, Double.MAX_VALUE);
    String loss = hyperparameters.choice(LOSS, "linear", Set.of("linear", "square", "exponential"));
    int depth = hyperparameters.intValue(MAX_DEPTH, 3, 1, MAX_TREE_DEPTH);
    int n = x.length;
    double[] weights = new double[n];
    Arrays.fill(weights, 1.0 / n);
    SplittableRandom random = new SplittableRandom(seed);
    RegressionTree.Options options =
        new RegressionTree.Options(TreeParameters.smileDepth(depth), Math.max(2, n), 1);
    List<SmileRegressionEstimator> trees = new ArrayList<>();
    List<Double> treeWeights = new ArrayList<>();
    double[] error = new double[n];
    for (int round = 0; round < rounds; round++) {
      int[] sample = weightedBootstrap(weights, random);
      SmileRegressionEstimator tree =
          new SmileRegressionEstimator(
              RegressionTree.fit(
                  SmileFrames.FORMULA,
                  SmileFrames.regression(
                      TrainTestSplit.select(x, sample), TrainTestSplit.select(y, sample)),
                  options));
      double largest = 0;
      for (int i = 0; i < n; i++) {
        error[i] = Math.abs(tree.predict(x[i]) - y[i]);
        if (weights[i] > 0) {
          largest = Math.max(largest, error[i]);
        }
      }
      double weighted = 0;
      for (int i = 0; i < n; i++) {
        double e = largest == 0 ? 0 : error[i] / largest;
        e =
            switch (loss) {
              case "square" -> e * e;
              case "exponential" -> 1 - Math.exp(-e);
              default -> e;
            };
        error[i] = e;
        weighted += weights[i] * e;
      }
      if (weighted <= 0) {
        trees.add(tree); // a perfect fit: it alone decides
        treeWeights.add(1.0);
        break;
      }
      if (weighted >= 0.5) {
        if (trees.isEmpty()) {
          trees.add(tree);
          treeWeights.add(1.0);
        }
        break;
      }
      double beta = weighted / (1 - weighted);
      trees.add(tree);
      treeWeights.add(rate * Math.log(1 / beta));
      double sum = 0;
      for (int i = 0; i < n; i++) {
        weights[i] *= Math.pow(beta, (1 - error[i]) * rate);
        sum += weights[i];
      }
      for (int i = 0; i < n; i++) {
        weights[i] /= sum;
      }
    }
    return new WeightedMedian(
        trees.stream().map(t -> (RegressionTree) t.artifact()).toArray(RegressionTree[]::new),
        treeWeights.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /** n row indexes drawn with replacement, each with probability its weight. */
  private static int[] weightedBootstrap(double[] weights, SplittableRandom random) {
    int n = weights.length;
    double[] cumulative = new double[n];
    double total = 0;
    for (int i = 0; i < n; i++) {
      total += weights[i];
      cumulative[i] = total;
    }
    int[] sample = new int[n];
    for (int i = 0; i < n; i++) {
      int at = Arrays.binarySearch(cumulative, random.nextDouble() * total);
      sample[i] = Math.min(n - 1, at >= 0 ? at : -at - 1);
    }
    return sample;
  }

  @Override
  public RegressionEstimator restore(Object artifact) {
    if (!(artifact instanceof Object[] parts)
        || parts.length != 2
        || !(parts[0] instanceof RegressionTree[] trees)
        || !(parts[1] instanceof double[] weights)
        || trees.length != weights.length
        || trees.length == 0) {
      throw new IllegalArgumentException("expected the trees and weights of an AdaBoost model");
    }
    return new WeightedMedian(trees, weights);
  }

  /**
   * The weighted median of the trees' predictions, as scikit-learn's {@code _get_median_predict}.
   */
  private static final class WeightedMedian implements RegressionEstimator {
    private final RegressionTree[] trees;
    private final SmileRegressionEstimator[] estimators;
    private final double[] weights;

    WeightedMedian(RegressionTree[] trees, double[] weights) {
      this.trees = trees;
      this.weights = weights;
      this.estimators = new SmileRegressionEstimator[trees.length];
      for (int t = 0; t < trees.length; t++) {
        estimators[t] = new SmileRegressionEstimator(trees[t]);
      }
    }

    @Override
    public double predict(double[] features) {
      int k = estimators.length;
      Integer[] order = new Integer[k];
      double[] predictions = new double[k];
      double total = 0;
      for (int t = 0; t < k; t++) {
        predictions[t] = estimators[t].predict(features);
        order[t] = t;
        total += weights[t];
      }
      Arrays.sort(order, Comparator.comparingDouble(t -> predictions[t]));
      double cumulative = 0;
      for (int t : order) {
        cumulative += weights[t];
        if (cumulative >= 0.5 * total) {
          return predictions[t];
        }
      }
      return predictions[order[k - 1]];
    }

    @Override
    public Serializable artifact() {
      return new Object[] {trees, weights};
    }
  }
}
