package io.pgmlfollower.trainer;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.trainer.algorithm.Algorithm;
import io.pgmlfollower.trainer.algorithm.ClassificationAlgorithm;
import io.pgmlfollower.trainer.algorithm.ClassificationEstimator;
import io.pgmlfollower.trainer.algorithm.HyperParameters;
import io.pgmlfollower.trainer.algorithm.RegressionAlgorithm;
import io.pgmlfollower.trainer.algorithm.RegressionEstimator;
import io.pgmlfollower.trainer.data.Standardizer;
import io.pgmlfollower.trainer.data.TrainTestSplit;
import io.pgmlfollower.trainer.metrics.ClassificationMetrics;
import io.pgmlfollower.trainer.metrics.RegressionMetrics;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Grid or random search over {@code search_params} with k-fold cross-validation on the training
 * rows (the holdout is never seen; a classification's folds are stratified): every candidate is
 * fitted on k−1 folds and scored on the k-th, k times, by the task's key metric (r2, or macro f1),
 * and the best mean wins. As scikit-learn's {@code GridSearchCV} / {@code RandomizedSearchCV},
 * which PostgresML runs; the results are kept in their {@code cv_results_} shape.
 */
final class HyperparameterSearch {
  private static final Logger log = LoggerFactory.getLogger(HyperparameterSearch.class);

  /** A grid larger than this is refused: list fewer values, or search at random. */
  static final int MAX_GRID = 10_000;

  /** One candidate's cross-validated scores. */
  record Candidate(Map<String, Object> params, double[] foldScores, double fitSeconds) {
    double mean() {
      double sum = 0;
      for (double score : foldScores) {
        sum += score;
      }
      return sum / foldScores.length;
    }

    double std() {
      double mean = mean();
      double sum = 0;
      for (double score : foldScores) {
        sum += (score - mean) * (score - mean);
      }
      return Math.sqrt(sum / foldScores.length);
    }
  }

  /** Every candidate in the order tried, the best one's index, and the metric scored. */
  record Outcome(List<Candidate> candidates, int bestIndex, String metric) {
    Map<String, Object> best() {
      return candidates.get(bestIndex).params();
    }

    /** scikit-learn's {@code cv_results_} keys: stored in {@code pgml.models.search_results}. */
    Map<String, Object> results() {
      List<Map<String, Object>> params = new ArrayList<>();
      List<Double> means = new ArrayList<>();
      List<Double> stds = new ArrayList<>();
      List<Double> fitTimes = new ArrayList<>();
      List<Integer> ranks = new ArrayList<>();
      for (Candidate candidate : candidates) {
        params.add(candidate.params());
        means.add(finiteOrNull(candidate.mean()));
        stds.add(finiteOrNull(candidate.std()));
        fitTimes.add(candidate.fitSeconds() / candidate.foldScores().length);
        int rank = 1;
        for (Candidate other : candidates) {
          if (score(other) > score(candidate)) {
            rank++;
          }
        }
        ranks.add(rank);
      }
      Map<String, Object> results = new LinkedHashMap<>();
      results.put("scoring", metric);
      results.put("params", params);
      results.put("mean_test_score", means);
      results.put("std_test_score", stds);
      results.put("rank_test_score", ranks);
      results.put("mean_fit_time", fitTimes);
      results.put("best_index", bestIndex);
      return results;
    }
  }

  private final long seed;

  HyperparameterSearch(long seed) {
    this.seed = seed;
  }

  /** The candidates to try: the whole grid, or {@code n_iter} distinct draws from it. */
  static List<Map<String, Object>> candidates(SearchSpec spec, long seed) {
    List<String> names = new ArrayList<>(spec.params().keySet());
    long size = 1;
    for (List<Object> values : spec.params().values()) {
      // Saturates rather than overflows: a grid that large is refused below, or sampled.
      size = size > Long.MAX_VALUE / values.size() ? Long.MAX_VALUE : size * values.size();
    }
    List<Map<String, Object>> candidates = new ArrayList<>();
    if (spec.kind() == SearchSpec.Kind.GRID || size <= spec.nIter()) {
      if (size > MAX_GRID) {
        throw new TrainerException(
            TrainerErrorCode.INVALID_ARGUMENT,
            "search_params make a grid of %d candidates (at most %d): list fewer values, or use"
                    .formatted(size, MAX_GRID)
                + " search => 'random' with search_args n_iter");
      }
      for (long index = 0; index < size; index++) {
        candidates.add(candidate(spec, names, index));
      }
      return candidates;
    }
    // Draws without replacement, as scikit-learn's ParameterSampler over lists.
    Random random = new Random(seed);
    Set<Long> drawn = new HashSet<>();
    while (candidates.size() < spec.nIter()) {
      long index = Math.floorMod(random.nextLong(), size);
      if (drawn.add(index)) {
        candidates.add(candidate(spec, names, index));
      }
    }
    return candidates;
  }

  /** The grid point {@code index}, the last parameter varying fastest. */
  private static Map<String, Object> candidate(SearchSpec spec, List<String> names, long index) {
    Map<String, Object> candidate = new LinkedHashMap<>();
    long rest = index;
    for (int i = names.size() - 1; i >= 0; i--) {
      List<Object> values = spec.params().get(names.get(i));
      candidate.put(names.get(i), values.get((int) (rest % values.size())));
      rest /= values.size();
    }
    Map<String, Object> ordered = new LinkedHashMap<>();
    names.forEach(name -> ordered.put(name, candidate.get(name)));
    return ordered;
  }

  /**
   * Cross-validates every candidate on the training rows.
   *
   * @param fixed the hyperparameters given outright; a candidate's values override them
   * @param y the training targets: {@code double[]} for regression, {@code int[]} class indices
   */
  Outcome run(
      Algorithm algorithm,
      Map<String, Object> fixed,
      SearchSpec spec,
      double[][] x,
      Object y,
      int numClasses,
      BooleanSupplier cancelled,
      TrainingProgress.SearchListener listener) {
    requireNonNull(cancelled, "cancelled is null");
    requireNonNull(listener, "listener is null");
    if (x.length < spec.folds()) {
      throw new TrainerException(
          TrainerErrorCode.INVALID_ARGUMENT,
          "cross-validation in %d folds needs at least %d training rows, there are %d"
              .formatted(spec.folds(), spec.folds(), x.length));
    }
    int[][] folds = folds(x.length, y, spec.folds());
    List<Candidate> results = new ArrayList<>();
    int best = 0;
    List<Map<String, Object>> candidates = candidates(spec, seed);
    listener.candidates(0, candidates.size());
    String metric = algorithm.task() == Task.REGRESSION ? "r2" : "f1";
    for (Map<String, Object> params : candidates) {
      Map<String, Object> merged = new LinkedHashMap<>(fixed);
      merged.putAll(params);
      HyperParameters hyperparameters = HyperParameters.of(algorithm, merged);
      double[] scores = new double[spec.folds()];
      long started = System.nanoTime();
      for (int fold = 0; fold < spec.folds(); fold++) {
        if (cancelled.getAsBoolean()) {
          throw new TrainerException(
              TrainerErrorCode.CANCELLED, "canceling statement due to user request");
        }
        scores[fold] = score(algorithm, hyperparameters, x, y, numClasses, folds, fold);
      }
      results.add(new Candidate(params, scores, (System.nanoTime() - started) / 1e9));
      if (score(results.getLast()) > score(results.get(best))) {
        best = results.size() - 1;
      }
      // Progress of a long search: one line per candidate, and for the dashboard.
      listener.candidates(results.size(), candidates.size());
      log.info(
          "Search: candidate {}/{} {}: mean {} {} over {} folds in {} s; best so far #{} ({})",
          results.size(),
          candidates.size(),
          params,
          metric,
          String.format(java.util.Locale.ROOT, "%.4f", results.getLast().mean()),
          spec.folds(),
          String.format(java.util.Locale.ROOT, "%.2f", results.getLast().fitSeconds()),
          best + 1,
          String.format(java.util.Locale.ROOT, "%.4f", results.get(best).mean()));
    }
    return new Outcome(results, best, metric);
  }

  /**
   * The rows of each fold. For a classification the folds are stratified, as scikit-learn's
   * StratifiedKFold (which GridSearchCV uses for classifiers): each class's rows, shuffled, are
   * dealt to the folds in turn, so every fold holds about its share of every class. For a
   * regression: a shuffle cut into k contiguous parts.
   */
  int[][] folds(int rows, Object y, int k) {
    int[] fold = new int[rows];
    int[] order = permutation(rows);
    if (y instanceof int[] classes) {
      int numClasses = java.util.Arrays.stream(classes).max().orElse(0) + 1;
      int dealt = 0;
      for (int c = 0; c < numClasses; c++) {
        for (int row : order) {
          if (classes[row] == c) {
            fold[row] = dealt++ % k;
          }
        }
      }
    } else {
      for (int i = 0; i < rows; i++) {
        fold[order[i]] = (int) ((long) i * k / rows);
      }
    }
    int[] sizes = new int[k];
    for (int f : fold) {
      sizes[f]++;
    }
    int[][] folds = new int[k][];
    for (int f = 0; f < k; f++) {
      folds[f] = new int[sizes[f]];
    }
    int[] filled = new int[k];
    for (int row = 0; row < rows; row++) {
      folds[fold[row]][filled[fold[row]]++] = row;
    }
    return folds;
  }

  /** Fits on every fold but {@code validationFold} and scores on that one. */
  private double score(
      Algorithm algorithm,
      HyperParameters hyperparameters,
      double[][] x,
      Object y,
      int numClasses,
      int[][] folds,
      int validationFold) {
    int[] validation = folds[validationFold];
    int[] training = new int[x.length - validation.length];
    int at = 0;
    for (int f = 0; f < folds.length; f++) {
      if (f != validationFold) {
        System.arraycopy(folds[f], 0, training, at, folds[f].length);
        at += folds[f].length;
      }
    }
    java.util.Arrays.sort(training);
    double[][] xTrain = TrainTestSplit.select(x, training);
    double[][] xValidation = TrainTestSplit.select(x, validation);
    if (algorithm.standardizesFeatures()) {
      Standardizer scale = Standardizer.fit(xTrain);
      xTrain = scale.apply(xTrain);
      xValidation = scale.apply(xValidation);
    }
    if (algorithm instanceof RegressionAlgorithm regression) {
      double[] targets = (double[]) y;
      RegressionEstimator estimator =
          regression.fit(xTrain, TrainTestSplit.select(targets, training), hyperparameters, seed);
      double[] predicted = new double[validation.length];
      for (int i = 0; i < validation.length; i++) {
        predicted[i] = estimator.predict(xValidation[i]);
      }
      return RegressionMetrics.compute(TrainTestSplit.select(targets, validation), predicted)
          .get("r2");
    }
    int[] classes = (int[]) y;
    ClassificationEstimator estimator =
        ((ClassificationAlgorithm) algorithm)
            .fit(
                xTrain,
                TrainTestSplit.select(classes, training),
                numClasses,
                hyperparameters,
                seed);
    int[] predicted = new int[validation.length];
    double[][] probabilities = new double[validation.length][numClasses];
    for (int i = 0; i < validation.length; i++) {
      predicted[i] = estimator.predict(xValidation[i], probabilities[i]);
    }
    return ClassificationMetrics.compute(
            TrainTestSplit.select(classes, validation), predicted, probabilities, numClasses)
        .get("f1");
  }

  private int[] permutation(int n) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Random random = new Random(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    return order;
  }

  /** An undefined mean (a fold whose metric is undefined) ranks last. */
  private static double score(Candidate candidate) {
    double mean = candidate.mean();
    return Double.isNaN(mean) ? Double.NEGATIVE_INFINITY : mean;
  }

  private static Double finiteOrNull(double value) {
    return Double.isFinite(value) ? value : null;
  }
}
