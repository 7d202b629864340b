package io.pgmlfollower.trainer.algorithm;

import static java.util.Objects.requireNonNull;

import java.io.Serializable;
import java.util.Arrays;
import java.util.function.Function;
import smile.classification.Classifier;
import smile.classification.DataFrameClassifier;
import smile.classification.LogisticRegression;
import smile.data.Tuple;
import smile.data.type.StructType;

/**
 * A Smile classifier. Smile numbers its posteriors by the classes it saw in training, which may be
 * fewer than the project's classes when a rare class fell entirely in the holdout; this maps them
 * back to project class indices.
 */
final class SmileClassificationEstimator<T> implements ClassificationEstimator {
  private final Classifier<T> model;
  private final Function<double[], T> input;
  private final int numClasses;
  private final int[] classes;

  private SmileClassificationEstimator(
      Classifier<T> model, Function<double[], T> input, int numClasses) {
    this.model = requireNonNull(model, "model is null");
    this.input = requireNonNull(input, "input is null");
    this.numClasses = numClasses;
    this.classes = model.classes();
    for (int label : classes) {
      if (label < 0 || label >= numClasses) {
        throw new IllegalArgumentException(
            "model class %d outside 0..%d".formatted(label, numClasses - 1));
      }
    }
  }

  static SmileClassificationEstimator<Tuple> ofFrameModel(
      DataFrameClassifier model, int numClasses) {
    StructType schema = model.schema();
    return new SmileClassificationEstimator<>(
        model, features -> Tuple.of(schema, features), numClasses);
  }

  static SmileClassificationEstimator<double[]> ofLogistic(
      LogisticRegression model, int numClasses) {
    return ofVector(model, numClasses);
  }

  /** A classifier of plain feature vectors (k-NN, discriminant analysis, logistic regression). */
  static SmileClassificationEstimator<double[]> ofVector(
      Classifier<double[]> model, int numClasses) {
    return new SmileClassificationEstimator<>(model, Function.identity(), numClasses);
  }

  static Object checkType(Object artifact, Class<?> expected) {
    if (!expected.isInstance(artifact)) {
      throw new IllegalArgumentException(
          "expected a %s artifact, got %s"
              .formatted(expected.getName(), artifact.getClass().getName()));
    }
    return artifact;
  }

  @Override
  public int predict(double[] features, double[] probabilities) {
    if (probabilities.length != numClasses) {
      throw new IllegalArgumentException("probabilities must have length " + numClasses);
    }
    double[] posteriori = new double[classes.length];
    int predicted = model.predict(input.apply(features), posteriori);
    Arrays.fill(probabilities, 0.0);
    for (int k = 0; k < classes.length; k++) {
      probabilities[classes[k]] = posteriori[k];
    }
    return predicted;
  }

  @Override
  public Serializable artifact() {
    return model;
  }
}
