package io.pgmlfollower.trainer;

import io.pgmlfollower.trainer.data.LabelMapping;
import io.pgmlfollower.trainer.data.TargetValues;
import io.pgmlfollower.trainer.deployment.DeployedModel;
import io.pgmlfollower.trainer.deployment.Pipeline;
import io.pgmlfollower.trainer.metrics.ClassificationMetrics;
import io.pgmlfollower.trainer.metrics.ClusteringMetrics;
import io.pgmlfollower.trainer.metrics.RegressionMetrics;
import io.pgmlfollower.trainer.preprocess.FittedPreprocess;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The deployed model's key metric on a challenger's holdout. PostgresML compares the challenger's
 * score on its new snapshot with the champion's score on the champion's own, older snapshot: when
 * the data got harder, a better challenger loses to a stale number (and when it got easier, a worse
 * one wins). Scoring the champion on the same rows compares like with like. Not possible, and
 * empty, when the two models do not take the same feature columns, or the champion does not know a
 * class the holdout has.
 */
final class ChampionScore {
  private ChampionScore() {}

  static OptionalDouble on(Holdout holdout, DeployedModel champion, Pipeline challenger) {
    if (!sameColumns(champion.pipeline().features(), challenger.features())) {
      return OptionalDouble.empty();
    }
    holdout = new Holdout(recode(holdout.x(), challenger, champion.pipeline()), holdout.y());
    Task task = champion.task();
    if (task == Task.CLUSTERING) {
      // The champion's clusters of the challenger's holdout rows (the same rows, the same sample).
      return finite(
          ClusteringMetrics.compute(champion::cluster, holdout.x()).get(task.keyMetric()));
    }
    if (task == Task.DECOMPOSITION) {
      return finite(champion.explainedVariance(holdout.x()));
    }
    if (task == Task.REGRESSION) {
      if (!(holdout.y() instanceof TargetValues.Numeric numeric)) {
        return OptionalDouble.empty();
      }
      double[] predicted = new double[holdout.x().length];
      for (int i = 0; i < predicted.length; i++) {
        predicted[i] = champion.predict(holdout.x()[i]);
      }
      return finite(RegressionMetrics.compute(numeric.values(), predicted).get(task.keyMetric()));
    }
    Pipeline.Labels labels = champion.pipeline().labels();
    if (labels == null) {
      return OptionalDouble.empty();
    }
    LabelMapping mapping = labels.toMapping();
    int[] truth;
    try {
      truth = mapping.encode(holdout.y());
    } catch (IllegalArgumentException e) {
      return OptionalDouble.empty(); // a class the champion never saw
    }
    int[] predicted = new int[truth.length];
    double[][] probabilities = new double[truth.length][];
    for (int i = 0; i < truth.length; i++) {
      // The class pgml.predict would answer, as the challenger's metrics count it.
      probabilities[i] = new double[mapping.numClasses()];
      predicted[i] = champion.predictClass(holdout.x()[i], probabilities[i]);
    }
    if (mapping.numClasses() < 2) {
      return OptionalDouble.empty();
    }
    return finite(
        ClassificationMetrics.compute(truth, predicted, probabilities, mapping.numClasses())
            .get(task.keyMetric()));
  }

  /**
   * The holdout's text features coded as the champion codes them: each model numbers the categories
   * of its own snapshot, and a category the champion never saw is unknown to it.
   */
  static double[][] recode(double[][] x, Pipeline challenger, Pipeline champion) {
    Map<String, List<String>> ours =
        challenger.preprocess() == null ? Map.of() : challenger.preprocess().categories();
    Map<String, List<String>> theirs =
        champion.preprocess() == null ? Map.of() : champion.preprocess().categories();
    if (ours.equals(theirs)) {
      return x;
    }
    double[][] recoded = new double[x.length][];
    for (int i = 0; i < x.length; i++) {
      recoded[i] = x[i].clone();
    }
    List<Pipeline.Column> features = challenger.features();
    for (int j = 0; j < features.size(); j++) {
      List<String> from = ours.get(features.get(j).name());
      List<String> to = theirs.getOrDefault(features.get(j).name(), List.of());
      if (from == null || from.equals(to)) {
        continue;
      }
      for (double[] row : recoded) {
        if (!Double.isNaN(row[j])) {
          row[j] = FittedPreprocess.code(to, from.get((int) row[j]));
        }
      }
    }
    return recoded;
  }

  private static boolean sameColumns(List<Pipeline.Column> a, List<Pipeline.Column> b) {
    return a.equals(b);
  }

  private static OptionalDouble finite(Double value) {
    return value != null && Double.isFinite(value)
        ? OptionalDouble.of(value)
        : OptionalDouble.empty();
  }
}
