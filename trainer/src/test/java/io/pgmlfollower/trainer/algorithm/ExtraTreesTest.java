package io.pgmlfollower.trainer.algorithm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.pgmlfollower.trainer.Task;
import io.pgmlfollower.trainer.TrainerException;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ExtraTreesTest {
  private static final ClassificationAlgorithm CLASSIFIER =
      (ClassificationAlgorithm) AlgorithmCatalog.find(Task.CLASSIFICATION, "extra_trees");
  private static final RegressionAlgorithm REGRESSOR =
      (RegressionAlgorithm) AlgorithmCatalog.find(Task.REGRESSION, "extra_trees");

  @Test
  void treesGrownUntilPureFitEveryDistinctTrainingRow() {
    // No bootstrap and leaves of one row, as scikit-learn's defaults: each tree, hence the forest,
    // reproduces its training labels and targets whenever the rows are distinct.
    Random random = new Random(5);
    double[][] x = new double[200][];
    int[] classes = new int[200];
    double[] targets = new double[200];
    for (int i = 0; i < x.length; i++) {
      x[i] = new double[] {random.nextGaussian(), random.nextGaussian(), random.nextGaussian()};
      classes[i] = random.nextInt(3); // pure noise: nothing to generalize, everything to memorize
      targets[i] = random.nextGaussian();
    }
    ClassificationEstimator forest =
        CLASSIFIER.fit(x, classes, 3, HyperParameters.of(CLASSIFIER, Map.of()), 7);
    RegressionEstimator regression =
        REGRESSOR.fit(x, targets, HyperParameters.of(REGRESSOR, Map.of()), 7);
    double[] probabilities = new double[3];
    for (int i = 0; i < x.length; i++) {
      assertThat(forest.predict(x[i], probabilities)).as("row %d", i).isEqualTo(classes[i]);
      assertThat(probabilities[classes[i]]).isEqualTo(1.0);
      assertThat(regression.predict(x[i])).isCloseTo(targets[i], within(1e-12));
    }
  }

  @Test
  void smallValuedTargetsStillSplit() {
    // Purity is judged against the targets' own scale: targets of order 1e-7 are not "pure".
    double[][] x = new double[100][];
    double[] y = new double[100];
    for (int i = 0; i < 100; i++) {
      x[i] = new double[] {i};
      y[i] = i * 1e-9;
    }
    RegressionEstimator forest = REGRESSOR.fit(x, y, HyperParameters.of(REGRESSOR, Map.of()), 3);
    for (int i = 0; i < 100; i += 7) {
      assertThat(forest.predict(x[i])).isCloseTo(y[i], within(1e-15));
    }
  }

  @Test
  void thresholdsAreRandomSoTreesDiffer() {
    // A single feature: every tree splits it, at thresholds drawn at random, so two forests of one
    // tree from different seeds disagree somewhere between the training points.
    double[][] x = new double[50][];
    double[] y = new double[50];
    for (int i = 0; i < 50; i++) {
      x[i] = new double[] {i};
      y[i] = i;
    }
    HyperParameters one = HyperParameters.of(REGRESSOR, Map.of("n_estimators", 1));
    RegressionEstimator a = REGRESSOR.fit(x, y, one, 1);
    RegressionEstimator b = REGRESSOR.fit(x, y, one, 2);
    boolean differ = false;
    for (double probe = 0.25; probe < 49; probe += 0.5) {
      differ |= a.predict(new double[] {probe}) != b.predict(new double[] {probe});
    }
    assertThat(differ).isTrue();
    assertThat(REGRESSOR.fit(x, y, one, 1).predict(new double[] {10.5}))
        .isEqualTo(a.predict(new double[] {10.5}));
  }

  @Test
  void maxFeaturesTakesScikitLearnsForms() {
    assertThat(ExtraTrees.maxFeatures(null, 64, true)).isEqualTo(8);
    assertThat(ExtraTrees.maxFeatures(null, 64, false)).isEqualTo(64);
    assertThat(ExtraTrees.maxFeatures("sqrt", 10, false)).isEqualTo(3);
    assertThat(ExtraTrees.maxFeatures("log2", 64, true)).isEqualTo(6);
    assertThat(ExtraTrees.maxFeatures(5, 64, true)).isEqualTo(5);
    assertThat(ExtraTrees.maxFeatures(1.0, 64, true)).isEqualTo(64);
    assertThat(ExtraTrees.maxFeatures(0.5, 10, true)).isEqualTo(5);
    assertThat(ExtraTrees.maxFeatures("0.5", 10, true)).isEqualTo(5);
    assertThatThrownBy(() -> ExtraTrees.maxFeatures(65, 64, true))
        .isInstanceOf(TrainerException.class)
        .hasMessageContaining(
            "max_features of extra_trees must be sqrt, log2, a count from 1 to 64");
    assertThatThrownBy(() -> ExtraTrees.maxFeatures("all", 64, true))
        .isInstanceOf(TrainerException.class);
  }
}
