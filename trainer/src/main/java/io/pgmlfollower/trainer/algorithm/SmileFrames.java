package io.pgmlfollower.trainer.algorithm;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import smile.data.DataFrame;
import smile.data.formula.Formula;
import smile.data.vector.DoubleVector;
import smile.data.vector.IntVector;
import smile.data.vector.ValueVector;

/**
 * Builds the Smile data frames that Smile's tree models train on. Columns are named {@code x0..},
 * the target {@code y}: user column names never reach Smile's formula parser, and a feature cannot
 * collide with the target's name.
 */
final class SmileFrames {
  static final String TARGET = "y";
  static final Formula FORMULA = Formula.lhs(TARGET);

  private SmileFrames() {}

  static DataFrame regression(double[][] x, double[] y) {
    List<ValueVector> columns = featureColumns(x);
    columns.add(new DoubleVector(TARGET, y.clone()));
    return new DataFrame(columns.toArray(ValueVector[]::new));
  }

  static DataFrame classification(double[][] x, int[] y) {
    List<ValueVector> columns = featureColumns(x);
    columns.add(new IntVector(TARGET, y.clone()));
    return new DataFrame(columns.toArray(ValueVector[]::new));
  }

  /** One seed per tree, derived from the training seed, for Smile's per-tree random streams. */
  static long[] treeSeeds(long seed, int ntrees) {
    return new Random(seed).longs(ntrees).toArray();
  }

  private static List<ValueVector> featureColumns(double[][] x) {
    int p = x[0].length;
    List<ValueVector> columns = new ArrayList<>(p + 1);
    for (int j = 0; j < p; j++) {
      double[] column = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        column[i] = x[i][j];
      }
      columns.add(new DoubleVector("x" + j, column));
    }
    return columns;
  }
}
