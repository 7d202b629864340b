package io.pgmlfollower.trainer.algorithm;

import static java.util.Objects.requireNonNull;

import java.io.Serializable;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * Classification {@code svm}: a C-support vector classifier as scikit-learn's SVC, which is libsvm
 * (https://www.csie.ntu.edu.tw/~cjlin/libsvm/): one-vs-one, a binary SVM per pair of classes solved
 * by {@link SmoSolver}, the predicted class the one with most pairwise votes (ties to the lower
 * class index, as libsvm). Defaults are SVC's: {@code C} 1.0, {@code kernel} rbf, {@code gamma}
 * 'scale', {@code degree} 3, {@code coef0} 0, {@code tol} 1e-3, {@code max_iter} −1 (see {@link
 * SvmKernel}). Features are not standardized, as SVC does not scale them.
 *
 * <p>Probabilities are libsvm's (see {@link PlattScaling}): a Platt sigmoid per pair, coupled over
 * the pairs for more than two classes; the returned class is still the vote winner, as SVC's {@code
 * predict}, even where the probabilities rank another class first. Unlike libsvm, which fits each
 * sigmoid on decision values from an internal 5-fold cross-validation (random folds, five more
 * trainings), the sigmoids are fitted on the training rows' own decision values: no randomness and
 * no extra cost, but the training values are more confident than held-out ones. Classes absent from
 * the training rows get probability 0 and never win; with a single class present, it is always
 * predicted.
 */
final class SvmClassification implements ClassificationAlgorithm {
  @Override
  public String name() {
    return "svm";
  }

  @Override
  public Set<String> hyperparameterNames() {
    Set<String> names = new HashSet<>(SvmKernel.HYPERPARAMETERS);
    names.addAll(Set.of(SmoSolver.Options.C, SmoSolver.Options.TOL, SmoSolver.Options.MAX_ITER));
    return Set.copyOf(names);
  }

  @Override
  public ClassificationEstimator fit(
      double[][] x, int[] y, int numClasses, HyperParameters hyperparameters, long seed) {
    SvmKernel kernel = SvmKernel.of(hyperparameters, x);
    SmoSolver.Options options = SmoSolver.Options.of(hyperparameters);
    int[] classes = Arrays.stream(y).distinct().sorted().toArray();
    int k = classes.length;
    // The rows grouped by class, each group in training order, as libsvm's svm_group_classes.
    int[] count = new int[k];
    for (int label : y) {
      count[Arrays.binarySearch(classes, label)]++;
    }
    int[] start = new int[k];
    for (int c = 1; c < k; c++) {
      start[c] = start[c - 1] + count[c - 1];
    }
    double[][] grouped = new double[y.length][];
    int[] filled = start.clone();
    for (int i = 0; i < y.length; i++) {
      grouped[filled[Arrays.binarySearch(classes, y[i])]++] = x[i];
    }

    int pairs = k * (k - 1) / 2;
    double[][] coefficients = new double[pairs][];
    double[] rho = new double[pairs];
    double[] probA = new double[pairs];
    double[] probB = new double[pairs];
    boolean[] support = new boolean[y.length];
    int pair = 0;
    for (int i = 0; i < k; i++) {
      for (int j = i + 1; j < k; j++) {
        int n = count[i] + count[j];
        double[][] rows = new double[n][];
        System.arraycopy(grouped, start[i], rows, 0, count[i]);
        System.arraycopy(grouped, start[j], rows, count[i], count[j]);
        byte[] sign = new byte[n];
        Arrays.fill(sign, 0, count[i], (byte) 1);
        Arrays.fill(sign, count[i], n, (byte) -1);
        double[] minusOnes = new double[n];
        Arrays.fill(minusOnes, -1);
        SmoSolver.Solution solution =
            SmoSolver.solve(SmoSolver.classification(kernel, rows, sign), minusOnes, sign, options);
        double[] coefficient = new double[n];
        double[] decision = new double[n];
        boolean[] positive = new boolean[n];
        for (int t = 0; t < n; t++) {
          coefficient[t] = solution.alpha()[t] * sign[t];
          // ∇ = Qα − 1, so Σₛ yₛαₛK(xₛ, xₜ) = yₜ(∇ₜ + 1): the training decision values for free.
          decision[t] = sign[t] * (solution.gradient()[t] + 1) - solution.rho();
          positive[t] = sign[t] > 0;
          if (coefficient[t] != 0) {
            support[t < count[i] ? start[i] + t : start[j] + t - count[i]] = true;
          }
        }
        coefficients[pair] = coefficient;
        rho[pair] = solution.rho();
        double[] sigmoid = PlattScaling.fit(decision, positive);
        probA[pair] = sigmoid[0];
        probB[pair] = sigmoid[1];
        pair++;
      }
    }
    return Model.of(
        kernel,
        classes,
        count,
        start,
        grouped,
        support,
        coefficients,
        rho,
        probA,
        probB,
        numClasses);
  }

  @Override
  public ClassificationEstimator restore(Object artifact, int numClasses) {
    if (!(artifact instanceof Object[] parts)
        || parts.length != 9
        || !(parts[0] instanceof int[] classes)
        || !(parts[3] instanceof double[][] vectors)
        || !(parts[4] instanceof int[] supportCount)
        || !(parts[5] instanceof double[][] coefficients)
        || !(parts[6] instanceof double[] rho)
        || !(parts[7] instanceof double[] probA)
        || !(parts[8] instanceof double[] probB)) {
      throw new IllegalArgumentException("expected an SVM classifier");
    }
    return new Model(
        SvmKernel.restore(parts[1], parts[2]),
        classes,
        vectors,
        supportCount,
        coefficients,
        rho,
        probA,
        probB,
        numClasses);
  }

  /**
   * libsvm's model layout: the support vectors of all pairs, grouped by class ({@code supportCount}
   * per class); for the pair (i, j), i &lt; j, the coefficients of class i's vectors are in row j −
   * 1 of {@code coefficients} and those of class j's in row i. Immutable.
   */
  private record Model(
      SvmKernel kernel,
      int[] classes,
      double[][] vectors,
      int[] supportCount,
      double[][] coefficients,
      double[] rho,
      double[] probA,
      double[] probB,
      int numClasses)
      implements ClassificationEstimator {
    /** A scan of the stored rows (or support vectors) per prediction: not for the event loop. */
    @Override
    public boolean predictsQuickly() {
      return false;
    }

    Model {
      requireNonNull(kernel, "kernel is null");
      int k = classes.length;
      for (int label : classes) {
        if (label < 0 || label >= numClasses) {
          throw new IllegalArgumentException(
              "class %d outside 0..%d".formatted(label, numClasses - 1));
        }
      }
      int pairs = k * (k - 1) / 2;
      if (k == 0
          || supportCount.length != k
          || Arrays.stream(supportCount).sum() != vectors.length
          || coefficients.length != Math.max(k - 1, 0)
          || rho.length != pairs
          || probA.length != pairs
          || probB.length != pairs
          || Arrays.stream(coefficients).anyMatch(row -> row.length != vectors.length)) {
        throw new IllegalArgumentException("inconsistent SVM classifier");
      }
    }

    /** Keeps the training rows that are a support vector of some pair (copies: immutable). */
    static Model of(
        SvmKernel kernel,
        int[] classes,
        int[] count,
        int[] start,
        double[][] grouped,
        boolean[] support,
        double[][] pairCoefficients,
        double[] rho,
        double[] probA,
        double[] probB,
        int numClasses) {
      int k = classes.length;
      int[] supportCount = new int[k];
      int[] supportStart = new int[k];
      int total = 0;
      for (int c = 0; c < k; c++) {
        supportStart[c] = total;
        for (int t = 0; t < count[c]; t++) {
          if (support[start[c] + t]) {
            supportCount[c]++;
          }
        }
        total += supportCount[c];
      }
      double[][] vectors = new double[total][];
      int next = 0;
      for (int i = 0; i < grouped.length; i++) {
        if (support[i]) {
          vectors[next++] = grouped[i].clone();
        }
      }
      double[][] coefficients = new double[Math.max(k - 1, 0)][total];
      int pair = 0;
      for (int i = 0; i < k; i++) {
        for (int j = i + 1; j < k; j++) {
          double[] alpha = pairCoefficients[pair++];
          int q = supportStart[i];
          for (int t = 0; t < count[i]; t++) {
            if (support[start[i] + t]) {
              coefficients[j - 1][q++] = alpha[t];
            }
          }
          q = supportStart[j];
          for (int t = 0; t < count[j]; t++) {
            if (support[start[j] + t]) {
              coefficients[i][q++] = alpha[count[i] + t];
            }
          }
        }
      }
      return new Model(
          kernel, classes, vectors, supportCount, coefficients, rho, probA, probB, numClasses);
    }

    @Override
    public int predict(double[] features, double[] probabilities) {
      int k = classes.length;
      Arrays.fill(probabilities, 0.0);
      if (k == 1) {
        probabilities[classes[0]] = 1.0;
        return classes[0];
      }
      double[] kernelValues = new double[vectors.length];
      for (int s = 0; s < vectors.length; s++) {
        kernelValues[s] = kernel.apply(features, vectors[s]);
      }
      int[] votes = new int[k];
      double[] pairwise = new double[k * k];
      int pair = 0;
      int from = 0;
      for (int i = 0; i < k; i++) {
        int fromJ = from + supportCount[i];
        for (int j = i + 1; j < k; j++) {
          double sum = 0;
          for (int s = from; s < from + supportCount[i]; s++) {
            sum += coefficients[j - 1][s] * kernelValues[s];
          }
          for (int s = fromJ; s < fromJ + supportCount[j]; s++) {
            sum += coefficients[i][s] * kernelValues[s];
          }
          double decision = sum - rho[pair];
          votes[decision > 0 ? i : j]++;
          double p = PlattScaling.probability(decision, probA[pair], probB[pair]);
          pairwise[i * k + j] = p;
          pairwise[j * k + i] = 1 - p;
          pair++;
          fromJ += supportCount[j];
        }
        from += supportCount[i];
      }
      int winner = 0;
      for (int c = 1; c < k; c++) {
        if (votes[c] > votes[winner]) {
          winner = c;
        }
      }
      if (k == 2) {
        probabilities[classes[0]] = pairwise[1];
        probabilities[classes[1]] = pairwise[2];
      } else {
        double[] coupled = new double[k];
        PlattScaling.couple(k, pairwise, coupled, new double[k * k], new double[k]);
        for (int c = 0; c < k; c++) {
          probabilities[classes[c]] = coupled[c];
        }
      }
      return classes[winner];
    }

    /** Primitive arrays and a String only: what the artifact codec admits. */
    @Override
    public Serializable artifact() {
      Object[] kernelParts = kernel.artifact();
      return new Object[] {
        classes,
        kernelParts[0],
        kernelParts[1],
        vectors,
        supportCount,
        coefficients,
        rho,
        probA,
        probB
      };
    }
  }
}
