package io.pgmlfollower.trainer.algorithm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.pgmlfollower.trainer.Task;
import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import io.pgmlfollower.trainer.registry.ArtifactCodec;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MlpTest {
  private final ClassificationAlgorithm classification =
      (ClassificationAlgorithm) AlgorithmCatalog.find(Task.CLASSIFICATION, "mlp");
  private final RegressionAlgorithm regression =
      (RegressionAlgorithm) AlgorithmCatalog.find(Task.REGRESSION, "mlp");

  @Test
  void theForwardPassIsTheLayersProductsPlusBiasesThroughTheActivations() {
    // 2 inputs, 2 relu hidden units, 1 identity output. Hidden weights row-major (input × unit):
    // unit 0 = x0 + 2 x1, unit 1 = -x0 + 0.5 x1 + 0.5; output = 0.5 h0 - 2 h1 + 1.
    MlpNetwork network =
        new MlpNetwork(
            new int[] {2, 2, 1},
            new double[][] {{1, -1, 2, 0.5}, {0.5, -2}},
            new double[][] {{0, 0.5}, {1}},
            MlpActivation.RELU,
            MlpActivation.IDENTITY);
    // (1, 2): hidden (5, 0.5), output 2.5 - 1 + 1.
    assertThat(network.forward(new double[] {1, 2})).containsExactly(2.5);
    // (-1, 0): hidden (-1, 1.5), relu (0, 1.5), output 0 - 3 + 1.
    assertThat(network.forward(new double[] {-1, 0})).containsExactly(-2.0);

    // tanh hidden units, a softmax over two outputs: hidden tanh(0) = 0 and tanh(atanh(0.5)),
    // outputs 0 and ln 3 + 0.5 - 0.5 before the softmax, i.e. probabilities 1/4 and 3/4.
    MlpNetwork softmax =
        new MlpNetwork(
            new int[] {1, 2, 2},
            new double[][] {{0, 1}, {0, 0, 0, 2}},
            new double[][] {{0, 0}, {0, Math.log(3) - 1}},
            MlpActivation.TANH,
            MlpActivation.SOFTMAX);
    double[] output = softmax.forward(new double[] {atanh(0.5)});
    assertThat(output[0]).isCloseTo(0.25, within(1e-12));
    assertThat(output[1]).isCloseTo(0.75, within(1e-12));

    // A logistic output unit: sigmoid(0) = 1/2 from logistic hidden units (sigmoid(0) = 1/2 each).
    MlpNetwork logistic =
        new MlpNetwork(
            new int[] {1, 2, 1},
            new double[][] {{0, 0}, {1, -1}},
            new double[][] {{0, 0}, {0}},
            MlpActivation.LOGISTIC,
            MlpActivation.LOGISTIC);
    assertThat(logistic.forward(new double[] {7})).containsExactly(0.5);
  }

  private static double atanh(double value) {
    return 0.5 * Math.log((1 + value) / (1 - value));
  }

  @Test
  void fromTheSameInitialWeightsTrainingGivesScikitLearnsModel() {
    // Expected values: scikit-learn 1.2.1 with these initial coefs_/intercepts_ (set on a
    // warm_start model), shuffle=False, 20 epochs of batches of 4 then 2 rows.
    double[][] x = {{0.5, -1.0}, {1.5, 0.2}, {-0.3, 0.8}, {0.0, 0.0}, {2.0, -0.5}, {-1.0, -1.2}};
    double[][] probes = {{1.0, 1.0}, {-0.5, 0.5}};
    double[] hiddenWeights = {0.3, -0.2, 0.5, 0.1, 0.4, -0.6};
    double[] hiddenBiases = {0.05, -0.1, 0.2};

    double[] y = {1.0, 2.5, -0.5, 0.3, 3.0, -1.5};
    double[][] targets = Arrays.stream(y).mapToObj(v -> new double[] {v}).toArray(double[][]::new);
    MlpNetwork regression =
        MlpTrainer.train(
            x,
            targets,
            new MlpNetwork(
                new int[] {2, 3, 1},
                new double[][] {hiddenWeights.clone(), {0.7, -0.3, 0.5}},
                new double[][] {hiddenBiases.clone(), {0.1}},
                MlpActivation.RELU,
                MlpActivation.IDENTITY),
            MlpParameters.of(
                HyperParameters.of(
                    this.regression,
                    Map.of(
                        "shuffle",
                        false,
                        "max_iter",
                        20,
                        "learning_rate_init",
                        0.1,
                        "alpha",
                        0.01,
                        "batch_size",
                        4))),
            new SplittableRandom(1));
    assertThat(regression.forward(probes[0])[0]).isCloseTo(1.5776722577684001, within(1e-12));
    assertThat(regression.forward(probes[1])[0]).isCloseTo(-0.699445230903388, within(1e-12));

    int[] classes = {0, 1, 2, 0, 1, 2};
    double[][] oneHot = new double[6][3];
    for (int i = 0; i < 6; i++) {
      oneHot[i][classes[i]] = 1;
    }
    MlpNetwork softmax =
        MlpTrainer.train(
            x,
            oneHot,
            new MlpNetwork(
                new int[] {2, 3, 3},
                new double[][] {
                  hiddenWeights.clone(), {0.7, -0.4, 0.2, -0.3, 0.6, 0.1, 0.5, 0.25, -0.45}
                },
                new double[][] {hiddenBiases.clone(), {0.1, -0.2, 0.05}},
                MlpActivation.TANH,
                MlpActivation.SOFTMAX),
            MlpParameters.of(
                HyperParameters.of(
                    classification,
                    Map.of(
                        "shuffle",
                        false,
                        "max_iter",
                        20,
                        "solver",
                        "sgd",
                        "activation",
                        "tanh",
                        "learning_rate_init",
                        0.2,
                        "alpha",
                        0.01,
                        "batch_size",
                        4))),
            new SplittableRandom(1));
    assertThat(softmax.forward(probes[0]))
        .containsExactly(
            new double[] {0.032519423601435934, 0.9674691462055718, 1.1430192992213977e-05},
            within(1e-12));
    assertThat(softmax.forward(probes[1]))
        .containsExactly(
            new double[] {0.03151389491590456, 3.0504288894771483e-05, 0.9684556007952007},
            within(1e-12));
  }

  /** Points in [-1, 1]²; class 1 where both coordinates have the same sign. */
  private static double[][] square(Random random, int rows) {
    double[][] x = new double[rows][];
    for (int i = 0; i < rows; i++) {
      x[i] = new double[] {2 * random.nextDouble() - 1, 2 * random.nextDouble() - 1};
    }
    return x;
  }

  private static int xor(double[] row) {
    return row[0] * row[1] > 0 ? 1 : 0;
  }

  @Test
  void learnsXor() {
    Random random = new Random(11);
    double[][] x = square(random, 1000);
    int[] y = Arrays.stream(x).mapToInt(MlpTest::xor).toArray();
    // No linear model separates XOR; default settings except a larger step, as 200 epochs of 5
    // batches at 1e-3 leave the network short of the corners' boundary.
    ClassificationEstimator fitted =
        classification.fit(
            x, y, 2, HyperParameters.of(classification, Map.of("learning_rate_init", 0.01)), 1);
    double[][] test = square(random, 1000);
    int correct = 0;
    double[] probabilities = new double[2];
    for (double[] row : test) {
      if (fitted.predict(row, probabilities) == xor(row)) {
        correct++;
      }
      assertThat(probabilities[0] + probabilities[1]).isCloseTo(1.0, within(1e-12));
    }
    assertThat(correct / 1000.0).isGreaterThan(0.95);
  }

  private static double smooth(double[] row) {
    return Math.sin(2 * row[0]) + row[1] * row[1];
  }

  @Test
  void learnsASmoothNonLinearFunction() {
    Random random = new Random(12);
    double[][] x = square(random, 1000);
    double[] y = Arrays.stream(x).mapToDouble(MlpTest::smooth).toArray();
    RegressionEstimator fitted =
        regression.fit(x, y, HyperParameters.of(regression, Map.of("learning_rate_init", 0.01)), 1);
    double[][] test = square(random, 1000);
    double mean = Arrays.stream(test).mapToDouble(MlpTest::smooth).average().orElseThrow();
    double residual = 0;
    double total = 0;
    for (double[] row : test) {
      residual += Math.pow(smooth(row) - fitted.predict(row), 2);
      total += Math.pow(smooth(row) - mean, 2);
    }
    assertThat(1 - residual / total).as("r2").isGreaterThan(0.98);
  }

  @Test
  void theSameSeedGivesTheSameModelAndAnotherSeedAnother() {
    Random random = new Random(13);
    double[][] x = square(random, 300);
    double[] y = Arrays.stream(x).mapToDouble(MlpTest::smooth).toArray();
    HyperParameters defaults = HyperParameters.of(regression, Map.of());
    RegressionEstimator first = regression.fit(x, y, defaults, 7);
    RegressionEstimator second = regression.fit(x, y, defaults, 7);
    RegressionEstimator other = regression.fit(x, y, defaults, 8);
    for (double[] row : square(random, 20)) {
      assertThat(second.predict(row)).isEqualTo(first.predict(row));
    }
    assertThat(weights(second)).isDeepEqualTo(weights(first));
    assertThat(Arrays.deepEquals(weights(other), weights(first))).isFalse();
  }

  @Test
  void aModelSurvivesTheArtifactCodec() {
    Random random = new Random(14);
    double[][] x = square(random, 300);
    int[] y = new int[x.length];
    for (int i = 0; i < x.length; i++) {
      // Three classes of four: class 1 is absent from the training rows.
      y[i] = x[i][0] < -0.3 ? 0 : x[i][0] < 0.3 ? 2 : 3;
    }
    ClassificationEstimator fitted =
        classification.fit(x, y, 4, HyperParameters.of(classification, Map.of()), 3);
    ClassificationEstimator restored =
        classification.restore(
            ArtifactCodec.deserialize(ArtifactCodec.serialize(fitted.artifact())), 4);
    for (double[] row : square(random, 50)) {
      double[] expected = new double[4];
      double[] actual = new double[4];
      int predicted = fitted.predict(row, expected);
      assertThat(restored.predict(row, actual)).isEqualTo(predicted).isNotEqualTo(1);
      assertThat(actual).isEqualTo(expected);
      assertThat(expected[1]).isEqualTo(0.0);
      assertThat(expected[0] + expected[2] + expected[3]).isCloseTo(1.0, within(1e-12));
    }

    double[] targets = Arrays.stream(x).mapToDouble(MlpTest::smooth).toArray();
    RegressionEstimator fittedRegression =
        regression.fit(x, targets, HyperParameters.of(regression, Map.of()), 3);
    RegressionEstimator restoredRegression =
        regression.restore(
            ArtifactCodec.deserialize(ArtifactCodec.serialize(fittedRegression.artifact())));
    for (double[] row : square(random, 50)) {
      assertThat(restoredRegression.predict(row)).isEqualTo(fittedRegression.predict(row));
    }
  }

  @Test
  void unknownActivationsAndSolversAreRefused() {
    double[][] x = {{0}, {1}, {2}, {3}};
    double[] y = {0, 1, 2, 3};
    assertThatThrownBy(
            () ->
                regression.fit(
                    x, y, HyperParameters.of(regression, Map.of("activation", "elu")), 1))
        .isInstanceOfSatisfying(
            TrainerException.class,
            e -> assertThat(e.code()).isEqualTo(TrainerErrorCode.INVALID_HYPERPARAMETER))
        .hasMessageContaining("must be one of identity, logistic, relu, tanh, got elu");
    assertThatThrownBy(
            () ->
                regression.fit(x, y, HyperParameters.of(regression, Map.of("solver", "lbfgs")), 1))
        .isInstanceOfSatisfying(
            TrainerException.class,
            e -> assertThat(e.code()).isEqualTo(TrainerErrorCode.INVALID_HYPERPARAMETER))
        .hasMessageContaining("lbfgs")
        .hasMessageContaining("adam")
        .hasMessageContaining("sgd");
    assertThatThrownBy(
            () ->
                regression.fit(
                    x, y, HyperParameters.of(regression, Map.of("solver", "rmsprop")), 1))
        .isInstanceOf(TrainerException.class)
        .hasMessageContaining("got rmsprop");
    assertThatThrownBy(() -> HyperParameters.of(regression, Map.of("early_stopping", true)))
        .isInstanceOf(TrainerException.class)
        .hasMessageContaining("unknown hyperparameter 'early_stopping'");
  }

  @Test
  void hiddenLayerSizesGivesOneHiddenLayerPerEntry() {
    Random random = new Random(15);
    double[][] x = new double[100][];
    double[] y = new double[100];
    for (int i = 0; i < 100; i++) {
      x[i] = new double[] {random.nextGaussian(), random.nextGaussian(), random.nextGaussian()};
      y[i] = x[i][0];
    }
    assertThat(layerSizes(regression.fit(x, y, HyperParameters.of(regression, Map.of()), 1)))
        .containsExactly(3, 100, 1);
    assertThat(layerSizes(fit(x, y, List.of(50, 20)))).containsExactly(3, 50, 20, 1);
    assertThat(layerSizes(fit(x, y, 7))).containsExactly(3, 7, 1);
    assertThat(layerSizes(fit(x, y, "(5, 4)"))).containsExactly(3, 5, 4, 1);
    // An empty list is a linear model, as in scikit-learn.
    assertThat(layerSizes(fit(x, y, List.of()))).containsExactly(3, 1);
    assertThatThrownBy(() -> fit(x, y, List.of(50, 0)))
        .isInstanceOf(TrainerException.class)
        .hasMessageContaining("must be a list of integers from 1 to");
  }

  @Test
  void sgdWithItsSchedulesAndTheOtherActivationsLearnToo() {
    Random random = new Random(16);
    double[][] x = square(random, 500);
    double[] y = Arrays.stream(x).mapToDouble(row -> row[0] - 0.5 * row[1]).toArray();
    for (Map<String, Object> given :
        List.<Map<String, Object>>of(
            Map.of("solver", "sgd", "learning_rate_init", 0.01),
            Map.of("solver", "sgd", "learning_rate", "adaptive", "learning_rate_init", 0.01),
            Map.of("solver", "sgd", "nesterovs_momentum", false, "learning_rate_init", 0.01),
            Map.of("activation", "tanh", "learning_rate_init", 0.01),
            Map.of("activation", "logistic", "learning_rate_init", 0.01),
            Map.of("activation", "identity", "batch_size", "auto"),
            Map.of("batch_size", 32, "shuffle", false))) {
      RegressionEstimator fitted = regression.fit(x, y, HyperParameters.of(regression, given), 2);
      assertThat(fitted.predict(new double[] {0.5, 0.5}))
          .as("%s", given)
          .isCloseTo(0.25, within(0.1));
    }
  }

  @Test
  void divergingWeightsAreReportedAsScikitLearnDoes() {
    double[][] x = {{1e200}, {-1e200}, {3e200}, {2e200}};
    double[] y = {1, 2, 3, 4};
    assertThatThrownBy(() -> regression.fit(x, y, HyperParameters.of(regression, Map.of()), 1))
        .isInstanceOfSatisfying(
            TrainerException.class,
            e -> assertThat(e.code()).isEqualTo(TrainerErrorCode.TRAINING_FAILED))
        .hasMessageContaining("non-finite weights");
  }

  private RegressionEstimator fit(double[][] x, double[] y, Object hiddenLayerSizes) {
    return regression.fit(
        x, y, HyperParameters.of(regression, Map.of("hidden_layer_sizes", hiddenLayerSizes)), 1);
  }

  private static int[] layerSizes(Estimator estimator) {
    return (int[]) ((Object[]) estimator.artifact())[0];
  }

  private static double[][] weights(Estimator estimator) {
    return (double[][]) ((Object[]) estimator.artifact())[1];
  }
}
