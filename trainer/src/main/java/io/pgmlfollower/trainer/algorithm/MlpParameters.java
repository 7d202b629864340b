package io.pgmlfollower.trainer.algorithm;

import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import java.util.Set;

/**
 * The hyperparameters of {@code mlp}, under scikit-learn's names and with its defaults (those of
 * MLPClassifier and MLPRegressor, which share them).
 *
 * @param batchSize rows per mini-batch; 0 for scikit-learn's {@code auto}, min(200, rows)
 */
record MlpParameters(
    int[] hiddenLayerSizes,
    MlpActivation activation,
    String solver,
    double alpha,
    int batchSize,
    String learningRate,
    double learningRateInit,
    double powerT,
    int maxIter,
    boolean shuffle,
    double tol,
    double momentum,
    boolean nesterovsMomentum,
    double beta1,
    double beta2,
    double epsilon,
    int nIterNoChange) {
  static final String ADAM = "adam";
  static final String SGD = "sgd";
  static final String CONSTANT = "constant";
  static final String INVSCALING = "invscaling";
  static final String ADAPTIVE = "adaptive";

  private static final String HIDDEN_LAYER_SIZES = "hidden_layer_sizes";
  private static final String ACTIVATION = "activation";
  private static final String SOLVER = "solver";
  private static final String ALPHA = "alpha";
  private static final String BATCH_SIZE = "batch_size";
  private static final String LEARNING_RATE = "learning_rate";
  private static final String LEARNING_RATE_INIT = "learning_rate_init";
  private static final String POWER_T = "power_t";
  private static final String MAX_ITER = "max_iter";
  private static final String SHUFFLE = "shuffle";
  private static final String TOL = "tol";
  private static final String MOMENTUM = "momentum";
  private static final String NESTEROVS_MOMENTUM = "nesterovs_momentum";
  private static final String BETA_1 = "beta_1";
  private static final String BETA_2 = "beta_2";
  private static final String EPSILON = "epsilon";
  private static final String N_ITER_NO_CHANGE = "n_iter_no_change";

  static final Set<String> NAMES =
      Set.of(
          HIDDEN_LAYER_SIZES,
          ACTIVATION,
          SOLVER,
          ALPHA,
          BATCH_SIZE,
          LEARNING_RATE,
          LEARNING_RATE_INIT,
          POWER_T,
          MAX_ITER,
          SHUFFLE,
          TOL,
          MOMENTUM,
          NESTEROVS_MOMENTUM,
          BETA_1,
          BETA_2,
          EPSILON,
          N_ITER_NO_CHANGE);

  /** Far above any useful width, low enough that one layer's weights fit in an array. */
  private static final int MAX_UNITS = 10_000;

  /**
   * @throws TrainerException INVALID_HYPERPARAMETER for a value out of range, and for the solver
   *     {@code lbfgs}, which the follower does not implement
   */
  static MlpParameters of(HyperParameters given) {
    String solver = given.choice(SOLVER, ADAM, Set.of(ADAM, SGD, "lbfgs"));
    if (solver.equals("lbfgs")) {
      throw new TrainerException(
          TrainerErrorCode.INVALID_HYPERPARAMETER,
          "solver lbfgs of mlp is not supported by the follower: use adam (the default) or sgd");
    }
    return new MlpParameters(
        given.intList(HIDDEN_LAYER_SIZES, new int[] {100}, 1, MAX_UNITS),
        MlpActivation.of(
            given.choice(ACTIVATION, "relu", Set.of("identity", "logistic", "tanh", "relu"))),
        solver,
        given.doubleValue(ALPHA, 1e-4, 0, true, Double.MAX_VALUE),
        given.isText(BATCH_SIZE, "auto") ? 0 : given.intValue(BATCH_SIZE, 0, 1, Integer.MAX_VALUE),
        given.choice(LEARNING_RATE, CONSTANT, Set.of(CONSTANT, INVSCALING, ADAPTIVE)),
        given.doubleValue(LEARNING_RATE_INIT, 1e-3, 0, false, Double.MAX_VALUE),
        given.doubleValue(POWER_T, 0.5, 0, true, Double.MAX_VALUE),
        given.intValue(MAX_ITER, 200, 1, 1_000_000),
        given.booleanValue(SHUFFLE, true),
        given.doubleValue(TOL, 1e-4, 0, true, Double.MAX_VALUE),
        given.doubleValue(MOMENTUM, 0.9, 0, true, 1),
        given.booleanValue(NESTEROVS_MOMENTUM, true),
        // scikit-learn takes beta_1 and beta_2 in [0, 1); 1 would divide by zero.
        given.doubleValue(BETA_1, 0.9, 0, true, Math.nextDown(1.0)),
        given.doubleValue(BETA_2, 0.999, 0, true, Math.nextDown(1.0)),
        given.doubleValue(EPSILON, 1e-8, 0, false, Double.MAX_VALUE),
        given.intValue(N_ITER_NO_CHANGE, 10, 1, 1_000_000));
  }
}
