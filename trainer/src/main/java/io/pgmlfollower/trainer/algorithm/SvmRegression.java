package io.pgmlfollower.trainer.algorithm;

import static java.util.Objects.requireNonNull;

import java.io.Serializable;
import java.util.HashSet;
import java.util.Set;

/**
 * Regression {@code svm}: ε-support vector regression as scikit-learn's SVR, which is libsvm's
 * (https://www.csie.ntu.edu.tw/~cjlin/libsvm/, {@code solve_epsilon_svr}): the dual over 2l
 * variables α, α* solved by {@link SmoSolver}, predicting Σ (αᵢ − αᵢ*) K(xᵢ, x) − rho. Defaults are
 * SVR's: {@code epsilon} 0.1 (the insensitive tube's half-width), {@code C} 1.0, {@code kernel}
 * rbf, {@code gamma} 'scale', {@code degree} 3, {@code coef0} 0, {@code tol} 1e-3, {@code max_iter}
 * −1 (see {@link SvmKernel}). Neither features nor target are scaled, as SVR does not: with the
 * default C an rbf model cannot move far from its intercept, so targets of a large range need a
 * larger C (or a scaled target).
 */
final class SvmRegression implements RegressionAlgorithm {
  private static final String EPSILON = "epsilon";

  @Override
  public String name() {
    return "svm";
  }

  @Override
  public Set<String> hyperparameterNames() {
    Set<String> names = new HashSet<>(SvmKernel.HYPERPARAMETERS);
    names.addAll(
        Set.of(EPSILON, SmoSolver.Options.C, SmoSolver.Options.TOL, SmoSolver.Options.MAX_ITER));
    return Set.copyOf(names);
  }

  @Override
  public RegressionEstimator fit(
      double[][] x, double[] y, HyperParameters hyperparameters, long seed) {
    SvmKernel kernel = SvmKernel.of(hyperparameters, x);
    SmoSolver.Options options = SmoSolver.Options.of(hyperparameters);
    double epsilon = hyperparameters.doubleValue(EPSILON, 0.1, 0, true, Double.MAX_VALUE);
    int l = x.length;
    double[] linear = new double[2 * l];
    byte[] sign = new byte[2 * l];
    for (int i = 0; i < l; i++) {
      linear[i] = epsilon - y[i];
      sign[i] = 1;
      linear[i + l] = epsilon + y[i];
      sign[i + l] = -1;
    }
    SmoSolver.Solution solution =
        SmoSolver.solve(SmoSolver.regression(kernel, x), linear, sign, options);
    int support = 0;
    for (int i = 0; i < l; i++) {
      if (solution.alpha()[i] - solution.alpha()[i + l] != 0) {
        support++;
      }
    }
    double[][] vectors = new double[support][];
    double[] coefficients = new double[support];
    int next = 0;
    for (int i = 0; i < l; i++) {
      double coefficient = solution.alpha()[i] - solution.alpha()[i + l];
      if (coefficient != 0) {
        vectors[next] = x[i].clone();
        coefficients[next++] = coefficient;
      }
    }
    return new Model(kernel, vectors, coefficients, solution.rho());
  }

  @Override
  public RegressionEstimator restore(Object artifact) {
    if (!(artifact instanceof Object[] parts)
        || parts.length != 5
        || !(parts[2] instanceof double[][] vectors)
        || !(parts[3] instanceof double[] coefficients)
        || !(parts[4] instanceof double[] rho)
        || rho.length != 1) {
      throw new IllegalArgumentException("expected an SVM regressor");
    }
    return new Model(SvmKernel.restore(parts[0], parts[1]), vectors, coefficients, rho[0]);
  }

  /** The support vectors, their coefficients αᵢ − αᵢ* and the offset; immutable. */
  private record Model(SvmKernel kernel, double[][] vectors, double[] coefficients, double rho)
      implements RegressionEstimator {
    /** A scan of the stored rows (or support vectors) per prediction: not for the event loop. */
    @Override
    public boolean predictsQuickly() {
      return false;
    }

    Model {
      requireNonNull(kernel, "kernel is null");
      if (vectors.length != coefficients.length) {
        throw new IllegalArgumentException("inconsistent SVM regressor");
      }
    }

    @Override
    public double predict(double[] features) {
      double sum = 0;
      for (int s = 0; s < vectors.length; s++) {
        sum += coefficients[s] * kernel.apply(features, vectors[s]);
      }
      return sum - rho;
    }

    /** Primitive arrays and a String only: what the artifact codec admits. */
    @Override
    public Serializable artifact() {
      Object[] kernelParts = kernel.artifact();
      return new Object[] {
        kernelParts[0], kernelParts[1], vectors, coefficients, new double[] {rho}
      };
    }
  }
}
