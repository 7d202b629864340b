package io.pgmlfollower.trainer.algorithm;

import java.util.Set;
import smile.classification.Classifier;
import smile.classification.KNN;
import smile.classification.LDA;
import smile.classification.QDA;

/**
 * Classifiers Smile fits on plain feature vectors: {@code knn} (k nearest neighbours by Euclidean
 * distance, {@code n_neighbors} 5 as scikit-learn; features standardized first, since distances mix
 * their scales), {@code lda} and {@code qda} (linear and quadratic discriminant analysis, with
 * class priors from the training rows).
 */
final class VectorClassification implements ClassificationAlgorithm {
  private enum Kind {
    KNN,
    LDA,
    QDA
  }

  private final Kind kind;

  private VectorClassification(Kind kind) {
    this.kind = kind;
  }

  static VectorClassification knn() {
    return new VectorClassification(Kind.KNN);
  }

  static VectorClassification lda() {
    return new VectorClassification(Kind.LDA);
  }

  static VectorClassification qda() {
    return new VectorClassification(Kind.QDA);
  }

  @Override
  public String name() {
    return kind.name().toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  public Set<String> hyperparameterNames() {
    return kind == Kind.KNN ? Set.of("n_neighbors") : Set.of();
  }

  @Override
  public boolean standardizesFeatures() {
    return kind == Kind.KNN;
  }

  /**
   * Smile's discriminant analyses need the training labels to be 0..k−1 with none missing; the
   * project's classes may skip one (a rare class that fell in the holdout). The model is fitted on
   * the labels present, renumbered, and they are mapped back on prediction.
   */
  @Override
  public ClassificationEstimator fit(
      double[][] x, int[] y, int numClasses, HyperParameters hyperparameters, long seed) {
    int[] present = java.util.Arrays.stream(y).distinct().sorted().toArray();
    int[] renumbered = new int[y.length];
    for (int i = 0; i < y.length; i++) {
      renumbered[i] = java.util.Arrays.binarySearch(present, y[i]);
    }
    Classifier<double[]> model =
        switch (kind) {
          case KNN ->
              KNN.fit(x, renumbered, hyperparameters.intValue("n_neighbors", 5, 1, x.length));
          case LDA -> LDA.fit(x, renumbered);
          case QDA -> QDA.fit(x, renumbered);
        };
    return new Renumbered(model, present, numClasses);
  }

  /** The model with the project classes its labels stand for. */
  private static final class Renumbered implements ClassificationEstimator {
    private final Classifier<double[]> model;
    private final int[] classes;
    private final ClassificationEstimator inner;

    Renumbered(Classifier<double[]> model, int[] classes, int numClasses) {
      this.model = model;
      this.classes = classes;
      this.inner = SmileClassificationEstimator.ofVector(model, classes.length);
      for (int label : classes) {
        if (label < 0 || label >= numClasses) {
          throw new IllegalArgumentException(
              "class %d outside 0..%d".formatted(label, numClasses - 1));
        }
      }
    }

    @Override
    public int predict(double[] features, double[] probabilities) {
      double[] local = new double[classes.length];
      int predicted = inner.predict(features, local);
      java.util.Arrays.fill(probabilities, 0.0);
      for (int k = 0; k < classes.length; k++) {
        probabilities[classes[k]] = local[k];
      }
      return classes[predicted];
    }

    /** The Smile model and its classes: only java.* and smile.* classes, as the codec admits. */
    @Override
    public java.io.Serializable artifact() {
      return new Object[] {model, classes};
    }
  }

  @Override
  public ClassificationEstimator restore(Object artifact, int numClasses) {
    Class<?> expected =
        switch (kind) {
          case KNN -> KNN.class;
          case LDA -> LDA.class;
          case QDA -> QDA.class;
        };
    if (!(artifact instanceof Object[] parts)
        || parts.length != 2
        || !(parts[1] instanceof int[] classes)) {
      throw new IllegalArgumentException("expected a model and its classes");
    }
    @SuppressWarnings("unchecked")
    Classifier<double[]> model =
        (Classifier<double[]>) SmileClassificationEstimator.checkType(parts[0], expected);
    return new Renumbered(model, classes, numClasses);
  }
}
