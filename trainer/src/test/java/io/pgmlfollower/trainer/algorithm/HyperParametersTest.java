package io.pgmlfollower.trainer.algorithm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.trainer.Task;
import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HyperParametersTest {
  private final Algorithm forest = AlgorithmCatalog.find(Task.CLASSIFICATION, "random_forest");

  @Test
  void unknownNameListsTheValidOnes() {
    assertThatThrownBy(() -> HyperParameters.of(forest, Map.of("n_trees", 10)))
        .isInstanceOfSatisfying(
            TrainerException.class,
            e -> {
              assertThat(e.code()).isEqualTo(TrainerErrorCode.INVALID_HYPERPARAMETER);
              assertThat(e.sqlState()).isEqualTo("22023");
            })
        .hasMessageContaining("unknown hyperparameter 'n_trees' for classification random_forest")
        .hasMessageContaining("criterion, max_depth, max_features");
  }

  @Test
  void integralNumbersAndNumericStringsAreIntegers() {
    HyperParameters parameters =
        HyperParameters.of(forest, Map.of("n_estimators", 50.0, "max_depth", "7"));

    assertThat(parameters.intValue("n_estimators", 100, 1, 1000)).isEqualTo(50);
    assertThat(parameters.intValue("max_depth", 20, 2, 64)).isEqualTo(7);
    assertThat(parameters.intValue("min_samples_leaf", 5, 1, 100)).isEqualTo(5);
  }

  @Test
  void nullSelectsTheDefault() {
    Map<String, Object> given = new HashMap<>();
    given.put("n_estimators", null);

    assertThat(HyperParameters.of(forest, given).intValue("n_estimators", 100, 1, 1000))
        .isEqualTo(100);
  }

  @Test
  void outOfRangeAndWrongTypesAreRejectedWithTheExpectation() {
    HyperParameters parameters =
        HyperParameters.of(forest, Map.of("n_estimators", 2.5, "criterion", "gain"));

    assertThatThrownBy(() -> parameters.intValue("n_estimators", 100, 1, 1000))
        .hasMessage(
            "hyperparameter n_estimators of random_forest must be an integer from 1 to 1000, got"
                + " 2.5");
    assertThatThrownBy(
            () -> parameters.choice("criterion", "gini", java.util.Set.of("gini", "entropy")))
        .hasMessageContaining("must be one of entropy, gini, got gain");
  }

  @Test
  void unknownAlgorithmListsTheTasksAlgorithms() {
    assertThatThrownBy(() -> AlgorithmCatalog.find(Task.REGRESSION, "catboost"))
        .isInstanceOfSatisfying(
            TrainerException.class,
            e -> assertThat(e.code()).isEqualTo(TrainerErrorCode.UNKNOWN_ALGORITHM))
        .hasMessage(
            "unknown regression algorithm 'catboost': use one of linear, ridge, lasso, elastic_net,"
                + " decision_tree, svm, knn, ada_boost, random_forest, extra_trees,"
                + " gradient_boosting_trees, xgboost, mlp");
  }

  @Test
  void integerListsTakeAnArrayASingleIntegerOrATupleString() {
    Algorithm mlp = AlgorithmCatalog.find(Task.REGRESSION, "mlp");
    int[] fallback = {100};

    assertThat(
            HyperParameters.of(mlp, Map.of("hidden_layer_sizes", java.util.List.of(50, 20.0)))
                .intList("hidden_layer_sizes", fallback, 1, 1000))
        .containsExactly(50, 20);
    assertThat(
            HyperParameters.of(mlp, Map.of("hidden_layer_sizes", 30))
                .intList("hidden_layer_sizes", fallback, 1, 1000))
        .containsExactly(30);
    assertThat(
            HyperParameters.of(mlp, Map.of("hidden_layer_sizes", "(10, 5)"))
                .intList("hidden_layer_sizes", fallback, 1, 1000))
        .containsExactly(10, 5);
    assertThat(HyperParameters.of(mlp, Map.of()).intList("hidden_layer_sizes", fallback, 1, 1000))
        .containsExactly(100)
        .isNotSameAs(fallback);
    assertThatThrownBy(
            () ->
                HyperParameters.of(mlp, Map.of("hidden_layer_sizes", java.util.List.of(50, 2.5)))
                    .intList("hidden_layer_sizes", fallback, 1, 1000))
        .hasMessage(
            "hyperparameter hidden_layer_sizes of mlp must be a list of integers from 1 to 1000,"
                + " got [50, 2.5]");
  }

  @Test
  void aKeywordCanStandForANumber() {
    Algorithm mlp = AlgorithmCatalog.find(Task.REGRESSION, "mlp");
    assertThat(HyperParameters.of(mlp, Map.of("batch_size", "Auto")).isText("batch_size", "auto"))
        .isTrue();
    assertThat(HyperParameters.of(mlp, Map.of("batch_size", 32)).isText("batch_size", "auto"))
        .isFalse();
    assertThat(HyperParameters.of(mlp, Map.of()).isText("batch_size", "auto")).isFalse();
  }
}
