package io.pgmlfollower.trainer.algorithm;

import static io.pgmlfollower.trainer.algorithm.TreeParameters.N_ESTIMATORS;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Classification {@code ada_boost}: SAMME (multi-class AdaBoost) as scikit-learn's
 * AdaBoostClassifier(algorithm="SAMME"): {@code n_estimators} (50) trees of {@code max_depth} (1:
 * stumps), each grown on the rows weighted by the previous ones' mistakes ({@link CartBuilder}),
 * weighted by {@code learning_rate × (log((1 − err)/err) + log(K − 1))}; a row goes to the class of
 * most weighted votes. Plain Java: Smile's AdaBoost scored 0.59 on digits where scikit-learn's
 * scores 0.75 ({@code bench/training}). Boosting stops early at a perfect tree, or at one no better
 * than chance.
 */
final class AdaBoostClassification implements ClassificationAlgorithm {
  private static final String LEARNING_RATE = "learning_rate";

  @Override
  public String name() {
    return "ada_boost";
  }

  @Override
  public Set<String> hyperparameterNames() {
    return Set.of(
        N_ESTIMATORS, LEARNING_RATE, TreeParameters.MAX_DEPTH, TreeParameters.MIN_SAMPLES_LEAF);
  }

  @Override
  public ClassificationEstimator fit(
      double[][] x, int[] y, int numClasses, HyperParameters hyperparameters, long seed) {
    int rounds = hyperparameters.intValue(N_ESTIMATORS, 50, 1, TreeParameters.MAX_TREES);
    double learningRate =
        hyperparameters.doubleValue(LEARNING_RATE, 1.0, 0, false, Double.MAX_VALUE);
    int maxDepth =
        hyperparameters.intValue(TreeParameters.MAX_DEPTH, 1, 1, TreeParameters.MAX_TREE_DEPTH);
    int minLeaf =
        hyperparameters.intValue(TreeParameters.MIN_SAMPLES_LEAF, 1, 1, Integer.MAX_VALUE);
    int[] seen = Arrays.stream(y).distinct().sorted().toArray();
    int k = seen.length;
    int n = x.length;
    double[] weights = new double[n];
    Arrays.fill(weights, 1.0 / n);
    List<CartTree> trees = new ArrayList<>();
    List<Double> alphas = new ArrayList<>();
    double[] scratch = new double[numClasses];
    for (int round = 0; round < rounds; round++) {
      CartTree tree =
          new CartBuilder(x, y, weights, numClasses, false, minLeaf)
              .grow(maxDepth, Integer.MAX_VALUE);
      boolean[] wrong = new boolean[n];
      double error = 0;
      double total = 0;
      for (int i = 0; i < n; i++) {
        wrong[i] = tree.predict(x[i], scratch) != y[i];
        error += wrong[i] ? weights[i] : 0;
        total += weights[i];
      }
      error /= total;
      if (error <= 0) {
        trees.add(tree);
        alphas.add(1.0);
        break; // a perfect tree: nothing left to boost
      }
      if (k > 1 && error >= 1.0 - 1.0 / k) {
        if (trees.isEmpty()) {
          trees.add(tree);
          alphas.add(1.0);
        }
        break; // no better than chance: further rounds cannot help
      }
      double alpha = learningRate * (Math.log((1 - error) / error) + Math.log(Math.max(1, k - 1)));
      trees.add(tree);
      alphas.add(alpha);
      double sum = 0;
      for (int i = 0; i < n; i++) {
        if (wrong[i]) {
          weights[i] *= Math.exp(alpha);
        }
        sum += weights[i];
      }
      for (int i = 0; i < n; i++) {
        weights[i] /= sum;
      }
    }
    return new Ensemble(
        trees.toArray(CartTree[]::new),
        alphas.stream().mapToDouble(Double::doubleValue).toArray(),
        seen);
  }

  @Override
  public ClassificationEstimator restore(Object artifact, int numClasses) {
    if (!(artifact instanceof Object[] parts)
        || parts.length != 3
        || !(parts[0] instanceof double[] alphas)
        || !(parts[1] instanceof Object[] trees)
        || !(parts[2] instanceof int[] seen)) {
      throw new IllegalArgumentException("expected an AdaBoost ensemble");
    }
    CartTree[] restored = new CartTree[trees.length];
    for (int i = 0; i < trees.length; i++) {
      if (!(trees[i] instanceof Object[] tree)
          || tree.length != 5
          || !(tree[0] instanceof int[] feature)
          || !(tree[1] instanceof double[] threshold)
          || !(tree[2] instanceof int[] left)
          || !(tree[3] instanceof int[] right)
          || !(tree[4] instanceof double[][] distribution)) {
        throw new IllegalArgumentException("expected an AdaBoost tree");
      }
      restored[i] = new CartTree(feature, threshold, left, right, distribution);
    }
    return new Ensemble(restored, alphas, seen);
  }

  /** The weighted trees; immutable. */
  private record Ensemble(CartTree[] trees, double[] alphas, int[] seen)
      implements ClassificationEstimator {
    /**
     * Votes decide the class; the probabilities are scikit-learn's SAMME ones: the trees' leaf
     * shares averaged by weight, divided by K − 1 and put through a softmax over the K classes seen
     * in training (a class absent from the training rows gets 0).
     */
    @Override
    public int predict(double[] features, double[] probabilities) {
      int classes = probabilities.length;
      double[] votes = new double[classes];
      double[] shares = new double[classes];
      double[] leaf = new double[classes];
      double weightSum = 0;
      for (int m = 0; m < trees.length; m++) {
        int vote = trees[m].predict(features, leaf);
        votes[vote] += alphas[m];
        for (int c = 0; c < classes; c++) {
          shares[c] += alphas[m] * leaf[c];
        }
        weightSum += alphas[m];
      }
      int best = seen[0];
      double max = Double.NEGATIVE_INFINITY;
      int k = Math.max(2, seen.length);
      for (int c : seen) {
        if (votes[c] > votes[best]) {
          best = c;
        }
        shares[c] = shares[c] / weightSum / (k - 1);
        max = Math.max(max, shares[c]);
      }
      Arrays.fill(probabilities, 0.0);
      double total = 0;
      for (int c : seen) {
        probabilities[c] = Math.exp(shares[c] - max);
        total += probabilities[c];
      }
      for (int c : seen) {
        probabilities[c] /= total;
      }
      return best;
    }

    /** Primitive arrays and Object[] only: what the artifact codec admits. */
    @Override
    public Serializable artifact() {
      Object[] trees = new Object[this.trees.length];
      for (int i = 0; i < trees.length; i++) {
        trees[i] = this.trees[i].artifact();
      }
      return new Object[] {alphas, trees, seen};
    }
  }
}
