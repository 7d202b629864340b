package io.pgmlfollower.trainer.algorithm;

/**
 * The stochastic optimizers of scikit-learn's multi-layer perceptron ({@code
 * sklearn.neural_network._stochastic_optimizers}), over the network's parameters as a list of
 * arrays (weights and biases), updated in place from gradients of the same shapes.
 */
sealed interface MlpOptimizer {
  /** One mini-batch step: {@code parameters[k][i] += update(gradients[k][i])}. */
  void update(double[][] parameters, double[][] gradients);

  /**
   * At the end of an epoch.
   *
   * @param samplesSeen the training rows processed so far, over all epochs
   */
  default void iterationEnds(long samplesSeen) {}

  /**
   * Called when the training loss stopped improving: whether to stop, or (adaptive learning rate)
   * to carry on with a smaller step.
   */
  default boolean triggerStopping() {
    return true;
  }

  static MlpOptimizer of(MlpParameters parameters, double[][] shapes) {
    return parameters.solver().equals(MlpParameters.ADAM)
        ? new Adam(
            parameters.learningRateInit(),
            parameters.beta1(),
            parameters.beta2(),
            parameters.epsilon(),
            shapes)
        : new Sgd(
            parameters.learningRateInit(),
            parameters.learningRate(),
            parameters.powerT(),
            parameters.momentum(),
            parameters.nesterovsMomentum(),
            shapes);
  }

  private static double[][] zerosLike(double[][] shapes) {
    double[][] zeros = new double[shapes.length][];
    for (int k = 0; k < shapes.length; k++) {
      zeros[k] = new double[shapes[k].length];
    }
    return zeros;
  }

  /** Adam (Kingma and Ba), with the bias corrections folded into the step size, as sklearn. */
  final class Adam implements MlpOptimizer {
    private final double learningRateInit;
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double[][] firstMoments;
    private final double[][] secondMoments;
    private long steps;

    Adam(double learningRateInit, double beta1, double beta2, double epsilon, double[][] shapes) {
      this.learningRateInit = learningRateInit;
      this.beta1 = beta1;
      this.beta2 = beta2;
      this.epsilon = epsilon;
      this.firstMoments = zerosLike(shapes);
      this.secondMoments = zerosLike(shapes);
    }

    @Override
    public void update(double[][] parameters, double[][] gradients) {
      steps++;
      double rate =
          learningRateInit * Math.sqrt(1 - Math.pow(beta2, steps)) / (1 - Math.pow(beta1, steps));
      for (int k = 0; k < parameters.length; k++) {
        double[] p = parameters[k];
        double[] g = gradients[k];
        double[] m = firstMoments[k];
        double[] v = secondMoments[k];
        for (int i = 0; i < p.length; i++) {
          m[i] = beta1 * m[i] + (1 - beta1) * g[i];
          v[i] = beta2 * v[i] + (1 - beta2) * (g[i] * g[i]);
          p[i] += -rate * m[i] / (Math.sqrt(v[i]) + epsilon);
        }
      }
    }
  }

  /**
   * Stochastic gradient descent with momentum, Nesterov's by default, and scikit-learn's three
   * learning-rate schedules: constant; invscaling, {@code learning_rate_init / (t + 1)^power_t}
   * with {@code t} the rows seen; adaptive, divided by 5 each time the loss stops improving,
   * stopping once below 1e-6.
   */
  final class Sgd implements MlpOptimizer {
    private final double learningRateInit;
    private final String schedule;
    private final double powerT;
    private final double momentum;
    private final boolean nesterov;
    private final double[][] velocities;
    private double learningRate;

    Sgd(
        double learningRateInit,
        String schedule,
        double powerT,
        double momentum,
        boolean nesterov,
        double[][] shapes) {
      this.learningRateInit = learningRateInit;
      this.learningRate = learningRateInit;
      this.schedule = schedule;
      this.powerT = powerT;
      this.momentum = momentum;
      this.nesterov = nesterov;
      this.velocities = zerosLike(shapes);
    }

    @Override
    public void update(double[][] parameters, double[][] gradients) {
      for (int k = 0; k < parameters.length; k++) {
        double[] p = parameters[k];
        double[] g = gradients[k];
        double[] velocity = velocities[k];
        for (int i = 0; i < p.length; i++) {
          velocity[i] = momentum * velocity[i] - learningRate * g[i];
          // Nesterov's look-ahead: the step applies the momentum of the updated velocity.
          p[i] += nesterov ? momentum * velocity[i] - learningRate * g[i] : velocity[i];
        }
      }
    }

    @Override
    public void iterationEnds(long samplesSeen) {
      if (schedule.equals(MlpParameters.INVSCALING)) {
        learningRate = learningRateInit / Math.pow(samplesSeen + 1, powerT);
      }
    }

    @Override
    public boolean triggerStopping() {
      if (!schedule.equals(MlpParameters.ADAPTIVE) || learningRate <= 1e-6) {
        return true;
      }
      learningRate /= 5;
      return false;
    }
  }
}
