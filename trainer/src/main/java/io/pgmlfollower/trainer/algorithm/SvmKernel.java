package io.pgmlfollower.trainer.algorithm;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import java.util.Set;

/**
 * A kernel of scikit-learn's SVC and SVR under its names and defaults: {@code kernel} rbf (default)
 * exp(−γ‖a − b‖²), linear a·b, poly (γ a·b + coef0)^degree, sigmoid tanh(γ a·b + coef0); {@code
 * gamma} 'scale' (default, 1 / (n_features · X.var()) with the variance over every value of the
 * training matrix, 1 when that is 0), 'auto' (1 / n_features) or a positive number; {@code degree}
 * 3; {@code coef0} 0. Immutable; the resolved γ is what a stored model keeps.
 *
 * @param degree a whole number, kept as a double for the artifact's parameter array
 */
record SvmKernel(Type type, double gamma, double degree, double coef0) {
  static final String KERNEL = "kernel";
  static final String GAMMA = "gamma";
  static final String DEGREE = "degree";
  static final String COEF0 = "coef0";
  static final Set<String> HYPERPARAMETERS = Set.of(KERNEL, GAMMA, DEGREE, COEF0);

  enum Type {
    LINEAR,
    POLY,
    RBF,
    SIGMOID;

    String sqlName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  SvmKernel {
    requireNonNull(type, "type is null");
  }

  /** The kernel the hyperparameters ask for, its γ resolved on the training rows {@code x}. */
  static SvmKernel of(HyperParameters hyperparameters, double[][] x) {
    String kernel =
        hyperparameters.choice(KERNEL, "rbf", Set.of("rbf", "linear", "poly", "sigmoid"));
    String named = hyperparameters.choiceOrNumber(GAMMA, "scale", Set.of("scale", "auto"));
    int features = x[0].length;
    double gamma =
        switch (named == null ? "number" : named) {
          case "scale" -> {
            double variance = variance(x);
            yield variance == 0 ? 1.0 : 1.0 / (features * variance);
          }
          case "auto" -> 1.0 / features;
          default -> hyperparameters.doubleValue(GAMMA, 0, 0, false, Double.MAX_VALUE);
        };
    return new SvmKernel(
        Type.valueOf(kernel.toUpperCase(Locale.ROOT)),
        gamma,
        hyperparameters.intValue(DEGREE, 3, 0, 100),
        hyperparameters.doubleValue(COEF0, 0.0, -Double.MAX_VALUE, true, Double.MAX_VALUE));
  }

  /** numpy's {@code X.var()}: over all values, ddof 0, two passes for accuracy. */
  private static double variance(double[][] x) {
    double sum = 0;
    long count = 0;
    for (double[] row : x) {
      for (double value : row) {
        sum += value;
      }
      count += row.length;
    }
    double mean = sum / count;
    double squares = 0;
    for (double[] row : x) {
      for (double value : row) {
        squares += (value - mean) * (value - mean);
      }
    }
    return squares / count;
  }

  double apply(double[] a, double[] b) {
    return switch (type) {
      case LINEAR -> dot(a, b);
      case POLY -> Math.pow(gamma * dot(a, b) + coef0, degree);
      case RBF -> {
        double sum = 0;
        for (int j = 0; j < a.length; j++) {
          double d = a[j] - b[j];
          sum += d * d;
        }
        yield Math.exp(-gamma * sum);
      }
      case SIGMOID -> Math.tanh(gamma * dot(a, b) + coef0);
    };
  }

  private static double dot(double[] a, double[] b) {
    double sum = 0;
    for (int j = 0; j < a.length; j++) {
      sum += a[j] * b[j];
    }
    return sum;
  }

  /** For the artifact: the kernel's name (a java.lang.String) and {γ, degree, coef0}. */
  Object[] artifact() {
    return new Object[] {type.sqlName(), new double[] {gamma, degree, coef0}};
  }

  static SvmKernel restore(Object name, Object parameters) {
    if (!(name instanceof String text)
        || !(parameters instanceof double[] values)
        || values.length != 3) {
      throw new IllegalArgumentException("expected an SVM kernel and its parameters");
    }
    return new SvmKernel(
        Type.valueOf(text.toUpperCase(Locale.ROOT)), values[0], values[1], values[2]);
  }
}
