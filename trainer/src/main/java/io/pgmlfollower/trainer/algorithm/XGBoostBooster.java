package io.pgmlfollower.trainer.algorithm;

import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;
import ml.dmlc.xgboost4j.java.util.BigDenseMatrix;

/**
 * Training through XGBoost4J (the native library): hyperparameters under PostgresML's names
 * (XGBoost's own, with scikit-learn's aliases), checked before they reach the library; the trained
 * model leaves as XGBoost's JSON model, which {@link XGBoostTrees} evaluates.
 */
final class XGBoostBooster {
  static final String N_ESTIMATORS = "n_estimators";
  static final String OBJECTIVE = "objective";

  /** Regression objectives whose link is the identity (what {@link XGBoostTrees} evaluates). */
  static final Set<String> REGRESSION_OBJECTIVES =
      Set.of("reg:squarederror", "reg:absoluteerror", "reg:pseudohubererror");

  private static final Set<String> NAMES =
      Set.of(
          N_ESTIMATORS,
          "max_depth",
          "learning_rate",
          "eta",
          "subsample",
          "colsample_bytree",
          "colsample_bylevel",
          "colsample_bynode",
          "min_child_weight",
          "gamma",
          "min_split_loss",
          "reg_lambda",
          "lambda",
          "reg_alpha",
          "alpha",
          "max_bin",
          "max_leaves",
          "max_delta_step",
          "grow_policy",
          "tree_method",
          "scale_pos_weight",
          "nthread",
          "n_jobs",
          "random_state");

  private XGBoostBooster() {}

  static Set<String> hyperparameterNames(boolean regression) {
    if (!regression) {
      return NAMES;
    }
    Set<String> names = new java.util.HashSet<>(NAMES);
    names.add(OBJECTIVE);
    return Set.copyOf(names);
  }

  /** The native parameters and the number of boosting rounds. */
  record Parameters(Map<String, Object> values, int rounds) {}

  /**
   * @param objective XGBoost's objective for the task; a regression may choose another by the
   *     {@code objective} hyperparameter
   */
  static Parameters parameters(
      HyperParameters hyperparameters, String objective, int numClasses, long seed) {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put(OBJECTIVE, objective);
    if (numClasses > 2) {
      values.put("num_class", numClasses);
    }
    values.put(
        "tree_method",
        hyperparameters.choice("tree_method", "hist", Set.of("hist", "approx", "exact")));
    values.put("max_depth", hyperparameters.intValue("max_depth", 6, 0, 64));
    values.put(
        "eta",
        hyperparameters.doubleValue(
            "learning_rate", hyperparameters.doubleValue("eta", 0.3, 0, false, 1), 0, false, 1));
    values.put("subsample", hyperparameters.doubleValue("subsample", 1, 0, false, 1));
    for (String fraction :
        new String[] {"colsample_bytree", "colsample_bylevel", "colsample_bynode"}) {
      values.put(fraction, hyperparameters.doubleValue(fraction, 1, 0, false, 1));
    }
    values.put(
        "min_child_weight",
        hyperparameters.doubleValue("min_child_weight", 1, 0, true, Double.MAX_VALUE));
    values.put(
        "gamma",
        hyperparameters.doubleValue(
            "min_split_loss",
            hyperparameters.doubleValue("gamma", 0, 0, true, Double.MAX_VALUE),
            0,
            true,
            Double.MAX_VALUE));
    values.put(
        "lambda",
        hyperparameters.doubleValue(
            "reg_lambda",
            hyperparameters.doubleValue("lambda", 1, 0, true, Double.MAX_VALUE),
            0,
            true,
            Double.MAX_VALUE));
    values.put(
        "alpha",
        hyperparameters.doubleValue(
            "reg_alpha",
            hyperparameters.doubleValue("alpha", 0, 0, true, Double.MAX_VALUE),
            0,
            true,
            Double.MAX_VALUE));
    values.put("max_bin", hyperparameters.intValue("max_bin", 256, 2, 1 << 16));
    values.put("max_leaves", hyperparameters.intValue("max_leaves", 0, 0, Integer.MAX_VALUE));
    values.put(
        "max_delta_step",
        hyperparameters.doubleValue("max_delta_step", 0, 0, true, Double.MAX_VALUE));
    values.put(
        "grow_policy",
        hyperparameters.choice("grow_policy", "depthwise", Set.of("depthwise", "lossguide")));
    values.put(
        "scale_pos_weight",
        hyperparameters.doubleValue("scale_pos_weight", 1, 0, false, Double.MAX_VALUE));
    int threads = Runtime.getRuntime().availableProcessors();
    values.put(
        "nthread",
        hyperparameters.intValue(
            "n_jobs", hyperparameters.intValue("nthread", threads, 1, 1024), 1, 1024));
    values.put(
        "seed",
        hyperparameters.intValue("random_state", (int) (seed & 0x7FFFFFFF), 0, Integer.MAX_VALUE));
    // Quiet: XGBoost's own warnings go to stderr, not to the follower's log.
    values.put("verbosity", 0);
    int rounds = hyperparameters.intValue(N_ESTIMATORS, 100, 1, 100_000);
    return new Parameters(values, rounds);
  }

  /**
   * The rows as an XGBoost DMatrix. They are written, in parallel, straight into native memory that
   * XGBoost copies from ({@code XGDMatrixCreateFromMat}), rather than into a {@code float[]} that
   * JNI would copy once more: for a million rows of 28 features this takes the build from 1.5 s to
   * 0.95 s on two cores. The native buffer is freed as soon as XGBoost holds its own copy.
   */
  private static DMatrix denseMatrix(double[][] x, int rows, int columns) throws XGBoostError {
    BigDenseMatrix dense = new BigDenseMatrix(rows, columns);
    try {
      IntStream.range(0, rows)
          .parallel()
          .forEach(
              i -> {
                double[] row = x[i];
                long base = (long) i * columns;
                for (int j = 0; j < columns; j++) {
                  dense.set(base + j, (float) row[j]);
                }
              });
      return new DMatrix(dense, Float.NaN);
    } finally {
      dense.dispose();
    }
  }

  /**
   * Trains on rows {@code x} (NaN is a missing value) and returns the model as XGBoost's JSON.
   *
   * @throws TrainerException TRAINING_FAILED with XGBoost's message when the library refuses
   */
  static byte[] train(double[][] x, float[] labels, Parameters parameters) {
    int rows = x.length;
    int columns = rows == 0 ? 0 : x[0].length;
    DMatrix matrix = null;
    Booster booster = null;
    try {
      matrix = denseMatrix(x, rows, columns);
      matrix.setLabel(labels);
      booster =
          XGBoost.train(
              matrix,
              new HashMap<>(parameters.values()),
              parameters.rounds(),
              Map.of(),
              null,
              null);
      return booster.toByteArray("json");
    } catch (XGBoostError e) {
      throw new TrainerException(
          TrainerErrorCode.TRAINING_FAILED, "xgboost could not train: " + e.getMessage(), e);
    } finally {
      if (booster != null) {
        booster.dispose();
      }
      if (matrix != null) {
        matrix.dispose();
      }
    }
  }
}
