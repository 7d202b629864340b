package io.pgmlfollower.trainer.algorithm;

import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Fits an {@link MlpNetwork} as scikit-learn's {@code BaseMultilayerPerceptron._fit_stochastic}
 * does without early stopping: Glorot-uniform initial weights; per epoch the rows shuffled, then
 * mini-batches, each a back-propagation step of the optimizer on that batch's mean loss plus the L2
 * penalty {@code alpha/2 · ‖W‖² / batch rows}; training stops after {@code max_iter} epochs, or
 * when the epoch's training loss has failed to improve on the best by {@code tol} more than {@code
 * n_iter_no_change} epochs in a row. One thread, one {@link SplittableRandom} from the seed for the
 * initial weights and the shuffles: the same data and seed give the same network.
 */
final class MlpTrainer {
  /** numpy's float64 eps: scikit-learn clips probabilities to [eps, 1 - eps] in its log losses. */
  private static final double EPS = Math.ulp(1.0);

  private final MlpParameters parameters;
  private final MlpNetwork network;
  private final int layers;
  private final int[] sizes;
  private final int batch;
  // Per layer, one row after another for the rows of the current batch.
  private final double[][] activations;
  private final double[][] deltas;
  private final double[][] weightGradients;
  private final double[][] biasGradients;

  private MlpTrainer(MlpParameters parameters, MlpNetwork network, int batch) {
    this.parameters = parameters;
    this.network = network;
    this.sizes = network.layerSizes();
    this.layers = sizes.length - 1;
    this.batch = batch;
    this.activations = new double[layers + 1][];
    this.deltas = new double[layers + 1][];
    for (int l = 0; l <= layers; l++) {
      activations[l] = new double[batch * sizes[l]];
      deltas[l] = new double[batch * sizes[l]];
    }
    this.weightGradients = new double[layers][];
    this.biasGradients = new double[layers][];
    for (int l = 0; l < layers; l++) {
      weightGradients[l] = new double[network.weights()[l].length];
      biasGradients[l] = new double[sizes[l + 1]];
    }
  }

  /**
   * @param targets per row, one value per output unit: the target (regression), 0 or 1 (one
   *     logistic unit), or a one-hot row (softmax)
   * @param output the output layer's activation, which also chooses the loss: squared error for
   *     identity, binary cross-entropy for logistic, cross-entropy for softmax
   * @throws TrainerException TRAINING_FAILED when the weights overflow, as scikit-learn refuses
   *     them ("Solver produced non-finite parameter weights")
   */
  static MlpNetwork train(
      double[][] x, double[][] targets, MlpActivation output, MlpParameters parameters, long seed) {
    int[] hidden = parameters.hiddenLayerSizes();
    int[] sizes = new int[hidden.length + 2];
    sizes[0] = x[0].length;
    System.arraycopy(hidden, 0, sizes, 1, hidden.length);
    sizes[sizes.length - 1] = targets[0].length;
    SplittableRandom random = new SplittableRandom(seed);
    MlpNetwork network = initialize(sizes, parameters.activation(), output, random);
    return train(x, targets, network, parameters, random);
  }

  /**
   * Trains from the given initial weights, updating {@code network}'s arrays in place; {@code
   * random} shuffles the rows. Separate so that a test can start from scikit-learn's weights.
   */
  static MlpNetwork train(
      double[][] x,
      double[][] targets,
      MlpNetwork network,
      MlpParameters parameters,
      SplittableRandom random) {
    int n = x.length;
    int batch =
        parameters.batchSize() == 0 ? Math.min(200, n) : Math.min(parameters.batchSize(), n);
    new MlpTrainer(parameters, network, batch).fit(x, targets, random);
    for (double[][] part : new double[][][] {network.weights(), network.biases()}) {
      for (double[] values : part) {
        for (double value : values) {
          if (!Double.isFinite(value)) {
            throw new TrainerException(
                TrainerErrorCode.TRAINING_FAILED,
                "mlp produced non-finite weights: the features may hold large values and need"
                    + " scaling (preprocess), or learning_rate_init is too large");
          }
        }
      }
    }
    return network;
  }

  /**
   * scikit-learn's {@code _init_coef}: weights then biases of each layer uniform in ±sqrt(6 /
   * (fan_in + fan_out)), or ±sqrt(2 / (fan_in + fan_out)) when the hidden activation is logistic
   * (sklearn's factor 2 instead of 6, for every layer).
   */
  static MlpNetwork initialize(
      int[] sizes, MlpActivation hidden, MlpActivation output, SplittableRandom random) {
    int layers = sizes.length - 1;
    double[][] weights = new double[layers][];
    double[][] biases = new double[layers][];
    double factor = hidden == MlpActivation.LOGISTIC ? 2 : 6;
    for (int l = 0; l < layers; l++) {
      double bound = Math.sqrt(factor / (sizes[l] + sizes[l + 1]));
      weights[l] = uniform(random, sizes[l] * sizes[l + 1], bound);
      biases[l] = uniform(random, sizes[l + 1], bound);
    }
    // The trainer updates these arrays in place; nothing else sees the network until it is done.
    return new MlpNetwork(sizes, weights, biases, hidden, output);
  }

  private static double[] uniform(SplittableRandom random, int length, double bound) {
    double[] values = new double[length];
    for (int i = 0; i < length; i++) {
      values[i] = random.nextDouble(-bound, bound);
    }
    return values;
  }

  private void fit(double[][] x, double[][] targets, SplittableRandom random) {
    int n = x.length;
    double[][] parameterArrays = new double[2 * layers][];
    double[][] gradientArrays = new double[2 * layers][];
    for (int l = 0; l < layers; l++) {
      parameterArrays[l] = network.weights()[l];
      parameterArrays[layers + l] = network.biases()[l];
      gradientArrays[l] = weightGradients[l];
      gradientArrays[layers + l] = biasGradients[l];
    }
    MlpOptimizer optimizer = MlpOptimizer.of(parameters, parameterArrays);
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    double bestLoss = Double.POSITIVE_INFINITY;
    int noImprovement = 0;
    long samplesSeen = 0;
    for (int epoch = 0; epoch < parameters.maxIter(); epoch++) {
      if (parameters.shuffle()) {
        // Fisher-Yates over the previous epoch's order, as sklearn.utils.shuffle on sample_idx.
        for (int i = n - 1; i > 0; i--) {
          int j = random.nextInt(i + 1);
          int swap = order[i];
          order[i] = order[j];
          order[j] = swap;
        }
      }
      double accumulated = 0;
      for (int start = 0; start < n; start += batch) {
        int rows = Math.min(batch, n - start);
        accumulated += backpropagate(x, targets, order, start, rows) * rows;
        optimizer.update(parameterArrays, gradientArrays);
      }
      double loss = accumulated / n;
      samplesSeen += n;
      // _update_no_improvement_count without early stopping: against the best loss so far.
      if (loss > bestLoss - parameters.tol()) {
        noImprovement++;
      } else {
        noImprovement = 0;
      }
      if (loss < bestLoss) {
        bestLoss = loss;
      }
      if (Double.isNaN(loss)) {
        return; // diverged: the weights are not finite, which train() reports
      }
      optimizer.iterationEnds(samplesSeen);
      if (noImprovement > parameters.nIterNoChange()) {
        if (optimizer.triggerStopping()) {
          return;
        }
        noImprovement = 0;
      }
    }
  }

  /**
   * Forward and backward pass over {@code rows} rows of {@code order} from {@code start}: fills the
   * gradients of the batch's loss and returns that loss (mean over the rows, penalty included).
   */
  private double backpropagate(double[][] x, double[][] targets, int[] order, int start, int rows) {
    int inputs = sizes[0];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(x[order[start + r]], 0, activations[0], r * inputs, inputs);
    }
    for (int l = 0; l < layers; l++) {
      MlpActivation activation = l == layers - 1 ? network.output() : network.hidden();
      int width = sizes[l + 1];
      for (int r = 0; r < rows; r++) {
        network.layer(l, activations[l], r * sizes[l], activations[l + 1], r * width);
        activation.apply(activations[l + 1], r * width, width);
      }
    }

    // Each output/loss pair has the derivative (prediction - target) at the output's input.
    int outputs = sizes[layers];
    double[] predicted = activations[layers];
    double[] delta = deltas[layers];
    double loss = 0;
    for (int r = 0; r < rows; r++) {
      double[] target = targets[order[start + r]];
      for (int j = 0; j < outputs; j++) {
        double p = predicted[r * outputs + j];
        double y = target[j];
        delta[r * outputs + j] = p - y;
        loss += pointLoss(network.output(), p, y);
      }
    }
    loss /= network.output() == MlpActivation.IDENTITY ? 2.0 * rows * outputs : rows;
    double squaredWeights = 0;
    for (double[] w : network.weights()) {
      for (double value : w) {
        squaredWeights += value * value;
      }
    }
    double alpha = parameters.alpha();
    loss += 0.5 * alpha * squaredWeights / rows;

    for (int l = layers - 1; l >= 0; l--) {
      int fanIn = sizes[l];
      int fanOut = sizes[l + 1];
      double[] in = activations[l];
      double[] d = deltas[l + 1];
      double[] w = network.weights()[l];
      double[] gradW = weightGradients[l];
      double[] gradB = biasGradients[l];
      Arrays.fill(gradW, 0);
      Arrays.fill(gradB, 0);
      for (int r = 0; r < rows; r++) {
        for (int j = 0; j < fanOut; j++) {
          gradB[j] += d[r * fanOut + j];
        }
        for (int i = 0; i < fanIn; i++) {
          double a = in[r * fanIn + i];
          if (a == 0) {
            continue;
          }
          int row = i * fanOut;
          for (int j = 0; j < fanOut; j++) {
            gradW[row + j] += a * d[r * fanOut + j];
          }
        }
      }
      for (int k = 0; k < gradW.length; k++) {
        gradW[k] = (gradW[k] + alpha * w[k]) / rows;
      }
      for (int j = 0; j < fanOut; j++) {
        gradB[j] /= rows;
      }
      if (l > 0) {
        double[] previous = deltas[l];
        for (int r = 0; r < rows; r++) {
          for (int i = 0; i < fanIn; i++) {
            int row = i * fanOut;
            double sum = 0;
            for (int j = 0; j < fanOut; j++) {
              sum += d[r * fanOut + j] * w[row + j];
            }
            previous[r * fanIn + i] = sum;
          }
        }
        network.hidden().multiplyByDerivative(in, previous, rows * fanIn);
      }
    }
    return loss;
  }

  /** One output's loss before averaging (squared error is halved and averaged by the caller). */
  private static double pointLoss(MlpActivation output, double p, double y) {
    return switch (output) {
      case IDENTITY -> (y - p) * (y - p);
      case LOGISTIC -> {
        double clipped = Math.min(Math.max(p, EPS), 1 - EPS);
        yield -(xlogy(y, clipped) + xlogy(1 - y, 1 - clipped));
      }
      case SOFTMAX -> -xlogy(y, Math.min(Math.max(p, EPS), 1 - EPS));
      default -> throw new IllegalStateException("no loss for output " + output);
    };
  }

  /** scipy's xlogy: 0 where x is 0, so that a one-hot target costs only its own class. */
  private static double xlogy(double x, double y) {
    return x == 0 ? 0 : x * Math.log(y);
  }
}
