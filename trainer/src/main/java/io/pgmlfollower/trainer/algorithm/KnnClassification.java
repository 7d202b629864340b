package io.pgmlfollower.trainer.algorithm;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Set;
import smile.classification.KNN;

/**
 * Classification {@code knn}: k nearest neighbours by Euclidean distance (Smile's KNN), {@code
 * n_neighbors} 5 as scikit-learn; features standardized first, since distances mix their scales.
 * Smile numbers classes 0..k−1 with none missing, and a project's class may be absent from the
 * training rows (it fell in the holdout): the labels present are renumbered for the fit and mapped
 * back on prediction.
 */
final class KnnClassification implements ClassificationAlgorithm {
  private static final String N_NEIGHBORS = "n_neighbors";

  @Override
  public String name() {
    return "knn";
  }

  @Override
  public Set<String> hyperparameterNames() {
    return Set.of(N_NEIGHBORS);
  }

  @Override
  public boolean standardizesFeatures() {
    return true;
  }

  @Override
  public ClassificationEstimator fit(
      double[][] x, int[] y, int numClasses, HyperParameters hyperparameters, long seed) {
    int[] present = Arrays.stream(y).distinct().sorted().toArray();
    int[] renumbered = new int[y.length];
    for (int i = 0; i < y.length; i++) {
      renumbered[i] = Arrays.binarySearch(present, y[i]);
    }
    KNN<double[]> model =
        KNN.fit(
            x,
            renumbered,
            Math.min(hyperparameters.intValue(N_NEIGHBORS, 5, 1, x.length), x.length));
    return new Renumbered(model, present, numClasses);
  }

  @Override
  public ClassificationEstimator restore(Object artifact, int numClasses) {
    if (!(artifact instanceof Object[] parts)
        || parts.length != 2
        || !(parts[1] instanceof int[] classes)) {
      throw new IllegalArgumentException("expected a k-NN model and its classes");
    }
    @SuppressWarnings("unchecked")
    KNN<double[]> model =
        (KNN<double[]>) SmileClassificationEstimator.checkType(parts[0], KNN.class);
    return new Renumbered(model, classes, numClasses);
  }

  /** The model with the project classes its labels stand for. */
  private static final class Renumbered implements ClassificationEstimator {
    private final KNN<double[]> model;
    private final int[] classes;
    private final ClassificationEstimator inner;

    Renumbered(KNN<double[]> model, int[] classes, int numClasses) {
      for (int label : classes) {
        if (label < 0 || label >= numClasses) {
          throw new IllegalArgumentException(
              "class %d outside 0..%d".formatted(label, numClasses - 1));
        }
      }
      this.model = model;
      this.classes = classes;
      this.inner = SmileClassificationEstimator.ofVector(model, classes.length);
    }

    @Override
    public int predict(double[] features, double[] probabilities) {
      double[] local = new double[classes.length];
      int predicted = inner.predict(features, local);
      Arrays.fill(probabilities, 0.0);
      for (int k = 0; k < classes.length; k++) {
        probabilities[classes[k]] = local[k];
      }
      return classes[predicted];
    }

    /** A scan of the stored rows (or support vectors) per prediction: not for the event loop. */
    @Override
    public boolean predictsQuickly() {
      return false;
    }

    /** The Smile model and its classes: only java.* and smile.* classes, as the codec admits. */
    @Override
    public Serializable artifact() {
      return new Object[] {model, classes};
    }
  }
}
