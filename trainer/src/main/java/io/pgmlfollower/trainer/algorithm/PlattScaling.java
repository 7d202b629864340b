package io.pgmlfollower.trainer.algorithm;

/**
 * Class probabilities from SVM decision values, as libsvm computes them
 * (https://www.csie.ntu.edu.tw/~cjlin/papers/libsvm.pdf, section 8): per pair of classes a Platt
 * sigmoid P(first class | f) = 1 / (1 + exp(A·f + B)) fitted by libsvm's {@code sigmoid_train}
 * (Lin, Lin and Weng, "A note on Platt's probabilistic outputs for support vector machines", 2007:
 * Newton's method with backtracking on the regularized targets), and for more than two classes the
 * pairwise probabilities coupled by libsvm's {@code multiclass_probability} (Wu, Lin and Weng,
 * "Probability estimates for multi-class classification by pairwise coupling", JMLR 2004, method
 * 2).
 */
final class PlattScaling {
  /** libsvm clips pairwise probabilities away from 0 and 1 before coupling. */
  private static final double MIN_PROBABILITY = 1e-7;

  private PlattScaling() {}

  /**
   * libsvm's {@code sigmoid_train}.
   *
   * @param positive whether row i belongs to the pair's first class (libsvm's label +1)
   * @return {A, B}
   */
  static double[] fit(double[] decision, boolean[] positive) {
    int n = decision.length;
    double prior1 = 0;
    for (boolean label : positive) {
      prior1 += label ? 1 : 0;
    }
    double prior0 = n - prior1;
    int maxIter = 100;
    double minStep = 1e-10;
    double sigma = 1e-12;
    double eps = 1e-5;
    // Platt's targets: the labels pulled toward ½ by one pseudo-observation of each class.
    double hiTarget = (prior1 + 1) / (prior1 + 2);
    double loTarget = 1 / (prior0 + 2);
    double[] target = new double[n];
    for (int i = 0; i < n; i++) {
      target[i] = positive[i] ? hiTarget : loTarget;
    }
    double a = 0;
    double b = Math.log((prior0 + 1) / (prior1 + 1));
    double value = objective(decision, target, a, b);
    for (int iter = 0; iter < maxIter; iter++) {
      double h11 = sigma;
      double h22 = sigma;
      double h21 = 0;
      double g1 = 0;
      double g2 = 0;
      for (int i = 0; i < n; i++) {
        double fApB = decision[i] * a + b;
        double p;
        double q;
        // Written so that exp never overflows (the 2007 note's stable form).
        if (fApB >= 0) {
          p = Math.exp(-fApB) / (1.0 + Math.exp(-fApB));
          q = 1.0 / (1.0 + Math.exp(-fApB));
        } else {
          p = 1.0 / (1.0 + Math.exp(fApB));
          q = Math.exp(fApB) / (1.0 + Math.exp(fApB));
        }
        double d2 = p * q;
        h11 += decision[i] * decision[i] * d2;
        h22 += d2;
        h21 += decision[i] * d2;
        double d1 = target[i] - p;
        g1 += decision[i] * d1;
        g2 += d1;
      }
      if (Math.abs(g1) < eps && Math.abs(g2) < eps) {
        break;
      }
      double det = h11 * h22 - h21 * h21;
      double dA = -(h22 * g1 - h21 * g2) / det;
      double dB = -(-h21 * g1 + h11 * g2) / det;
      double gd = g1 * dA + g2 * dB;
      double step = 1;
      while (step >= minStep) {
        double newA = a + step * dA;
        double newB = b + step * dB;
        double newValue = objective(decision, target, newA, newB);
        if (newValue < value + 0.0001 * step * gd) {
          a = newA;
          b = newB;
          value = newValue;
          break;
        }
        step /= 2.0;
      }
      if (step < minStep) {
        break; // the line search failed: libsvm keeps what it has
      }
    }
    return new double[] {a, b};
  }

  private static double objective(double[] decision, double[] target, double a, double b) {
    double value = 0;
    for (int i = 0; i < decision.length; i++) {
      double fApB = decision[i] * a + b;
      value +=
          fApB >= 0
              ? target[i] * fApB + Math.log1p(Math.exp(-fApB))
              : (target[i] - 1) * fApB + Math.log1p(Math.exp(fApB));
    }
    return value;
  }

  /** libsvm's {@code sigmoid_predict}, clipped to [1e-7, 1 − 1e-7] as its pairwise step does. */
  static double probability(double decision, double a, double b) {
    double fApB = decision * a + b;
    double p = fApB >= 0 ? Math.exp(-fApB) / (1.0 + Math.exp(-fApB)) : 1.0 / (1 + Math.exp(fApB));
    return Math.min(Math.max(p, MIN_PROBABILITY), 1 - MIN_PROBABILITY);
  }

  /**
   * libsvm's {@code multiclass_probability}: the p minimizing Σᵢ Σⱼ≠ᵢ (rⱼᵢpᵢ − rᵢⱼpⱼ)² on the
   * simplex, by its fixed-point iteration.
   *
   * @param r rᵢⱼ = P(i | i or j) at {@code r[i * k + j]}
   * @param p filled with the k probabilities
   * @param q scratch of k × k
   * @param qp scratch of k
   */
  static void couple(int k, double[] r, double[] p, double[] q, double[] qp) {
    int maxIter = Math.max(100, k);
    double eps = 0.005 / k;
    for (int t = 0; t < k; t++) {
      p[t] = 1.0 / k;
      q[t * k + t] = 0;
      for (int j = 0; j < t; j++) {
        q[t * k + t] += r[j * k + t] * r[j * k + t];
        q[t * k + j] = q[j * k + t];
      }
      for (int j = t + 1; j < k; j++) {
        q[t * k + t] += r[j * k + t] * r[j * k + t];
        q[t * k + j] = -r[j * k + t] * r[t * k + j];
      }
    }
    for (int iter = 0; iter < maxIter; iter++) {
      double pQp = 0;
      for (int t = 0; t < k; t++) {
        qp[t] = 0;
        for (int j = 0; j < k; j++) {
          qp[t] += q[t * k + j] * p[j];
        }
        pQp += p[t] * qp[t];
      }
      double maxError = 0;
      for (int t = 0; t < k; t++) {
        maxError = Math.max(maxError, Math.abs(qp[t] - pQp));
      }
      if (maxError < eps) {
        break;
      }
      for (int t = 0; t < k; t++) {
        double diff = (-qp[t] + pQp) / q[t * k + t];
        p[t] += diff;
        pQp = (pQp + diff * (diff * q[t * k + t] + 2 * qp[t])) / (1 + diff) / (1 + diff);
        for (int j = 0; j < k; j++) {
          qp[j] = (qp[j] + diff * q[t * k + j]) / (1 + diff);
          p[j] /= (1 + diff);
        }
      }
    }
  }
}
