package io.pgmlfollower.trainer;

import io.pgmlfollower.trainer.algorithm.Algorithm;
import io.pgmlfollower.trainer.algorithm.ClassificationAlgorithm;
import io.pgmlfollower.trainer.algorithm.ClassificationEstimator;
import io.pgmlfollower.trainer.algorithm.ClusteringAlgorithm;
import io.pgmlfollower.trainer.algorithm.ClusteringEstimator;
import io.pgmlfollower.trainer.algorithm.DecompositionAlgorithm;
import io.pgmlfollower.trainer.algorithm.DecompositionEstimator;
import io.pgmlfollower.trainer.algorithm.Estimator;
import io.pgmlfollower.trainer.algorithm.HyperParameters;
import io.pgmlfollower.trainer.algorithm.RegressionAlgorithm;
import io.pgmlfollower.trainer.algorithm.RegressionEstimator;
import io.pgmlfollower.trainer.data.LabelMapping;
import io.pgmlfollower.trainer.data.RelationColumn;
import io.pgmlfollower.trainer.data.RelationData;
import io.pgmlfollower.trainer.data.Standardizer;
import io.pgmlfollower.trainer.data.TargetValues;
import io.pgmlfollower.trainer.data.TrainTestSplit;
import io.pgmlfollower.trainer.deployment.Pipeline;
import io.pgmlfollower.trainer.metrics.ClassificationMetrics;
import io.pgmlfollower.trainer.metrics.ClusteringMetrics;
import io.pgmlfollower.trainer.metrics.RegressionMetrics;
import io.pgmlfollower.trainer.preprocess.FittedPreprocess;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Splits the rows, preprocesses, fits and scores on the holdout: the in-memory part of {@code
 * pgml.train}, with no registry access.
 */
final class ModelTrainer {
  private static final double NANOS_PER_SECOND = 1e9;

  private final long seed;

  ModelTrainer(long seed) {
    this.seed = seed;
  }

  /**
   * @param cancelled polled between the folds of a hyperparameter search
   * @param listener told how far a hyperparameter search got
   */
  TrainedModel train(
      Algorithm algorithm,
      HyperParameters hyperparameters,
      RelationData data,
      TrainRequest request,
      BooleanSupplier cancelled,
      TrainingProgress.SearchListener listener) {
    TrainTestSplit split =
        TrainTestSplit.of(
            data.numRows(),
            request.testSize(),
            request.testSampling(),
            seed,
            algorithm instanceof ClassificationAlgorithm
                ? LabelMapping.fit(data.y()).encode(data.y())
                : null);
    double[][] xTrain = TrainTestSplit.select(data.x(), split.train());
    double[][] rawTest = TrainTestSplit.select(data.x(), split.test());
    double[][] xTest = rawTest;
    // preprocess: fitted on the training rows only, replayed on the holdout and every prediction.
    // Text features always need one (their default encoding is ordinal).
    FittedPreprocess preprocess = null;
    if (!request.preprocess().isEmpty() || !data.categories().isEmpty()) {
      preprocess =
          FittedPreprocess.fit(
              xTrain,
              data.features().stream().map(RelationColumn::name).toList(),
              request.preprocess(),
              data.categories(),
              encodingTargets(algorithm, data, split));
      xTrain = preprocess.apply(xTrain);
      xTest = preprocess.apply(xTest);
    }
    if (!algorithm.task().supervised()) {
      if (request.search().isPresent()) {
        throw new TrainerException(
            TrainerErrorCode.INVALID_ARGUMENT,
            ("search is for regression and classification: a %s has no target to cross-validate"
                    + " against; train once per hyperparameter set and compare their %s")
                .formatted(algorithm.task().sqlName(), algorithm.task().keyMetric()));
      }
      TrainedModel trained =
          fitUnsupervised(algorithm, hyperparameters, data, xTrain, xTest)
              .withHoldout(new Holdout(rawTest, null));
      return preprocess != null && !preprocess.isIdentity()
          ? trained.withPipeline(trained.pipeline().withPreprocess(preprocess))
          : trained;
    }
    HyperparameterSearch.Outcome search = null;
    if (request.search().isPresent()) {
      // On the training rows only: the holdout scores the refitted best, as in scikit-learn.
      try {
        search = search(algorithm, data, request, split, xTrain, cancelled, listener);
      } catch (TrainerException e) {
        throw e;
      } catch (RuntimeException e) {
        throw fitFailure(algorithm, data, "during the search on", e);
      }
      Map<String, Object> best = new LinkedHashMap<>(request.hyperparams());
      best.putAll(search.best());
      hyperparameters = HyperParameters.of(algorithm, best);
    }
    TrainedModel trained =
        fitAndScore(algorithm, hyperparameters, data, split, xTrain, xTest)
            .withHoldout(new Holdout(rawTest, targets(data.y(), split.test())));
    if (preprocess != null && !preprocess.isIdentity()) {
      trained = trained.withPipeline(trained.pipeline().withPreprocess(preprocess));
    }
    return search == null ? trained : trained.withSearch(search);
  }

  /**
   * Clustering and decomposition: fitted on the training rows, scored on the holdout with
   * PostgresML's metrics (silhouette; cumulative explained variance).
   */
  private TrainedModel fitUnsupervised(
      Algorithm algorithm,
      HyperParameters hyperparameters,
      RelationData data,
      double[][] xTrain,
      double[][] xTest) {
    try {
      long start = System.nanoTime();
      Estimator estimator;
      Map<String, Double> metrics = new LinkedHashMap<>();
      long fitted;
      switch (algorithm) {
        case ClusteringAlgorithm clustering -> {
          ClusteringEstimator clusters = clustering.fit(xTrain, hyperparameters, seed);
          fitted = System.nanoTime();
          metrics.putAll(ClusteringMetrics.compute(clusters::predict, xTest));
          estimator = clusters;
        }
        case DecompositionAlgorithm decomposition -> {
          DecompositionEstimator projection = decomposition.fit(xTrain, hyperparameters, seed);
          fitted = System.nanoTime();
          metrics.put(
              Task.DECOMPOSITION.keyMetric(),
              projection.explainedVariance(xTest.length > 0 ? xTest : xTrain));
          metrics.put("n_components", (double) projection.numComponents());
          estimator = projection;
        }
        default -> throw new IllegalStateException("not unsupervised: " + algorithm.name());
      }
      long scored = System.nanoTime();
      return trainedModel(estimator, algorithm, data, null, null, metrics, start, fitted, scored);
    } catch (TrainerException e) {
      throw e;
    } catch (RuntimeException e) {
      throw fitFailure(algorithm, data, "on", e);
    }
  }

  /**
   * The training rows' targets as target encoding averages them: the values of a regression, the
   * class indexes of a classification; null without a target.
   */
  private static double[] encodingTargets(
      Algorithm algorithm, RelationData data, TrainTestSplit split) {
    return switch (algorithm) {
      case RegressionAlgorithm ignored ->
          TrainTestSplit.select(((TargetValues.Numeric) data.y()).values(), split.train());
      case ClassificationAlgorithm ignored ->
          java.util.Arrays.stream(
                  TrainTestSplit.select(LabelMapping.fit(data.y()).encode(data.y()), split.train()))
              .asDoubleStream()
              .toArray();
      default -> null;
    };
  }

  private static TargetValues targets(TargetValues y, int[] rows) {
    return switch (y) {
      case TargetValues.Numeric numeric ->
          new TargetValues.Numeric(TrainTestSplit.select(numeric.values(), rows));
      case TargetValues.Text text -> {
        String[] values = new String[rows.length];
        for (int i = 0; i < rows.length; i++) {
          values[i] = text.values()[rows[i]];
        }
        yield new TargetValues.Text(values);
      }
    };
  }

  private HyperparameterSearch.Outcome search(
      Algorithm algorithm,
      RelationData data,
      TrainRequest request,
      TrainTestSplit split,
      double[][] xTrain,
      BooleanSupplier cancelled,
      TrainingProgress.SearchListener listener) {
    Object y;
    int numClasses = 0;
    if (algorithm instanceof ClassificationAlgorithm) {
      LabelMapping labels = LabelMapping.fit(data.y());
      y = TrainTestSplit.select(labels.encode(data.y()), split.train());
      numClasses = labels.numClasses();
    } else {
      y = TrainTestSplit.select(((TargetValues.Numeric) data.y()).values(), split.train());
    }
    return new HyperparameterSearch(seed)
        .run(
            algorithm,
            request.hyperparams(),
            request.search().orElseThrow(),
            xTrain,
            y,
            numClasses,
            cancelled,
            listener);
  }

  private TrainedModel fitAndScore(
      Algorithm algorithm,
      HyperParameters hyperparameters,
      RelationData data,
      TrainTestSplit split,
      double[][] xTrain,
      double[][] xTest) {
    Standardizer scale = null;
    if (algorithm.standardizesFeatures()) {
      scale = Standardizer.fit(xTrain);
      xTrain = scale.apply(xTrain);
      xTest = scale.apply(xTest);
    }
    try {
      return switch (algorithm) {
        case RegressionAlgorithm regression ->
            trainRegression(regression, hyperparameters, data, split, xTrain, xTest, scale);
        case ClassificationAlgorithm classification ->
            trainClassification(classification, hyperparameters, data, split, xTrain, xTest, scale);
        case ClusteringAlgorithm clustering ->
            throw new IllegalStateException("unsupervised: " + clustering.name());
        case DecompositionAlgorithm decomposition ->
            throw new IllegalStateException("unsupervised: " + decomposition.name());
      };
    } catch (TrainerException e) {
      throw e;
    } catch (RuntimeException e) {
      throw fitFailure(algorithm, data, "on", e);
    }
  }

  /**
   * A library's refusal (Smile signals bad data and impossible options with
   * IllegalArgumentException and friends) as TRAINING_FAILED with its message, not an internal
   * error.
   */
  private static TrainerException fitFailure(
      Algorithm algorithm, RelationData data, String where, RuntimeException e) {
    return new TrainerException(
        TrainerErrorCode.TRAINING_FAILED,
        "%s %s could not be fitted %s %s: %s"
            .formatted(
                algorithm.task().sqlName(),
                algorithm.name(),
                where,
                data.relation().qualifiedName(),
                e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()),
        e);
  }

  private TrainedModel trainRegression(
      RegressionAlgorithm algorithm,
      HyperParameters hyperparameters,
      RelationData data,
      TrainTestSplit split,
      double[][] xTrain,
      double[][] xTest,
      Standardizer scale) {
    double[] y = ((TargetValues.Numeric) data.y()).values();
    long start = System.nanoTime();
    RegressionEstimator estimator =
        algorithm.fit(xTrain, TrainTestSplit.select(y, split.train()), hyperparameters, seed);
    long fitted = System.nanoTime();
    double[] predicted = new double[xTest.length];
    for (int i = 0; i < xTest.length; i++) {
      predicted[i] = estimator.predict(xTest[i]);
    }
    long scored = System.nanoTime();
    Map<String, Double> metrics =
        RegressionMetrics.compute(TrainTestSplit.select(y, split.test()), predicted);
    return trainedModel(estimator, algorithm, data, null, scale, metrics, start, fitted, scored);
  }

  private TrainedModel trainClassification(
      ClassificationAlgorithm algorithm,
      HyperParameters hyperparameters,
      RelationData data,
      TrainTestSplit split,
      double[][] xTrain,
      double[][] xTest,
      Standardizer scale) {
    // Labels come from all rows, so a class seen only in the holdout still has an index.
    LabelMapping labels = LabelMapping.fit(data.y());
    int[] y = labels.encode(data.y());
    long start = System.nanoTime();
    ClassificationEstimator estimator =
        algorithm.fit(
            xTrain,
            TrainTestSplit.select(y, split.train()),
            labels.numClasses(),
            hyperparameters,
            seed);
    long fitted = System.nanoTime();
    int[] predicted = new int[xTest.length];
    double[][] probabilities = new double[xTest.length][labels.numClasses()];
    for (int i = 0; i < xTest.length; i++) {
      predicted[i] = estimator.predict(xTest[i], probabilities[i]);
    }
    long scored = System.nanoTime();
    Map<String, Double> metrics =
        ClassificationMetrics.compute(
            TrainTestSplit.select(y, split.test()), predicted, probabilities, labels.numClasses());
    return trainedModel(estimator, algorithm, data, labels, scale, metrics, start, fitted, scored)
        .withConfusionMatrix(
            ClassificationMetrics.confusionMatrix(
                TrainTestSplit.select(y, split.test()), predicted, labels.numClasses()));
  }

  private static TrainedModel trainedModel(
      Estimator estimator,
      Algorithm algorithm,
      RelationData data,
      LabelMapping labels,
      Standardizer scale,
      Map<String, Double> scores,
      long start,
      long fitted,
      long scored) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    // jsonb has no NaN or infinity; an undefined metric is left out.
    scores.forEach(
        (name, value) -> {
          if (Double.isFinite(value)) {
            metrics.put(name, value);
          }
        });
    metrics.put("fit_time", (fitted - start) / NANOS_PER_SECOND);
    metrics.put("score_time", (scored - fitted) / NANOS_PER_SECOND);
    Pipeline pipeline =
        new Pipeline(
            Pipeline.FORMAT_VERSION,
            algorithm.task().sqlName(),
            algorithm.name(),
            data.relation().qualifiedName(),
            data.target() == null ? null : column(data.target()),
            data.features().stream().map(ModelTrainer::column).toList(),
            labels == null ? null : Pipeline.Labels.of(labels),
            scale,
            Pipeline.ARTIFACT_PATH);
    return new TrainedModel(estimator, pipeline, metrics);
  }

  private static Pipeline.Column column(RelationColumn column) {
    return new Pipeline.Column(column.name(), column.pgType());
  }
}
