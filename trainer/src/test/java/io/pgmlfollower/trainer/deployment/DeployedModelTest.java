package io.pgmlfollower.trainer.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.pgmlfollower.trainer.Task;
import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import io.pgmlfollower.trainer.algorithm.AlgorithmCatalog;
import io.pgmlfollower.trainer.algorithm.ClassificationAlgorithm;
import io.pgmlfollower.trainer.algorithm.ClassificationEstimator;
import io.pgmlfollower.trainer.algorithm.HyperParameters;
import io.pgmlfollower.trainer.algorithm.RegressionAlgorithm;
import io.pgmlfollower.trainer.data.LabelMapping;
import io.pgmlfollower.trainer.data.Standardizer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeployedModelTest {
  private static final List<Pipeline.Column> FEATURES =
      List.of(
          new Pipeline.Column("a", "integer"),
          new Pipeline.Column("b", "real"),
          new Pipeline.Column("c", "boolean"));

  private static DeployedModel linearModel() {
    RegressionAlgorithm linear =
        (RegressionAlgorithm) AlgorithmCatalog.find(Task.REGRESSION, "linear");
    Pipeline pipeline =
        new Pipeline(
            Pipeline.FORMAT_VERSION,
            "regression",
            "linear",
            "public.t",
            new Pipeline.Column("y", "double precision"),
            FEATURES,
            null,
            null,
            Pipeline.ARTIFACT_PATH);
    return new DeployedModel(
        "p", 1, 7, Pipeline.fromJson(pipeline.toJson()), linear.restore(new double[] {1, 2, 3, 4}));
  }

  @Test
  void regressionPredictsWithTheStoredCoefficients() {
    assertThat(linearModel().predict(new double[] {1, 2, 3})).isEqualTo(1 + 2 + 6 + 12.0);
  }

  @Test
  void wrongFeatureCountSaysWhichFeaturesAreExpected() {
    assertThatThrownBy(() -> linearModel().predict(new double[] {1, 2}))
        .isInstanceOfSatisfying(
            TrainerException.class,
            e -> {
              assertThat(e.code()).isEqualTo(TrainerErrorCode.WRONG_FEATURE_COUNT);
              assertThat(e.sqlState()).isEqualTo("22023");
            })
        .hasMessage(
            "project 'p' expects 3 features (the non-target columns of public.t in table order:"
                + " a, b, c), got 2");
  }

  @Test
  void aMissingFeatureIsRefusedByNameWhereNothingImputesIt() {
    assertThatThrownBy(() -> linearModel().predict(new double[] {1, Double.NaN, 3}))
        .isInstanceOfSatisfying(
            TrainerException.class,
            e -> {
              assertThat(e.code()).isEqualTo(TrainerErrorCode.NULL_VALUE);
              assertThat(e.sqlState()).isEqualTo("22004");
            })
        .hasMessageContaining("feature 2 (b) is NULL")
        .hasMessageContaining("\"impute\"");
    assertThatThrownBy(() -> linearModel().predict(new double[] {1, Double.POSITIVE_INFINITY, 3}))
        .hasMessageContaining("predictions need finite values");
  }

  @Test
  void probabilitiesNeedAClassifier() {
    assertThatThrownBy(() -> linearModel().predictProba(new double[] {1, 2, 3}))
        .isInstanceOfSatisfying(
            TrainerException.class,
            e -> assertThat(e.code()).isEqualTo(TrainerErrorCode.INVALID_ARGUMENT));
  }

  @Test
  void textLabelsPredictTheClassIndexAfterScaling() {
    ClassificationAlgorithm logistic =
        (ClassificationAlgorithm) AlgorithmCatalog.find(Task.CLASSIFICATION, "linear");
    double[][] x = new double[40][];
    int[] y = new int[40];
    for (int i = 0; i < 40; i++) {
      x[i] = new double[] {1000 + i, i % 2, 0};
      y[i] = i < 20 ? 0 : 1;
    }
    Standardizer scale = Standardizer.fit(x);
    ClassificationEstimator estimator =
        logistic.fit(scale.apply(x), y, 2, HyperParameters.of(logistic, Map.of()), 42);
    Pipeline pipeline =
        new Pipeline(
            Pipeline.FORMAT_VERSION,
            "classification",
            "linear",
            "public.t",
            new Pipeline.Column("kind", "text"),
            FEATURES,
            Pipeline.Labels.of(LabelMapping.ofText(new String[] {"cat", "dog"})),
            scale,
            Pipeline.ARTIFACT_PATH);
    DeployedModel model =
        new DeployedModel("p", 1, 7, Pipeline.fromJson(pipeline.toJson()), estimator);

    assertThat(model.predict(new double[] {1039, 1, 0})).isEqualTo(1.0); // "dog"
    assertThat(model.predict(new double[] {1000, 0, 0})).isEqualTo(0.0); // "cat"
    double[] probabilities = model.predictProba(new double[] {1039, 1, 0});
    assertThat(probabilities[1]).isGreaterThan(0.5);
    assertThat(probabilities[0] + probabilities[1]).isCloseTo(1, within(1e-9));
  }

  @Test
  void cacheKeepsTheLatestDeployment() {
    ModelCache cache = new ModelCache();
    DeployedModel older = linearModel();
    RegressionAlgorithm linear =
        (RegressionAlgorithm) AlgorithmCatalog.find(Task.REGRESSION, "linear");
    DeployedModel newer =
        new DeployedModel("p", 2, 8, older.pipeline(), linear.restore(new double[] {0, 0, 0, 0}));

    cache.offer(newer);
    cache.offer(older);

    assertThat(cache.get("p")).containsSame(newer);
  }
}
