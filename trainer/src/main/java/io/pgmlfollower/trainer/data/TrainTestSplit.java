package io.pgmlfollower.trainer.data;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.trainer.TestSampling;
import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import java.util.Arrays;
import java.util.Random;

/**
 * Which rows train and which are held out for scoring. Row numbers are 0-based positions in read
 * order; both arrays are ascending.
 */
public record TrainTestSplit(int[] train, int[] test) {
  public TrainTestSplit {
    requireNonNull(train, "train is null");
    requireNonNull(test, "test is null");
  }

  /**
   * Splits {@code numRows} rows. The test set has {@code ceil(testSize * numRows)} rows, as in
   * scikit-learn's {@code train_test_split} that PostgresML follows. {@code RANDOM} draws them with
   * a Fisher-Yates shuffle driven by {@link java.util.Random} seeded with {@code seed}: that
   * generator is specified bit for bit, so the same seed gives the same split on every JVM.
   */
  public static TrainTestSplit of(int numRows, double testSize, TestSampling sampling, long seed) {
    return of(numRows, testSize, sampling, seed, null);
  }

  /**
   * As {@link #of(int, double, TestSampling, long)}; {@code STRATIFIED} needs the rows' classes.
   *
   * @param classes each row's class index (classification), or null
   */
  public static TrainTestSplit of(
      int numRows, double testSize, TestSampling sampling, long seed, int[] classes) {
    requireNonNull(sampling, "sampling is null");
    if (!(testSize > 0 && testSize < 1)) {
      throw new IllegalArgumentException("testSize must be in (0, 1), got " + testSize);
    }
    int numTest = (int) Math.ceil(testSize * numRows);
    int numTrain = numRows - numTest;
    if (numTrain < 1 || numTest < 1) {
      throw new TrainerException(
          TrainerErrorCode.TRAINING_FAILED,
          ("%d rows are too few to hold out test_size %s and train on the rest: add rows or"
                  + " change test_size")
              .formatted(numRows, testSize));
    }
    if (sampling == TestSampling.STRATIFIED) {
      if (classes == null) {
        throw new TrainerException(
            TrainerErrorCode.INVALID_ARGUMENT,
            "test_sampling stratified keeps each class's share and needs a classification: use"
                + " random or last for a regression");
      }
      return stratified(numRows, numTest, classes, seed);
    }
    int[] order = new int[numRows];
    Arrays.setAll(order, i -> i);
    if (sampling == TestSampling.RANDOM) {
      Random random = new Random(seed);
      for (int i = numRows - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int swap = order[i];
        order[i] = order[j];
        order[j] = swap;
      }
    }
    // LAST keeps table order: the test rows are the last ones.
    int[] train = Arrays.copyOfRange(order, 0, numTrain);
    int[] test = Arrays.copyOfRange(order, numTrain, numRows);
    Arrays.sort(train);
    Arrays.sort(test);
    return new TrainTestSplit(train, test);
  }

  /**
   * Each class gives the test set its share of {@code numTest} rows (largest remainders settle the
   * rounding, ties to the lower class), drawn by a seeded shuffle of that class's rows.
   */
  private static TrainTestSplit stratified(int numRows, int numTest, int[] classes, long seed) {
    int numClasses = Arrays.stream(classes).max().orElse(0) + 1;
    int[] counts = new int[numClasses];
    for (int label : classes) {
      counts[label]++;
    }
    int[] quota = new int[numClasses];
    double[] remainder = new double[numClasses];
    int assigned = 0;
    for (int c = 0; c < numClasses; c++) {
      double exact = (double) numTest * counts[c] / numRows;
      quota[c] = (int) Math.floor(exact);
      remainder[c] = exact - quota[c];
      assigned += quota[c];
    }
    while (assigned < numTest) {
      int best = -1;
      for (int c = 0; c < numClasses; c++) {
        if (quota[c] < counts[c] && (best < 0 || remainder[c] > remainder[best])) {
          best = c;
        }
      }
      quota[best]++;
      remainder[best] = -1;
      assigned++;
    }
    Random random = new Random(seed);
    boolean[] inTest = new boolean[numRows];
    for (int c = 0; c < numClasses; c++) {
      int[] rows = new int[counts[c]];
      int n = 0;
      for (int i = 0; i < numRows; i++) {
        if (classes[i] == c) {
          rows[n++] = i;
        }
      }
      for (int i = rows.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int swap = rows[i];
        rows[i] = rows[j];
        rows[j] = swap;
      }
      for (int i = 0; i < quota[c]; i++) {
        inTest[rows[i]] = true;
      }
    }
    int[] train = new int[numRows - numTest];
    int[] test = new int[numTest];
    int trainAt = 0;
    int testAt = 0;
    for (int i = 0; i < numRows; i++) {
      if (inTest[i]) {
        test[testAt++] = i;
      } else {
        train[trainAt++] = i;
      }
    }
    return new TrainTestSplit(train, test);
  }

  /** The rows of {@code x} at {@code rows}, shared, not copied. */
  public static double[][] select(double[][] x, int[] rows) {
    double[][] selected = new double[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      selected[i] = x[rows[i]];
    }
    return selected;
  }

  public static double[] select(double[] y, int[] rows) {
    double[] selected = new double[rows.length];
    for (int i = 0; i < rows.length; i++) {
      selected[i] = y[rows[i]];
    }
    return selected;
  }

  public static int[] select(int[] y, int[] rows) {
    int[] selected = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      selected[i] = y[rows[i]];
    }
    return selected;
  }
}
