package io.pgmlfollower.trainer.algorithm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.pgmlfollower.trainer.Task;
import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import java.util.Map;
import java.util.Random;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;
import org.junit.jupiter.api.Test;

/**
 * {@code xgboost} trains with XGBoost4J's native library, and the Java evaluation of the stored
 * JSON model ({@link XGBoostTrees}) predicts what XGBoost itself predicts from the same model, for
 * regression, binary and multi-class classification, missing values included.
 */
class XGBoostTest {
  private static final int ROWS = 2000;
  private static final int FEATURES = 5;

  /** Features in [0, 1), about 5 % of them missing (NaN). */
  private static double[][] features(long seed) {
    Random random = new Random(seed);
    double[][] x = new double[ROWS][FEATURES];
    for (double[] row : x) {
      for (int j = 0; j < FEATURES; j++) {
        row[j] = random.nextDouble() < 0.05 ? Double.NaN : random.nextDouble();
      }
    }
    return x;
  }

  private static double value(double v) {
    return Double.isNaN(v) ? 0.5 : v;
  }

  /** XGBoost's own predictions (native, from the same JSON model), one row per input row. */
  private static float[][] nativePredictions(byte[] model, double[][] x)
      throws XGBoostError, java.io.IOException {
    Booster booster = XGBoost.loadModel(model);
    float[] data = new float[x.length * FEATURES];
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < FEATURES; j++) {
        data[i * FEATURES + j] = (float) x[i][j];
      }
    }
    DMatrix matrix = new DMatrix(data, x.length, FEATURES, Float.NaN);
    try {
      return booster.predict(matrix);
    } finally {
      matrix.dispose();
      booster.dispose();
    }
  }

  @Test
  void regressionPredictsWhatXGBoostPredicts() throws Exception {
    double[][] x = features(1);
    double[] y = new double[ROWS];
    for (int i = 0; i < ROWS; i++) {
      y[i] = 3 * value(x[i][0]) - 2 * value(x[i][1]) * value(x[i][2]) + 10;
    }
    Algorithm algorithm = AlgorithmCatalog.find(Task.REGRESSION, "xgboost");
    RegressionEstimator estimator =
        ((RegressionAlgorithm) algorithm)
            .fit(x, y, HyperParameters.of(algorithm, Map.of("n_estimators", 60)), 42);
    byte[] model = (byte[]) estimator.artifact();
    float[][] expected = nativePredictions(model, x);
    double squaredError = 0;
    for (int i = 0; i < ROWS; i++) {
      assertThat(estimator.predict(x[i])).isCloseTo(expected[i][0], within(1e-4));
      squaredError += Math.pow(estimator.predict(x[i]) - y[i], 2);
    }
    assertThat(squaredError / ROWS).as("it learned: training MSE").isLessThan(0.01);
    RegressionEstimator restored = ((RegressionAlgorithm) algorithm).restore(model);
    assertThat(restored.predict(x[7])).isEqualTo(estimator.predict(x[7]));
  }

  @Test
  void binaryAndMultiClassProbabilitiesAreXGBoosts() throws Exception {
    double[][] x = features(2);
    for (int classes : new int[] {2, 3}) {
      int[] y = new int[ROWS];
      for (int i = 0; i < ROWS; i++) {
        double score = value(x[i][0]) + value(x[i][3]);
        y[i] = classes == 2 ? (score > 1 ? 1 : 0) : (int) Math.min(2, score * 1.5);
      }
      Algorithm algorithm = AlgorithmCatalog.find(Task.CLASSIFICATION, "xgboost");
      ClassificationEstimator estimator =
          ((ClassificationAlgorithm) algorithm)
              .fit(x, y, classes, HyperParameters.of(algorithm, Map.of("max_depth", 4)), 7);
      float[][] expected = nativePredictions((byte[]) estimator.artifact(), x);
      int correct = 0;
      double[] probabilities = new double[classes];
      for (int i = 0; i < ROWS; i++) {
        int predicted = estimator.predict(x[i], probabilities);
        if (classes == 2) {
          // binary:logistic: XGBoost gives P(class 1).
          assertThat(probabilities[1]).isCloseTo(expected[i][0], within(1e-5));
        } else {
          for (int c = 0; c < classes; c++) {
            assertThat(probabilities[c]).isCloseTo(expected[i][c], within(1e-5));
          }
        }
        correct += predicted == y[i] ? 1 : 0;
      }
      assertThat(correct).as("%d classes: training accuracy", classes).isGreaterThan(ROWS * 9 / 10);
    }
  }

  @Test
  void theSameDataAndSeedGiveTheSameModel() {
    double[][] x = features(3);
    double[] y = new double[ROWS];
    for (int i = 0; i < ROWS; i++) {
      y[i] = value(x[i][4]) * 7;
    }
    RegressionAlgorithm algorithm =
        (RegressionAlgorithm) AlgorithmCatalog.find(Task.REGRESSION, "xgboost");
    HyperParameters sampled =
        HyperParameters.of(algorithm, Map.of("subsample", 0.7, "colsample_bytree", 0.8));
    byte[] first = (byte[]) algorithm.fit(x, y, sampled, 11).artifact();
    byte[] second = (byte[]) algorithm.fit(x, y, sampled, 11).artifact();
    byte[] otherSeed = (byte[]) algorithm.fit(x, y, sampled, 12).artifact();
    assertThat(second).isEqualTo(first);
    assertThat(otherSeed).isNotEqualTo(first);
  }

  @Test
  void badHyperparametersAreRefusedNamingTheValidOnes() {
    Algorithm algorithm = AlgorithmCatalog.find(Task.CLASSIFICATION, "xgboost");
    assertThatThrownBy(() -> HyperParameters.of(algorithm, Map.of("n_trees", 5)))
        .isInstanceOfSatisfying(
            TrainerException.class,
            e -> assertThat(e.code()).isEqualTo(TrainerErrorCode.INVALID_HYPERPARAMETER))
        .hasMessageContaining("n_trees")
        .hasMessageContaining("n_estimators")
        .hasMessageContaining("colsample_bytree");
    HyperParameters tooDeep = HyperParameters.of(algorithm, Map.of("max_depth", 100));
    assertThatThrownBy(
            () ->
                ((ClassificationAlgorithm) algorithm)
                    .fit(features(4), new int[ROWS], 2, tooDeep, 1))
        .hasMessageContaining("max_depth")
        .hasMessageContaining("from 0 to 64");
    Algorithm regression = AlgorithmCatalog.find(Task.REGRESSION, "xgboost");
    HyperParameters wrongObjective =
        HyperParameters.of(regression, Map.of("objective", "binary:logistic"));
    assertThatThrownBy(
            () ->
                ((RegressionAlgorithm) regression)
                    .fit(features(4), new double[ROWS], wrongObjective, 1))
        .hasMessageContaining("reg:squarederror");
  }
}
