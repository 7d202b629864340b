package io.pgmlfollower.trainer.algorithm;

import io.pgmlfollower.trainer.Task;
import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import java.util.List;
import java.util.Locale;

/** The algorithms available per task, by PostgresML name. */
public final class AlgorithmCatalog {
  private static final List<Algorithm> ALGORITHMS =
      List.of(
          new OrdinaryLeastSquares(),
          new Ridge(),
          PenalizedLinearRegression.lasso(),
          PenalizedLinearRegression.elasticNet(),
          new DecisionTreeRegression(),
          new SvmRegression(),
          new KnnRegression(),
          new AdaBoostRegression(),
          new RandomForestRegression(),
          ExtraTrees.regression(),
          new GradientBoostingRegression(BoostingFlavor.GRADIENT_BOOSTING_TREES),
          new XGBoostRegression(),
          new MlpRegression(),
          new LogisticRegressionClassification(),
          new DecisionTreeClassification(),
          new AdaBoostClassification(),
          new KnnClassification(),
          new SvmClassification(),
          GaussianDiscriminant.lda(),
          GaussianDiscriminant.qda(),
          new GaussianNaiveBayes(),
          new RandomForestClassification(),
          ExtraTrees.classification(),
          new GradientBoostingClassification(BoostingFlavor.GRADIENT_BOOSTING_TREES),
          new XGBoostClassification(),
          new MlpClassification(),
          new KMeansClustering(),
          new DbscanClustering(),
          new Pca());

  private AlgorithmCatalog() {}

  /**
   * @throws TrainerException UNKNOWN_ALGORITHM listing the algorithms of the task
   */
  public static Algorithm find(Task task, String name) {
    String normalized = name.strip().toLowerCase(Locale.ROOT);
    if (task == Task.CLASSIFICATION && normalized.equals("logistic")) {
      normalized = "linear"; // PostgresML's name for a logistic regression is linear; both work
    }
    for (Algorithm algorithm : ALGORITHMS) {
      if (algorithm.task() == task && algorithm.name().equals(normalized)) {
        return algorithm;
      }
    }
    throw new TrainerException(
        TrainerErrorCode.UNKNOWN_ALGORITHM,
        "unknown %s algorithm '%s': use one of %s"
            .formatted(task.sqlName(), name, String.join(", ", names(task))));
  }

  public static List<String> names(Task task) {
    return ALGORITHMS.stream()
        .filter(algorithm -> algorithm.task() == task)
        .map(Algorithm::name)
        .toList();
  }
}
