package io.pgmlfollower.trainer.algorithm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.pgmlfollower.trainer.Task;
import io.pgmlfollower.trainer.registry.ArtifactCodec;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every algorithm learns, survives the registry's serialization, and is deterministic. */
class AlgorithmsTest {
  private static final int ROWS = 300;

  static Stream<String> regressionAlgorithms() {
    return AlgorithmCatalog.names(Task.REGRESSION).stream();
  }

  static Stream<String> classificationAlgorithms() {
    return AlgorithmCatalog.names(Task.CLASSIFICATION).stream();
  }

  private static double[][] features(Random random) {
    double[][] x = new double[ROWS][];
    for (int i = 0; i < ROWS; i++) {
      x[i] = new double[] {random.nextGaussian(), random.nextGaussian(), random.nextDouble()};
    }
    return x;
  }

  @ParameterizedTest
  @MethodSource("regressionAlgorithms")
  void regressionLearnsRoundTripsAndRepeats(String name) {
    Random random = new Random(3);
    double[][] x = features(random);
    double[] y = new double[ROWS];
    for (int i = 0; i < ROWS; i++) {
      y[i] = 3 * x[i][0] - 2 * x[i][1] + 0.1 * random.nextGaussian();
    }
    RegressionAlgorithm algorithm =
        (RegressionAlgorithm) AlgorithmCatalog.find(Task.REGRESSION, name);
    // scikit-learn's default penalty (alpha 1) shrinks these coefficients by 1: a lighter one.
    HyperParameters none =
        HyperParameters.of(
            algorithm,
            name.equals("lasso") || name.equals("elastic_net") ? Map.of("alpha", 0.01) : Map.of());

    RegressionEstimator estimator = algorithm.fit(x, y, none, 42);
    RegressionEstimator again = algorithm.fit(x, y, none, 42);
    RegressionEstimator restored =
        algorithm.restore(ArtifactCodec.deserialize(ArtifactCodec.serialize(estimator.artifact())));

    double[] probe = {1.0, -0.5, 0.3};
    assertThat(estimator.predict(probe)).isCloseTo(4.0, within(1.0));
    assertThat(again.predict(probe)).isEqualTo(estimator.predict(probe));
    assertThat(restored.predict(probe)).isEqualTo(estimator.predict(probe));
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {"decision_tree", "random_forest", "gradient_boosting_trees", "xgboost"})
  void maxDepthCountsSplitLevelsAsScikitLearnDoes(String name) {
    // max_depth d: 2^d leaves at most (d levels of splits below the root), reached on a smooth
    // target. Smile counts the root as a level: the trainer translates.
    Random random = new Random(3);
    double[][] x = features(random);
    double[] y = new double[ROWS];
    for (int i = 0; i < ROWS; i++) {
      y[i] = 3 * x[i][0] - 2 * x[i][1];
    }
    RegressionAlgorithm algorithm =
        (RegressionAlgorithm) AlgorithmCatalog.find(Task.REGRESSION, name);
    for (int depth : new int[] {1, 2, 3}) {
      Map<String, Object> given =
          name.equals("decision_tree")
              ? Map.of("max_depth", depth)
              : Map.of("max_depth", depth, "n_estimators", 1);
      RegressionEstimator tree = algorithm.fit(x, y, HyperParameters.of(algorithm, given), 1);
      java.util.Set<Double> leaves = new java.util.HashSet<>();
      for (double[] row : x) {
        leaves.add(tree.predict(row));
      }
      assertThat(leaves).as("%s max_depth %d", name, depth).hasSize(1 << depth);
    }
  }

  @Test
  void knnOnFewerRowsThanItsDefaultNeighboursAveragesThemAll() {
    RegressionAlgorithm knn = (RegressionAlgorithm) AlgorithmCatalog.find(Task.REGRESSION, "knn");
    double[][] x = {{0}, {1}, {2}};
    RegressionEstimator fitted =
        knn.fit(x, new double[] {1, 2, 6}, HyperParameters.of(knn, Map.of()), 1);
    assertThat(fitted.predict(new double[] {0})).isEqualTo(3.0);
    assertThat(fitted.predictsQuickly()).as("a scan of the rows per prediction").isFalse();
  }

  @Test
  void aFullDecisionTreeFitsEveryDistinctTrainingRow() {
    // A 5 × 5 grid (few distinct values per feature: ties everywhere), repeated, with a class that
    // no single split separates: a tree grown until its leaves are pure classifies every row.
    double[][] x = new double[100][];
    int[] y = new int[100];
    for (int i = 0; i < 100; i++) {
      int a = i % 5;
      int b = (i / 5) % 5;
      x[i] = new double[] {a, b};
      y[i] = (a + 2 * b) % 3;
    }
    ClassificationAlgorithm tree =
        (ClassificationAlgorithm) AlgorithmCatalog.find(Task.CLASSIFICATION, "decision_tree");
    ClassificationEstimator fitted = tree.fit(x, y, 3, HyperParameters.of(tree, Map.of()), 1);
    for (int i = 0; i < 100; i++) {
      assertThat(fitted.predict(x[i], new double[3])).as("row %d", i).isEqualTo(y[i]);
    }
    ClassificationEstimator stump =
        tree.fit(x, y, 3, HyperParameters.of(tree, Map.of("max_leaf_nodes", 2)), 1);
    long distinctPredictions =
        java.util.Arrays.stream(x)
            .mapToInt(row -> stump.predict(row, new double[3]))
            .distinct()
            .count();
    assertThat(distinctPredictions).isLessThanOrEqualTo(2);
  }

  @Test
  void aTreeSplitsAnImpureNodeEvenWhenNoSingleSplitHelps() {
    // XOR: neither feature alone lowers the impurity, two levels classify every row.
    double[][] x = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    int[] y = {0, 1, 1, 0};
    ClassificationAlgorithm tree =
        (ClassificationAlgorithm) AlgorithmCatalog.find(Task.CLASSIFICATION, "decision_tree");
    ClassificationEstimator fitted = tree.fit(x, y, 2, HyperParameters.of(tree, Map.of()), 1);
    for (int i = 0; i < 4; i++) {
      assertThat(fitted.predict(x[i], new double[2])).as("row %d", i).isEqualTo(y[i]);
    }
  }

  @Test
  void xgboostModelsTrainedBeforeXGBoost4JStillLoad() {
    // Until this session xgboost ran Smile's boosting: such stored models must keep serving.
    Random random = new Random(2);
    double[][] x = features(random);
    int[] y = new int[ROWS];
    for (int i = 0; i < ROWS; i++) {
      y[i] = x[i][0] > 0 ? 1 : 0;
    }
    ClassificationAlgorithm smile =
        (ClassificationAlgorithm)
            AlgorithmCatalog.find(Task.CLASSIFICATION, "gradient_boosting_trees");
    ClassificationEstimator old = smile.fit(x, y, 2, HyperParameters.of(smile, Map.of()), 3);
    ClassificationAlgorithm xgboost =
        (ClassificationAlgorithm) AlgorithmCatalog.find(Task.CLASSIFICATION, "xgboost");
    ClassificationEstimator loaded =
        xgboost.restore(ArtifactCodec.deserialize(ArtifactCodec.serialize(old.artifact())), 2);
    double[] probe = {1.5, 0, 0.5};
    assertThat(loaded.predict(probe, new double[2])).isEqualTo(old.predict(probe, new double[2]));
  }

  @Test
  void elasticNetSolvesScikitLearnsObjectiveOnFeaturesAsGiven() {
    // Features of very different scales, one of them noise: at the minimum of scikit-learn's
    // objective (1/2n)|y - Xw - b|^2 + a*r*|w|_1 + (a/2)(1 - r)|w|^2 (features not standardized),
    // each coefficient meets its optimality condition: with c_j = x_j . residual / n - a(1 - r)w_j,
    // c_j = a*r*sign(w_j) where w_j != 0 and |c_j| <= a*r where w_j == 0.
    Random random = new Random(21);
    int rows = 2_000;
    double[][] x = new double[rows][];
    double[] y = new double[rows];
    for (int i = 0; i < rows; i++) {
      x[i] =
          new double[] {
            10 * random.nextGaussian(), 0.5 * random.nextGaussian(), random.nextGaussian()
          };
      y[i] = 0.3 * x[i][0] + 4 * x[i][1] + 5 + random.nextGaussian();
    }
    double alpha = 0.5;
    double l1Ratio = 0.7;
    RegressionAlgorithm net =
        (RegressionAlgorithm) AlgorithmCatalog.find(Task.REGRESSION, "elastic_net");
    RegressionEstimator fitted =
        net.fit(
            x,
            y,
            HyperParameters.of(
                net,
                Map.of("alpha", alpha, "l1_ratio", l1Ratio, "tol", 1e-12, "max_iter", 100_000)),
            1);
    double[] coefficients = (double[]) fitted.artifact();
    double[] residual = new double[rows];
    double residualSum = 0;
    for (int i = 0; i < rows; i++) {
      residual[i] = y[i] - fitted.predict(x[i]);
      residualSum += residual[i];
    }
    assertThat(residualSum / rows).isCloseTo(0, within(1e-9)); // the intercept is not penalized
    int nonZero = 0;
    for (int j = 0; j < 3; j++) {
      double w = coefficients[j + 1];
      double c = -alpha * (1 - l1Ratio) * w;
      for (int i = 0; i < rows; i++) {
        c += x[i][j] * residual[i] / rows;
      }
      if (w != 0) {
        nonZero++;
        assertThat(c).isCloseTo(alpha * l1Ratio * Math.signum(w), within(1e-6));
      } else {
        assertThat(Math.abs(c)).isLessThanOrEqualTo(alpha * l1Ratio + 1e-6);
      }
    }
    assertThat(coefficients[3]).isZero(); // the noise feature is cut
    assertThat(nonZero).isEqualTo(2);
  }

  @Test
  void lassoShrinksAsScikitLearnsLassoDoes() {
    // Uncorrelated unit-variance features: scikit-learn's Lasso soft-thresholds each least-squares
    // coefficient by alpha, so alpha 1 turns (3, -2) into (2, -1), and elastic_net with l1_ratio
    // 0.5 into ((3 - 0.5) / 1.5, (-2 + 0.5) / 1.5).
    Random random = new Random(8);
    int rows = 20_000;
    double[][] x = new double[rows][];
    double[] y = new double[rows];
    for (int i = 0; i < rows; i++) {
      x[i] = new double[] {random.nextGaussian(), random.nextGaussian()};
      y[i] = 3 * x[i][0] - 2 * x[i][1];
    }
    RegressionAlgorithm lasso =
        (RegressionAlgorithm) AlgorithmCatalog.find(Task.REGRESSION, "lasso");
    RegressionEstimator fitted = lasso.fit(x, y, HyperParameters.of(lasso, Map.of()), 1);
    assertThat(fitted.predict(new double[] {1, 0})).isCloseTo(2.0, within(0.05));
    assertThat(fitted.predict(new double[] {0, 1})).isCloseTo(-1.0, within(0.05));
    RegressionAlgorithm net =
        (RegressionAlgorithm) AlgorithmCatalog.find(Task.REGRESSION, "elastic_net");
    RegressionEstimator blended = net.fit(x, y, HyperParameters.of(net, Map.of()), 1);
    assertThat(blended.predict(new double[] {1, 0})).isCloseTo(2.5 / 1.5, within(0.05));
    assertThat(blended.predict(new double[] {0, 1})).isCloseTo(-1.5 / 1.5, within(0.05));
  }

  @ParameterizedTest
  @MethodSource("classificationAlgorithms")
  void classificationLearnsRoundTripsAndRepeats(String name) {
    Random random = new Random(4);
    double[][] x = features(random);
    int[] y = new int[ROWS];
    for (int i = 0; i < ROWS; i++) {
      y[i] = x[i][0] + x[i][1] > 0 ? 1 : 0;
    }
    ClassificationAlgorithm algorithm =
        (ClassificationAlgorithm) AlgorithmCatalog.find(Task.CLASSIFICATION, name);
    HyperParameters none = HyperParameters.of(algorithm, Map.of());

    ClassificationEstimator estimator = algorithm.fit(x, y, 2, none, 42);
    ClassificationEstimator again = algorithm.fit(x, y, 2, none, 42);
    ClassificationEstimator restored =
        algorithm.restore(
            ArtifactCodec.deserialize(ArtifactCodec.serialize(estimator.artifact())), 2);

    double[] positive = {2.0, 1.0, 0.5};
    double[] probabilities = new double[2];
    assertThat(estimator.predict(positive, probabilities)).isEqualTo(1);
    assertThat(probabilities[1]).isGreaterThan(0.5);
    assertThat(probabilities[0] + probabilities[1]).isCloseTo(1.0, within(1e-9));
    assertThat(estimator.predict(new double[] {-2.0, -1.0, 0.5}, new double[2])).isEqualTo(0);
    double[] repeated = new double[2];
    again.predict(positive, repeated);
    assertThat(repeated).isEqualTo(probabilities);
    double[] reloaded = new double[2];
    restored.predict(positive, reloaded);
    assertThat(reloaded).isEqualTo(probabilities);
  }

  @ParameterizedTest
  @MethodSource("classificationAlgorithms")
  void classesMissingFromTrainingGetZeroProbability(String name) {
    Random random = new Random(5);
    double[][] x = features(random);
    int[] y = new int[ROWS];
    for (int i = 0; i < ROWS; i++) {
      // Classes 0 and 2 only: class 1 exists in the project but not in these rows.
      y[i] = x[i][0] > 0 ? 2 : 0;
    }
    ClassificationAlgorithm algorithm =
        (ClassificationAlgorithm) AlgorithmCatalog.find(Task.CLASSIFICATION, name);

    ClassificationEstimator estimator =
        algorithm.fit(x, y, 3, HyperParameters.of(algorithm, Map.of()), 42);

    double[] probabilities = new double[3];
    assertThat(estimator.predict(new double[] {2.0, 0, 0.5}, probabilities)).isEqualTo(2);
    if (name.equals("xgboost")) {
      // XGBoost's softmax gives every class of num_class a share, an unseen one a vanishing one.
      assertThat(probabilities[1]).isLessThan(0.01);
    } else {
      assertThat(probabilities[1]).isEqualTo(0.0);
    }
  }
}
