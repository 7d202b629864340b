package io.pgmlfollower.trainer.deployment;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.trainer.Task;
import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import io.pgmlfollower.trainer.algorithm.ClassificationEstimator;
import io.pgmlfollower.trainer.algorithm.ClusteringEstimator;
import io.pgmlfollower.trainer.algorithm.DecompositionEstimator;
import io.pgmlfollower.trainer.algorithm.Estimator;
import io.pgmlfollower.trainer.algorithm.RegressionEstimator;
import io.pgmlfollower.trainer.data.LabelMapping;
import java.util.List;
import java.util.stream.Collectors;

/** A project's deployed model, loaded and ready to predict. Immutable; shared between threads. */
public final class DeployedModel {
  /** Feature names listed in a wrong-count message; beyond this the list is elided. */
  private static final int NAMES_IN_MESSAGE = 12;

  private final String project;
  private final long deploymentId;
  private final long modelId;
  private final Pipeline pipeline;
  private final Estimator estimator;
  private final LabelMapping labels;
  private final List<String> featureNames;
  private final java.util.Map<String, List<String>> categories;

  public DeployedModel(
      String project, long deploymentId, long modelId, Pipeline pipeline, Estimator estimator) {
    this.project = requireNonNull(project, "project is null");
    this.deploymentId = deploymentId;
    this.modelId = modelId;
    this.pipeline = requireNonNull(pipeline, "pipeline is null");
    this.estimator = requireNonNull(estimator, "estimator is null");
    this.labels = pipeline.labelMapping().orElse(null);
    // Derived once: every prediction by row or by key asks for them.
    this.featureNames = pipeline.features().stream().map(Pipeline.Column::name).toList();
    this.categories =
        pipeline.preprocess() == null
            ? java.util.Map.of()
            : java.util.Map.copyOf(pipeline.preprocess().categories());
    if ((estimator instanceof ClassificationEstimator) != (labels != null)) {
      throw new IllegalArgumentException("a classifier needs labels, a regressor none");
    }
  }

  public String project() {
    return project;
  }

  /** Orders deployments of the project: a cache keeps the model of the highest id. */
  public long deploymentId() {
    return deploymentId;
  }

  public long modelId() {
    return modelId;
  }

  public Pipeline pipeline() {
    return pipeline;
  }

  /** Whether a prediction costs about a lookup (see {@code Estimator.predictsQuickly}). */
  public boolean predictsQuickly() {
    return estimator.predictsQuickly();
  }

  public Task task() {
    return pipeline.taskValue();
  }

  /**
   * The prediction: a number for regression; for classification the predicted label (numeric and
   * boolean targets) or class index (text targets, see {@link LabelMapping}); for clustering the
   * cluster, from 0 ({@code -1}: noise, DBSCAN's).
   *
   * @throws TrainerException INVALID_ARGUMENT for a decomposition, which {@link #decompose} serves
   */
  public double predict(double[] features) {
    double[] x = prepare(features);
    return switch (estimator) {
      case RegressionEstimator regressor -> regressor.predict(x);
      case ClassificationEstimator classifier ->
          labels.decode(classifier.predict(x, new double[labels.numClasses()]));
      case ClusteringEstimator clusters -> clusters.predict(x);
      case DecompositionEstimator ignored ->
          throw new TrainerException(
              TrainerErrorCode.INVALID_ARGUMENT,
              "project '%s' is a decomposition: use pgml.decompose('%s', features)"
                  .formatted(project, project));
    };
  }

  /**
   * The row's coordinates on the components of a decomposition ({@code pgml.decompose}).
   *
   * @throws TrainerException INVALID_ARGUMENT for any other task
   */
  public double[] decompose(double[] features) {
    if (!(estimator instanceof DecompositionEstimator projection)) {
      throw new TrainerException(
          TrainerErrorCode.INVALID_ARGUMENT,
          "project '%s' is a %s: pgml.decompose needs a decomposition project, use pgml.predict"
              .formatted(project, task().sqlName()));
    }
    return projection.transform(prepare(features));
  }

  /** The probability of each class, in class-index order (labels sorted ascending). */
  public double[] predictProba(double[] features) {
    ClassificationEstimator classifier = classifier();
    double[] probabilities = new double[labels.numClasses()];
    classifier.predict(prepare(features), probabilities);
    return probabilities;
  }

  /**
   * The class index {@link #predict} decodes (the estimator's own decision, which for a voting
   * ensemble need not be the class of highest probability), filling {@code probabilities}.
   */
  public int predictClass(double[] features, double[] probabilities) {
    return classifier().predict(prepare(features), probabilities);
  }

  /**
   * The categories of the model's text features, by name: a row's text value is passed to {@link
   * #predict} as its index in this list ({@code FittedPreprocess.UNKNOWN} when absent).
   */
  public java.util.Map<String, List<String>> categories() {
    return categories;
  }

  /** The feature columns' names, in the order {@link #predict} takes their values. */
  public List<String> featureNames() {
    return featureNames;
  }

  /** The cluster of a clustering project's row, as {@link #predict} answers it. */
  public int cluster(double[] features) {
    if (!(estimator instanceof ClusteringEstimator clusters)) {
      throw new IllegalStateException("project '%s' is not a clustering".formatted(project));
    }
    return clusters.predict(prepare(features));
  }

  /**
   * The share of the rows' variance a decomposition keeps (its key metric), the rows given as
   * {@link #decompose} takes them.
   */
  public double explainedVariance(double[][] rows) {
    if (!(estimator instanceof DecompositionEstimator projection)) {
      throw new IllegalStateException("project '%s' is not a decomposition".formatted(project));
    }
    double[][] prepared = new double[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      prepared[i] = prepare(rows[i]);
    }
    return projection.explainedVariance(prepared);
  }

  private ClassificationEstimator classifier() {
    if (!(estimator instanceof ClassificationEstimator classifier)) {
      throw new TrainerException(
          TrainerErrorCode.INVALID_ARGUMENT,
          "project '%s' is a %s: predict_proba needs a classification project, use %s"
              .formatted(
                  project,
                  task().sqlName(),
                  task() == Task.DECOMPOSITION ? "pgml.decompose" : "pgml.predict"));
    }
    return classifier;
  }

  private double[] prepare(double[] features) {
    requireNonNull(features, "features is null");
    List<Pipeline.Column> columns = pipeline.features();
    if (features.length != columns.size()) {
      throw new TrainerException(
          TrainerErrorCode.WRONG_FEATURE_COUNT,
          "project '%s' expects %d features (the %scolumns of %s in table order: %s), got %d"
              .formatted(
                  project,
                  columns.size(),
                  pipeline.target() == null ? "" : "non-target ",
                  pipeline.relation(),
                  describe(columns),
                  features.length));
    }
    double[] values = features;
    for (int j = 0; j < features.length; j++) {
      // NaN is a NULL, which the preprocessing imputes or refuses; infinity is never a value.
      if (Double.isInfinite(features[j])) {
        throw new TrainerException(
            TrainerErrorCode.NULL_VALUE,
            "feature %d (%s) is %s: predictions need finite values"
                .formatted(j + 1, columns.get(j).name(), features[j]));
      }
      if (Double.isNaN(features[j]) && pipeline.preprocess() == null) {
        throw new TrainerException(
            TrainerErrorCode.NULL_VALUE,
            ("feature %d (%s) is NULL: pass a value, or train with preprocess => '{\"%s\":"
                    + " {\"impute\": \"mean\"}}'")
                .formatted(j + 1, columns.get(j).name(), columns.get(j).name()));
      }
    }
    if (pipeline.preprocess() != null) {
      // Imputes what is missing (NaN), encodes text categories and scales, as fitted on the
      // training rows; one_hot makes more values than there are columns.
      values = pipeline.preprocess().apply(features);
    }
    return pipeline.scale() == null ? values : pipeline.scale().apply(values);
  }

  private static String describe(List<Pipeline.Column> columns) {
    String names =
        columns.stream()
            .limit(NAMES_IN_MESSAGE)
            .map(Pipeline.Column::name)
            .collect(Collectors.joining(", "));
    return columns.size() > NAMES_IN_MESSAGE ? names + ", ..." : names;
  }
}
