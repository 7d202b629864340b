package io.pgmlfollower.trainer.algorithm;

import static io.pgmlfollower.trainer.algorithm.TreeParameters.MAX_DEPTH;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.MAX_FEATURES;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.MAX_TREES;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.MIN_SAMPLES_LEAF;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.N_ESTIMATORS;

import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.function.LongFunction;
import java.util.stream.IntStream;

/**
 * {@code extra_trees}: a forest of extremely randomized trees ({@link ExtraTreeBuilder}) with
 * scikit-learn's defaults: {@code n_estimators} 100, every tree on all the training rows (no
 * bootstrap), grown until pure; {@code max_features} {@code sqrt} to classify and all features to
 * regress (scikit-learn ≥ 1.1), also {@code log2}, a count or a fraction; {@code max_depth} and
 * {@code min_samples_leaf}. Classification averages the trees' class shares (as {@code
 * predict_proba}) and predicts the largest; regression averages the trees' leaf means.
 *
 * <p>Trees are grown in parallel, each from its own seed drawn from the training seed, so the
 * forest does not depend on thread scheduling.
 */
final class ExtraTrees {
  private static final Set<String> NAMES =
      Set.of(N_ESTIMATORS, MAX_DEPTH, MIN_SAMPLES_LEAF, MAX_FEATURES);
  private static final int UNLIMITED_DEPTH = Integer.MAX_VALUE;

  private ExtraTrees() {}

  static ClassificationAlgorithm classification() {
    return new Classification();
  }

  static RegressionAlgorithm regression() {
    return new Regression();
  }

  /** The settings read from the hyperparameters. */
  private record Settings(int ntrees, int maxDepth, int minLeaf, int maxFeatures) {
    static Settings of(HyperParameters hyperparameters, int numFeatures, boolean classify) {
      return new Settings(
          hyperparameters.intValue(N_ESTIMATORS, 100, 1, MAX_TREES),
          hyperparameters.intValue(MAX_DEPTH, UNLIMITED_DEPTH, 1, UNLIMITED_DEPTH),
          hyperparameters.intValue(MIN_SAMPLES_LEAF, 1, 1, Integer.MAX_VALUE),
          ExtraTrees.maxFeatures(hyperparameters.raw(MAX_FEATURES), numFeatures, classify));
    }
  }

  /** scikit-learn's {@code max_features}: sqrt, log2, a count, a fraction, or null (all). */
  static int maxFeatures(Object value, int numFeatures, boolean classify) {
    if (value == null) {
      return classify ? Math.max(1, (int) Math.sqrt(numFeatures)) : numFeatures;
    }
    if (value instanceof String text) {
      switch (text.strip().toLowerCase(Locale.ROOT)) {
        case "sqrt" -> {
          return Math.max(1, (int) Math.sqrt(numFeatures));
        }
        case "log2" -> {
          return Math.max(1, (int) (Math.log(numFeatures) / Math.log(2)));
        }
        default -> {
          // a number written as a string is read below
        }
      }
    }
    // scikit-learn's rule: an int is a count, a float a fraction of the features (1.0 is all).
    boolean fraction =
        value instanceof Double
            || value instanceof Float
            || value instanceof java.math.BigDecimal
            || (value instanceof String text && text.contains("."));
    double number;
    try {
      number =
          value instanceof Number n
              ? n.doubleValue()
              : Double.parseDouble(value.toString().strip());
    } catch (NumberFormatException e) {
      throw invalidMaxFeatures(value, numFeatures);
    }
    if (!fraction && number == Math.rint(number) && number >= 1 && number <= numFeatures) {
      return (int) number;
    }
    if (fraction && number > 0 && number <= 1) {
      return Math.max(1, (int) (number * numFeatures));
    }
    throw invalidMaxFeatures(value, numFeatures);
  }

  private static TrainerException invalidMaxFeatures(Object value, int numFeatures) {
    return new TrainerException(
        TrainerErrorCode.INVALID_HYPERPARAMETER,
        ("hyperparameter max_features of extra_trees must be sqrt, log2, a count from 1 to %d or"
                + " a fraction above 0 and at most 1, got %s")
            .formatted(numFeatures, value));
  }

  /**
   * Grows the trees in parallel, each from its own seed drawn in order from the training seed, so
   * that the forest does not depend on thread scheduling.
   */
  private static CartTree[] grow(int ntrees, long seed, LongFunction<CartTree> tree) {
    long[] seeds = new Random(seed).longs(ntrees).toArray();
    return IntStream.range(0, ntrees)
        .parallel()
        .mapToObj(i -> tree.apply(seeds[i]))
        .toArray(CartTree[]::new);
  }

  private static Serializable artifact(CartTree[] trees) {
    Object[] parts = new Object[trees.length];
    for (int i = 0; i < trees.length; i++) {
      parts[i] = trees[i].artifact();
    }
    return parts;
  }

  private static CartTree[] restoreTrees(Object artifact) {
    if (!(artifact instanceof Object[] parts) || parts.length == 0) {
      throw new IllegalArgumentException("expected the trees of an extra_trees forest");
    }
    CartTree[] trees = new CartTree[parts.length];
    for (int i = 0; i < parts.length; i++) {
      if (!(parts[i] instanceof Object[] tree)
          || tree.length != 5
          || !(tree[0] instanceof int[] feature)
          || !(tree[1] instanceof double[] threshold)
          || !(tree[2] instanceof int[] left)
          || !(tree[3] instanceof int[] right)
          || !(tree[4] instanceof double[][] values)) {
        throw new IllegalArgumentException("tree %d of the forest is malformed".formatted(i));
      }
      trees[i] = new CartTree(feature, threshold, left, right, values);
    }
    return trees;
  }

  private static double[] leaf(CartTree tree, double[] features) {
    int[] feature = tree.feature();
    double[] threshold = tree.threshold();
    int node = 0;
    while (feature[node] >= 0) {
      node = features[feature[node]] <= threshold[node] ? tree.left()[node] : tree.right()[node];
    }
    return tree.distribution()[node];
  }

  private static final class Classification implements ClassificationAlgorithm {
    @Override
    public String name() {
      return "extra_trees";
    }

    @Override
    public Set<String> hyperparameterNames() {
      return NAMES;
    }

    @Override
    public ClassificationEstimator fit(
        double[][] x, int[] y, int numClasses, HyperParameters hyperparameters, long seed) {
      Settings s = Settings.of(hyperparameters, x[0].length, true);
      return new Forest(
          grow(
              s.ntrees(),
              seed,
              treeSeed ->
                  ExtraTreeBuilder.classification(
                      x, y, numClasses, s.maxFeatures(), s.maxDepth(), s.minLeaf(), treeSeed)),
          numClasses);
    }

    @Override
    public ClassificationEstimator restore(Object artifact, int numClasses) {
      return new Forest(restoreTrees(artifact), numClasses);
    }
  }

  private static final class Regression implements RegressionAlgorithm {
    @Override
    public String name() {
      return "extra_trees";
    }

    @Override
    public Set<String> hyperparameterNames() {
      return NAMES;
    }

    @Override
    public RegressionEstimator fit(
        double[][] x, double[] y, HyperParameters hyperparameters, long seed) {
      Settings s = Settings.of(hyperparameters, x[0].length, false);
      return new RegressionForest(
          grow(
              s.ntrees(),
              seed,
              treeSeed ->
                  ExtraTreeBuilder.regression(
                      x, y, s.maxFeatures(), s.maxDepth(), s.minLeaf(), treeSeed)));
    }

    @Override
    public RegressionEstimator restore(Object artifact) {
      return new RegressionForest(restoreTrees(artifact));
    }
  }

  /** Averages the trees' class shares. */
  private record Forest(CartTree[] trees, int numClasses) implements ClassificationEstimator {
    @Override
    public int predict(double[] features, double[] probabilities) {
      Arrays.fill(probabilities, 0);
      for (CartTree tree : trees) {
        double[] shares = leaf(tree, features);
        for (int c = 0; c < shares.length && c < probabilities.length; c++) {
          probabilities[c] += shares[c];
        }
      }
      int best = 0;
      for (int c = 0; c < probabilities.length; c++) {
        probabilities[c] /= trees.length;
        if (probabilities[c] > probabilities[best]) {
          best = c;
        }
      }
      return best;
    }

    @Override
    public Serializable artifact() {
      return ExtraTrees.artifact(trees);
    }
  }

  /** Averages the trees' leaf means. */
  private record RegressionForest(CartTree[] trees) implements RegressionEstimator {
    @Override
    public double predict(double[] features) {
      double sum = 0;
      for (CartTree tree : trees) {
        sum += leaf(tree, features)[0];
      }
      return sum / trees.length;
    }

    @Override
    public Serializable artifact() {
      return ExtraTrees.artifact(trees);
    }
  }
}
