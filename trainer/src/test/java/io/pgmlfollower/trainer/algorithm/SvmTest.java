package io.pgmlfollower.trainer.algorithm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.pgmlfollower.trainer.Task;
import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import io.pgmlfollower.trainer.registry.ArtifactCodec;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code svm} against scikit-learn 1.2.1 (Debian python3-sklearn) on small data sets that both
 * sides generate exactly: a linear congruential generator whose values are integers over 2³¹, so
 * every feature is the same double in Java and in NumPy. The reference values were computed once,
 * offline, by this Python snippet (the printed numbers are pasted below):
 *
 * <pre>
 * import numpy as np
 * from sklearn.svm import SVC, SVR
 * from sklearn.calibration import _sigmoid_calibration
 * def lcg(seed, n):
 *     s = seed; out = []
 *     for _ in range(n):
 *         s = (s * 1103515245 + 12345) % 2**31
 *         out.append(s / 2**31)
 *     return out
 * def data(seed, rows):
 *     u = lcg(seed, 3 * rows)
 *     x = np.array([[4 * u[3*i] - 2, 4 * u[3*i+1] - 2] for i in range(rows)])
 *     return x, np.array([u[3*i+2] for i in range(rows)])
 * probes = np.array([[0.0, 0.0], [1.0, 0.5], [-1.5, 1.0], [0.7, -1.2], [1.9, 1.9], [-0.3, 0.8]])
 * # circle: binary, rbf, defaults
 * x, u = data(1, 60)
 * y = np.where(x[:,0]**2 + x[:,1]**2 &lt; 1.8, 1, 0)
 * m = SVC().fit(x, y); m.decision_function(probes), m.predict(probes), m.n_support_
 * # linear kernel
 * yl = np.where(x[:,0] - 0.5*x[:,1] + 0.6*(u - 0.5) &gt; 0.2, 1, 0)
 * ml = SVC(kernel="linear", C=0.5).fit(x, yl); ml.support_, ml.dual_coef_, ml.intercept_, ml.coef_
 * # three classes
 * x3, u3 = data(2, 90)
 * y3 = np.array([0 if a + 0.5*(v-0.5) &lt; -0.6 else (1 if a + 0.5*(v-0.5) &lt; 0.6 else 2)
 *                for (a, b), v in zip(x3, u3)])
 * y3 = np.where((x3[:,1] &gt; 1.2) &amp; (y3 == 1), 2, y3)
 * grid = np.array([[a, b] for a in np.linspace(-2, 2, 9) for b in np.linspace(-2, 2, 9)])
 * m3 = SVC().fit(x3, y3); m3.predict(grid), m3.n_support_
 * SVC(decision_function_shape="ovo").fit(x3, y3).decision_function(probes)
 * SVC(kernel="poly", gamma="auto", coef0=1.0, C=2.0).fit(x3, y3).predict(grid)
 * # regression
 * xr, ur = data(3, 50)
 * yr = xr[:,0]**2 - xr[:,1] + 0.2*(ur - 0.5)
 * r = SVR().fit(xr, yr); r.predict(probes), len(r.support_), r.intercept_
 * SVR(kernel="linear", epsilon=0.2, C=3.0, tol=1e-7).fit(xr, yr).predict(probes)
 * # Platt's sigmoid (scikit-learn's own implementation, same regularized targets)
 * f = np.array([2*a - 1 for a in lcg(4, 40)])
 * lab = np.array([1 if (a + 0.3*b) &gt; 0.1 else 0 for a, b in zip(f, lcg(5, 40))])
 * _sigmoid_calibration(f, lab)
 * </pre>
 */
class SvmTest {
  private static final double[][] PROBES = {
    {0.0, 0.0}, {1.0, 0.5}, {-1.5, 1.0}, {0.7, -1.2}, {1.9, 1.9}, {-0.3, 0.8}
  };

  private final ClassificationAlgorithm svc =
      (ClassificationAlgorithm) AlgorithmCatalog.find(Task.CLASSIFICATION, "svm");
  private final RegressionAlgorithm svr =
      (RegressionAlgorithm) AlgorithmCatalog.find(Task.REGRESSION, "svm");

  private static double[] lcg(long seed, int n) {
    double[] out = new double[n];
    long s = seed;
    for (int i = 0; i < n; i++) {
      s = (s * 1103515245L + 12345L) % (1L << 31);
      out[i] = s / (double) (1L << 31);
    }
    return out;
  }

  /** The features of {@code data(seed, rows)}; the third uniform of each row is {@link #noise}. */
  private static double[][] features(long seed, int rows) {
    double[] u = lcg(seed, 3 * rows);
    double[][] x = new double[rows][];
    for (int i = 0; i < rows; i++) {
      x[i] = new double[] {4 * u[3 * i] - 2, 4 * u[3 * i + 1] - 2};
    }
    return x;
  }

  private static double[] noise(long seed, int rows) {
    double[] u = lcg(seed, 3 * rows);
    double[] v = new double[rows];
    for (int i = 0; i < rows; i++) {
      v[i] = u[3 * i + 2];
    }
    return v;
  }

  private HyperParameters classification(Map<String, Object> given) {
    return HyperParameters.of(svc, given);
  }

  /** libsvm's decision values per pair, from the artifact (scikit-learn's "ovo" shape). */
  private static double[] decisionValues(ClassificationEstimator estimator, double[] features) {
    Object[] parts = (Object[]) estimator.artifact();
    SvmKernel kernel = SvmKernel.restore(parts[1], parts[2]);
    double[][] vectors = (double[][]) parts[3];
    int[] supportCount = (int[]) parts[4];
    double[][] coefficients = (double[][]) parts[5];
    double[] rho = (double[]) parts[6];
    int k = supportCount.length;
    int[] start = new int[k];
    for (int c = 1; c < k; c++) {
      start[c] = start[c - 1] + supportCount[c - 1];
    }
    double[] values = new double[rho.length];
    int pair = 0;
    for (int i = 0; i < k; i++) {
      for (int j = i + 1; j < k; j++) {
        double sum = -rho[pair];
        for (int s = start[i]; s < start[i] + supportCount[i]; s++) {
          sum += coefficients[j - 1][s] * kernel.apply(features, vectors[s]);
        }
        for (int s = start[j]; s < start[j] + supportCount[j]; s++) {
          sum += coefficients[i][s] * kernel.apply(features, vectors[s]);
        }
        values[pair++] = sum;
      }
    }
    return values;
  }

  private static int[] circleLabels(double[][] x) {
    return Arrays.stream(x).mapToInt(r -> r[0] * r[0] + r[1] * r[1] < 1.8 ? 1 : 0).toArray();
  }

  @Test
  void rbfClassifierMatchesScikitLearnsSvc() {
    double[][] x = features(1, 60);
    ClassificationEstimator fitted = svc.fit(x, circleLabels(x), 2, classification(Map.of()), 1);

    // scikit-learn's binary decision_function is libsvm's negated (positive: the second class).
    double[] expected = {
      2.0093287474101835, 0.1924177376690197, -1.3999967396286905,
      -0.44430751382474665, -1.5593805054868985, 0.9612038536389667
    };
    int[] expectedClass = {1, 1, 0, 0, 0, 1};
    for (int p = 0; p < PROBES.length; p++) {
      assertThat(-decisionValues(fitted, PROBES[p])[0])
          .as("probe %d", p)
          .isCloseTo(expected[p], within(1e-3));
      double[] probabilities = new double[2];
      assertThat(fitted.predict(PROBES[p], probabilities))
          .as("probe %d", p)
          .isEqualTo(expectedClass[p]);
      assertThat(probabilities[0] + probabilities[1]).isCloseTo(1.0, within(1e-12));
    }
    assertThat((int[]) ((Object[]) fitted.artifact())[4]).containsExactly(16, 16);
  }

  @Test
  void linearKernelDualCoefficientsMatchScikitLearns() {
    double[][] x = features(1, 60);
    double[] u = noise(1, 60);
    int[] y = new int[60];
    for (int i = 0; i < 60; i++) {
      y[i] = x[i][0] - 0.5 * x[i][1] + 0.6 * (u[i] - 0.5) > 0.2 ? 1 : 0;
    }
    ClassificationEstimator fitted =
        svc.fit(x, y, 2, classification(Map.of("kernel", "linear", "C", 0.5)), 1);

    int[] support = {1, 5, 12, 24, 28, 40, 47, 50, 55, 11, 22, 30, 41, 44, 52, 56, 57};
    double[] dual = {
      -0.048226528529052716,
      -0.5,
      -0.5,
      -0.5,
      -0.36498961798461504,
      -0.5,
      -0.5,
      -0.5,
      -0.5,
      0.5,
      0.5,
      0.5,
      0.5,
      0.41321614651366795,
      0.5,
      0.5,
      0.5
    };
    Object[] parts = (Object[]) fitted.artifact();
    double[][] vectors = (double[][]) parts[3];
    double[] coefficients = ((double[][]) parts[5])[0];
    assertThat(vectors.length).isEqualTo(support.length);
    for (int s = 0; s < support.length; s++) {
      assertThat(vectors[s]).as("support vector %d", s).isEqualTo(x[support[s]]);
      // Negated for scikit-learn's binary sign convention, as its intercept_ is −(−rho).
      assertThat(-coefficients[s]).as("dual coefficient %d", s).isCloseTo(dual[s], within(1e-3));
    }
    assertThat(((double[]) parts[6])[0]).isCloseTo(0.11050110798438235, within(1e-3));
    // coef_ = Σ dual · support vector: (2.1321, −0.7848).
    double[] w = new double[2];
    for (int s = 0; s < support.length; s++) {
      w[0] -= coefficients[s] * vectors[s][0];
      w[1] -= coefficients[s] * vectors[s][1];
    }
    assertThat(w[0]).isCloseTo(2.132114214582551, within(1e-3));
    assertThat(w[1]).isCloseTo(-0.784775805272172, within(1e-3));
  }

  private static int[] threeClasses(double[][] x, double[] u) {
    int[] y = new int[x.length];
    for (int i = 0; i < x.length; i++) {
      double a = x[i][0] + 0.5 * (u[i] - 0.5);
      y[i] = a < -0.6 ? 0 : a < 0.6 ? 1 : 2;
      if (x[i][1] > 1.2 && y[i] == 1) {
        y[i] = 2;
      }
    }
    return y;
  }

  private static double[][] grid() {
    double[][] grid = new double[81][];
    for (int a = 0; a < 9; a++) {
      for (int b = 0; b < 9; b++) {
        grid[a * 9 + b] = new double[] {-2 + 0.5 * a, -2 + 0.5 * b};
      }
    }
    return grid;
  }

  private static final int[] THREE_RBF = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1,
    1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2
  };

  private static final int[] THREE_POLY = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1,
    1, 1, 1, 2, 2, 1, 1, 1, 1, 1, 1, 1, 2, 2, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2
  };

  @Test
  void threeClassesVoteOneVersusOneAsScikitLearn() {
    double[][] x = features(2, 90);
    int[] y = threeClasses(x, noise(2, 90));
    ClassificationEstimator fitted = svc.fit(x, y, 3, classification(Map.of()), 1);
    double[][] grid = grid();
    double[] probabilities = new double[3];
    for (int g = 0; g < grid.length; g++) {
      assertThat(fitted.predict(grid[g], probabilities))
          .as("grid point %d", g)
          .isEqualTo(THREE_RBF[g]);
      assertThat(probabilities[0] + probabilities[1] + probabilities[2])
          .isCloseTo(1.0, within(1e-9));
    }
    assertThat((int[]) ((Object[]) fitted.artifact())[4]).containsExactly(15, 20, 14);
    // decision_function_shape="ovo": pairs (0, 1), (0, 2), (1, 2) per probe, libsvm's sign.
    double[] ovo = {
      -1.3460128520800176, -0.030495902308098687, 1.5037091358757535,
      -1.2888302026143874, -1.2884312963601594, -1.0458659321071022,
      1.6327698654730423, 1.2778290173798303, 1.009794870877958,
      -1.5298862793311265, -0.8014475583313073, -0.1985087326229234,
      0.0275456562642179, -0.8664468273908593, -1.1854663756010528,
      -0.8024160186607528, 0.12783954886874876, 1.2307517707389128
    };
    for (int p = 0; p < PROBES.length; p++) {
      double[] values = decisionValues(fitted, PROBES[p]);
      for (int pair = 0; pair < 3; pair++) {
        assertThat(values[pair])
            .as("probe %d pair %d", p, pair)
            .isCloseTo(ovo[3 * p + pair], within(1e-3));
      }
    }

    ClassificationEstimator poly =
        svc.fit(
            x,
            y,
            3,
            classification(Map.of("kernel", "poly", "gamma", "auto", "coef0", 1.0, "C", 2.0)),
            1);
    for (int g = 0; g < grid.length; g++) {
      assertThat(poly.predict(grid[g], probabilities))
          .as("grid point %d", g)
          .isEqualTo(THREE_POLY[g]);
    }
  }

  @Test
  void regressionMatchesScikitLearnsSvr() {
    double[][] x = features(3, 50);
    double[] u = noise(3, 50);
    double[] y = new double[50];
    for (int i = 0; i < 50; i++) {
      y[i] = x[i][0] * x[i][0] - x[i][1] + 0.2 * (u[i] - 0.5);
    }
    RegressionEstimator fitted = svr.fit(x, y, HyperParameters.of(svr, Map.of()), 1);
    double[] expected = {
      -0.06641304634137302, 0.6377957016470468, 1.1320527165950072,
      1.8562890373448497, 1.710522191622298, -0.8652493614066992
    };
    for (int p = 0; p < PROBES.length; p++) {
      assertThat(fitted.predict(PROBES[p])).as("probe %d", p).isCloseTo(expected[p], within(1e-3));
    }
    Object[] parts = (Object[]) fitted.artifact();
    assertThat(((double[][]) parts[2]).length).isEqualTo(33);
    assertThat(-((double[]) parts[4])[0]).isCloseTo(1.8934416387209665, within(1e-3));

    // A tight tol: at the default (1e-3) both solvers stop near the optimum by different paths
    // (libsvm shrinks, this one does not), and scikit-learn's own predictions move by 1e-3 from
    // tol 1e-3 to 1e-7; at 1e-7 the two optima agree to 1e-5.
    RegressionEstimator linear =
        svr.fit(
            x,
            y,
            HyperParameters.of(
                svr, Map.of("kernel", "linear", "epsilon", 0.2, "C", 3.0, "tol", 1e-7)),
            1);
    double[] expectedLinear = {
      0.8836706173953491, 0.5681824463232324, -0.27993883457558544,
      2.1126029823863663, -0.6043281208703165, 0.0897458554883267
    };
    for (int p = 0; p < PROBES.length; p++) {
      assertThat(linear.predict(PROBES[p]))
          .as("probe %d", p)
          .isCloseTo(expectedLinear[p], within(1e-5));
    }
  }

  @Test
  void plattSigmoidMatchesScikitLearnsCalibration() {
    double[] a = lcg(4, 40);
    double[] b = lcg(5, 40);
    double[] decision = new double[40];
    boolean[] positive = new boolean[40];
    for (int i = 0; i < 40; i++) {
      decision[i] = 2 * a[i] - 1;
      positive[i] = decision[i] + 0.3 * b[i] > 0.1;
    }
    double[] sigmoid = PlattScaling.fit(decision, positive);
    assertThat(sigmoid[0]).isCloseTo(-5.992119663666269, within(1e-4));
    assertThat(sigmoid[1]).isCloseTo(-0.11570782779961514, within(1e-4));
  }

  @Test
  void couplingRecoversConsistentPairwiseProbabilities() {
    // When rᵢⱼ = pᵢ / (pᵢ + pⱼ) exactly, p is the minimizer (the objective is 0 there).
    double[] truth = {0.5, 0.3, 0.15, 0.05};
    int k = truth.length;
    double[] r = new double[k * k];
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < k; j++) {
        r[i * k + j] = i == j ? 0 : truth[i] / (truth[i] + truth[j]);
      }
    }
    double[] p = new double[k];
    PlattScaling.couple(k, r, p, new double[k * k], new double[k]);
    assertThat(p).containsExactly(truth, within(1e-3));
  }

  @Test
  void fitsAreDeterministicAndSurviveTheArtifactCodec() {
    double[][] x = features(2, 90);
    int[] y = threeClasses(x, noise(2, 90));
    HyperParameters none = classification(Map.of());
    ClassificationEstimator fitted = svc.fit(x, y, 4, none, 1);
    ClassificationEstimator again = svc.fit(x, y, 4, none, 99);
    ClassificationEstimator restored =
        svc.restore(ArtifactCodec.deserialize(ArtifactCodec.serialize(fitted.artifact())), 4);
    for (double[] point : grid()) {
      double[] first = new double[4];
      double[] second = new double[4];
      double[] third = new double[4];
      int predicted = fitted.predict(point, first);
      assertThat(again.predict(point, second)).isEqualTo(predicted);
      assertThat(restored.predict(point, third)).isEqualTo(predicted);
      assertThat(second).isEqualTo(first);
      assertThat(third).isEqualTo(first);
      assertThat(first[3]).isEqualTo(0.0); // class 3 is absent from the training rows
    }

    double[] target = Arrays.stream(x).mapToDouble(r -> r[0] - r[1]).toArray();
    HyperParameters regression = HyperParameters.of(svr, Map.of("kernel", "sigmoid", "C", 2));
    RegressionEstimator model = svr.fit(x, target, regression, 1);
    RegressionEstimator restoredModel =
        svr.restore(ArtifactCodec.deserialize(ArtifactCodec.serialize(model.artifact())));
    RegressionEstimator repeated = svr.fit(x, target, regression, 7);
    for (double[] point : grid()) {
      assertThat(restoredModel.predict(point)).isEqualTo(model.predict(point));
      assertThat(repeated.predict(point)).isEqualTo(model.predict(point));
    }
  }

  @Test
  void aSingleTrainingClassIsAlwaysPredicted() {
    double[][] x = features(1, 10);
    int[] y = new int[10];
    Arrays.fill(y, 1);
    ClassificationEstimator fitted = svc.fit(x, y, 2, classification(Map.of()), 1);
    double[] probabilities = new double[2];
    assertThat(fitted.predict(new double[] {5, 5}, probabilities)).isEqualTo(1);
    assertThat(probabilities).containsExactly(0.0, 1.0);
  }

  @Test
  void gammaTakesScaleAutoOrAPositiveNumber() {
    double[][] x = {{0, 2}, {2, 0}, {1, 1}, {3, 3}}; // mean 1.5, variance 1.25
    assertThat(SvmKernel.of(classification(Map.of()), x).gamma()).isEqualTo(1 / (2 * 1.25));
    assertThat(SvmKernel.of(classification(Map.of("gamma", "AUTO")), x).gamma()).isEqualTo(0.5);
    assertThat(SvmKernel.of(classification(Map.of("gamma", 0.25)), x).gamma()).isEqualTo(0.25);
    assertThat(SvmKernel.of(classification(Map.of("gamma", "2")), x).gamma()).isEqualTo(2.0);
    assertThatThrownBy(() -> SvmKernel.of(classification(Map.of("gamma", "wide")), x))
        .hasMessage("hyperparameter gamma of svm must be one of auto, scale or a number, got wide");
    assertThatThrownBy(() -> SvmKernel.of(classification(Map.of("gamma", 0)), x))
        .hasMessageContaining("hyperparameter gamma of svm must be a number above 0");
  }

  @Test
  void anUnknownKernelIsRefused() {
    double[][] x = features(1, 20);
    int[] y = circleLabels(x);
    assertThatThrownBy(() -> svc.fit(x, y, 2, classification(Map.of("kernel", "laplace")), 1))
        .isInstanceOfSatisfying(
            TrainerException.class,
            e -> assertThat(e.code()).isEqualTo(TrainerErrorCode.INVALID_HYPERPARAMETER))
        .hasMessage(
            "hyperparameter kernel of svm must be one of linear, poly, rbf, sigmoid, got laplace");
  }
}
