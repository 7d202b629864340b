package io.pgmlfollower.trainer.bench;

import io.pgmlfollower.trainer.Task;
import io.pgmlfollower.trainer.algorithm.Algorithm;
import io.pgmlfollower.trainer.algorithm.AlgorithmCatalog;
import io.pgmlfollower.trainer.algorithm.ClassificationAlgorithm;
import io.pgmlfollower.trainer.algorithm.ClassificationEstimator;
import io.pgmlfollower.trainer.algorithm.HyperParameters;
import io.pgmlfollower.trainer.algorithm.RegressionAlgorithm;
import io.pgmlfollower.trainer.algorithm.RegressionEstimator;
import io.pgmlfollower.trainer.data.Standardizer;
import io.pgmlfollower.trainer.metrics.ClassificationMetrics;
import io.pgmlfollower.trainer.metrics.RegressionMetrics;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The follower's side of {@code bench/training}: the trainer's algorithms, exactly as {@code
 * pgml.train} runs them (features standardized for the algorithms that ask for it, the trainer's
 * seed, its metrics), on the train/test splits the script's Python side wrote, printing one TSV
 * line per algorithm: {@code dataset, algorithm, metric=value..., fit_seconds}.
 *
 * <pre>
 *   datasets DIR   DIR/datasets.tsv lists "name task"; DIR/name.{train,test}.csv, target last
 *   boosting DIR   DIR/boosting.tsv: "rows_train rows_test columns threads";
 *                  DIR/{train,test}.{x,y}.f32: little-endian float32, row-major
 * </pre>
 */
public final class TrainingComparison {
  private static final long SEED = 42;

  private TrainingComparison() {}

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[1]);
    switch (args[0]) {
      case "datasets" -> datasets(dir);
      case "boosting" -> boosting(dir, args.length > 2 ? args[2].split(",") : new String[0]);
      default -> throw new IllegalArgumentException("datasets DIR | boosting DIR [algorithms]");
    }
  }

  /**
   * scikit-learn's defaults, except for mlp regression: 200 epochs at 1e-3 leave either side's
   * network far from diabetes' targets (in the hundreds), with r2 near −0.9 that says nothing; both
   * sides train 2,000 (bench/training.py).
   */
  private static Map<String, Object> hyperparameters(Task task, String algorithm) {
    return task == Task.REGRESSION && algorithm.equals("mlp") ? Map.of("max_iter", 2000) : Map.of();
  }

  private static void datasets(Path dir) throws IOException {
    for (String line : Files.readAllLines(dir.resolve("datasets.tsv"))) {
      String[] fields = line.split("\t");
      String name = fields[0];
      Task task = Task.valueOf(fields[1].toUpperCase(Locale.ROOT));
      double[][] train = csv(dir.resolve(name + ".train.csv"));
      double[][] test = csv(dir.resolve(name + ".test.csv"));
      for (String algorithm : AlgorithmCatalog.names(task)) {
        try {
          report(
              name, algorithm, run(task, algorithm, hyperparameters(task, algorithm), train, test));
        } catch (RuntimeException e) {
          // What pgml.train would answer (TRAINING_FAILED): reported, and the next one runs.
          System.out.println(
              name + "\t" + algorithm + "\terror=" + e.getMessage() + "\tfit_seconds=0");
        }
      }
    }
  }

  private static void boosting(Path dir, String[] algorithms) throws IOException {
    String[] shape = Files.readString(dir.resolve("boosting.tsv")).strip().split("\t");
    int trainRows = Integer.parseInt(shape[0]);
    int testRows = Integer.parseInt(shape[1]);
    int columns = Integer.parseInt(shape[2]);
    int threads = Integer.parseInt(shape[3]);
    double[][] train =
        floats(dir.resolve("train.x.f32"), dir.resolve("train.y.f32"), trainRows, columns);
    double[][] test =
        floats(dir.resolve("test.x.f32"), dir.resolve("test.y.f32"), testRows, columns);
    // As Python's import of xgboost happens before its timer: the native library is loaded (and
    // the JIT has seen the code) by a small fit first.
    double[][] warmUp = java.util.Arrays.copyOf(train, 1000);
    for (String algorithm : algorithms) {
      run(Task.CLASSIFICATION, algorithm, Map.of("n_estimators", 2), warmUp, warmUp);
    }
    for (String algorithm : algorithms) {
      Map<String, Object> hyperparameters =
          algorithm.equals("xgboost")
              ? Map.of(
                  "n_estimators", 100, "max_depth", 6, "learning_rate", 0.3, "nthread", threads)
              : Map.of("n_estimators", 100, "max_depth", 6, "learning_rate", 0.3);
      report(
          "boosting", algorithm, run(Task.CLASSIFICATION, algorithm, hyperparameters, train, test));
    }
  }

  private record Result(Map<String, Double> metrics, double fitSeconds) {}

  private static void report(String dataset, String algorithm, Result result) {
    StringBuilder line = new StringBuilder(dataset).append('\t').append(algorithm);
    result.metrics().forEach((k, v) -> line.append('\t').append(k).append('=').append(v));
    line.append("\tfit_seconds=").append(String.format(Locale.ROOT, "%.3f", result.fitSeconds()));
    System.out.println(line);
  }

  /** Rows with the target last: trains on {@code train}, scores on {@code test}. */
  private static Result run(
      Task task, String name, Map<String, Object> given, double[][] train, double[][] test) {
    Algorithm algorithm = AlgorithmCatalog.find(task, name);
    HyperParameters hyperparameters = HyperParameters.of(algorithm, given);
    double[][] xTrain = features(train);
    double[][] xTest = features(test);
    // mlp: scaled as a user scales its features (preprocess scale standard, docs/sql.md) and as
    // bench/training.py scales scikit-learn's; unscaled, both sides' accuracy is a draw of the
    // seed.
    if (algorithm.standardizesFeatures() || name.equals("mlp")) {
      Standardizer scale = Standardizer.fit(xTrain);
      xTrain = scale.apply(xTrain);
      xTest = scale.apply(xTest);
    }
    long start = System.nanoTime();
    if (algorithm instanceof RegressionAlgorithm regression) {
      RegressionEstimator estimator = regression.fit(xTrain, targets(train), hyperparameters, SEED);
      double fit = (System.nanoTime() - start) / 1e9;
      double[] predicted = new double[xTest.length];
      for (int i = 0; i < xTest.length; i++) {
        predicted[i] = estimator.predict(xTest[i]);
      }
      return new Result(RegressionMetrics.compute(targets(test), predicted), fit);
    }
    ClassificationAlgorithm classification = (ClassificationAlgorithm) algorithm;
    int[] yTrain = classes(train);
    int[] yTest = classes(test);
    int numClasses = 1;
    for (int y : yTrain) {
      numClasses = Math.max(numClasses, y + 1);
    }
    for (int y : yTest) {
      numClasses = Math.max(numClasses, y + 1);
    }
    ClassificationEstimator estimator =
        classification.fit(xTrain, yTrain, numClasses, hyperparameters, SEED);
    double fit = (System.nanoTime() - start) / 1e9;
    int[] predicted = new int[xTest.length];
    double[][] probabilities = new double[xTest.length][numClasses];
    for (int i = 0; i < xTest.length; i++) {
      predicted[i] = estimator.predict(xTest[i], probabilities[i]);
    }
    return new Result(
        ClassificationMetrics.compute(yTest, predicted, probabilities, numClasses), fit);
  }

  private static double[][] features(double[][] rows) {
    double[][] x = new double[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      x[i] = java.util.Arrays.copyOf(rows[i], rows[i].length - 1);
    }
    return x;
  }

  private static double[] targets(double[][] rows) {
    double[] y = new double[rows.length];
    for (int i = 0; i < rows.length; i++) {
      y[i] = rows[i][rows[i].length - 1];
    }
    return y;
  }

  private static int[] classes(double[][] rows) {
    int[] y = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      y[i] = (int) rows[i][rows[i].length - 1];
    }
    return y;
  }

  private static double[][] csv(Path file) throws IOException {
    List<double[]> rows = new ArrayList<>();
    List<String> lines = Files.readAllLines(file);
    for (String line : lines.subList(1, lines.size())) {
      String[] fields = line.split(",");
      double[] row = new double[fields.length];
      for (int i = 0; i < fields.length; i++) {
        row[i] = Double.parseDouble(fields[i]);
      }
      rows.add(row);
    }
    return rows.toArray(double[][]::new);
  }

  /** Features then the label, one row each, from raw float32 files. */
  private static double[][] floats(Path x, Path y, int rows, int columns) throws IOException {
    ByteBuffer features = ByteBuffer.wrap(Files.readAllBytes(x)).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer labels = ByteBuffer.wrap(Files.readAllBytes(y)).order(ByteOrder.LITTLE_ENDIAN);
    double[][] data = new double[rows][columns + 1];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < columns; j++) {
        data[i][j] = features.getFloat();
      }
      data[i][columns] = labels.getFloat();
    }
    return data;
  }
}
