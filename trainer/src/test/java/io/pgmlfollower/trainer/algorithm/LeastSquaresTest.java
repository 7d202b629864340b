package io.pgmlfollower.trainer.algorithm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LeastSquaresTest {
  @Test
  void ordinaryLeastSquaresRecoversAnExactLinearFunction() {
    Random random = new Random(1);
    double[][] x = new double[50][];
    double[] y = new double[50];
    for (int i = 0; i < x.length; i++) {
      x[i] = new double[] {random.nextGaussian() * 1000, random.nextGaussian() * 0.001};
      y[i] = 1 + 3 * x[i][0] - 2000 * x[i][1];
    }

    double[] coefficients = LeastSquares.fit(x, y, 0, true);

    assertThat(coefficients[0]).isCloseTo(1, within(1e-8));
    assertThat(coefficients[1]).isCloseTo(3, within(1e-10));
    assertThat(coefficients[2]).isCloseTo(-2000, within(1e-5));
  }

  @Test
  void withoutInterceptTheLineGoesThroughTheOrigin() {
    double[][] x = {{1}, {2}, {3}};
    double[] y = {2, 4, 7};

    double[] coefficients = LeastSquares.fit(x, y, 0, false);

    // w = sum(x*y) / sum(x^2) = 31 / 14
    assertThat(coefficients[0]).isEqualTo(0.0);
    assertThat(coefficients[1]).isCloseTo(31.0 / 14, within(1e-12));
  }

  @Test
  void ridgeMatchesTheClosedFormForOneFeature() {
    double[][] x = {{1}, {2}, {3}, {4}};
    double[] y = {1, 3, 2, 5};
    double alpha = 2.5;

    double[] coefficients = LeastSquares.fit(x, y, alpha, true);

    // centered: x -1.5 -0.5 0.5 1.5, y -1.75 0.25 -0.75 2.25; sxy 5.5, sxx 5
    double w = 5.5 / (5 + alpha);
    assertThat(coefficients[1]).isCloseTo(w, within(1e-12));
    assertThat(coefficients[0]).isCloseTo(2.75 - w * 2.5, within(1e-12));
  }

  @Test
  void linearlyDependentColumnsStillFitThePredictions() {
    double[][] x = new double[20][];
    double[] y = new double[20];
    for (int i = 0; i < x.length; i++) {
      x[i] = new double[] {i, 2 * i, i % 3};
      y[i] = 5 + i + (i % 3);
    }

    double[] coefficients = LeastSquares.fit(x, y, 0, true);

    for (int i = 0; i < x.length; i++) {
      double predicted =
          coefficients[0]
              + coefficients[1] * x[i][0]
              + coefficients[2] * x[i][1]
              + coefficients[3] * x[i][2];
      assertThat(predicted).isCloseTo(y[i], within(1e-4));
    }
    // The minimum-norm split of the weight between the two collinear columns: 1 = w1 + 2*w2.
    assertThat(coefficients[1]).isCloseTo(0.2, within(1e-4));
    assertThat(coefficients[2]).isCloseTo(0.4, within(1e-4));
  }
}
