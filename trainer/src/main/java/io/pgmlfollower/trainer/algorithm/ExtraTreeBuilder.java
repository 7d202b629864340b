package io.pgmlfollower.trainer.algorithm;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Grows one extremely randomized tree (Geurts, Ernst & Wehenkel, "Extremely randomized trees",
 * Machine Learning 63, 2006) as scikit-learn's {@code RandomSplitter} does: at each node, features
 * are visited in random order until {@code maxFeatures} non-constant ones have been tried; each
 * gets one threshold drawn uniformly between its smallest and largest value in the node, and the
 * candidate of largest impurity decrease (gini, or variance for regression) wins. Nodes are split
 * depth-first until pure, {@code maxDepth} or {@code minLeaf} stop them.
 *
 * <p>The rows of a node are a slice {@code [start, end)} of one index array, partitioned in place
 * at each split, so a tree costs no allocation per node beyond its arrays.
 */
final class ExtraTreeBuilder {
  private final double[][] x;
  private final int[] classes; // null for regression
  private final double[] targets; // null for classification
  private final int numClasses;
  private final int maxFeatures;
  private final int maxDepth;
  private final int minLeaf;
  private final SplittableRandom random;
  private final int[] rows;
  private final int[] features;

  private int size;
  private int[] feature = new int[64];
  private double[] threshold = new double[64];
  private int[] left = new int[64];
  private int[] right = new int[64];
  private double[][] value = new double[64][];

  private ExtraTreeBuilder(
      double[][] x,
      int[] classes,
      double[] targets,
      int numClasses,
      int maxFeatures,
      int maxDepth,
      int minLeaf,
      long seed) {
    this.x = x;
    this.classes = classes;
    this.targets = targets;
    this.numClasses = numClasses;
    this.maxFeatures = maxFeatures;
    this.maxDepth = maxDepth;
    this.minLeaf = minLeaf;
    this.random = new SplittableRandom(seed);
    this.rows = new int[x.length];
    Arrays.setAll(rows, i -> i);
    this.features = new int[x[0].length];
    Arrays.setAll(features, i -> i);
  }

  /** A classification tree whose leaves hold their rows' class shares. */
  static CartTree classification(
      double[][] x,
      int[] y,
      int numClasses,
      int maxFeatures,
      int maxDepth,
      int minLeaf,
      long seed) {
    return new ExtraTreeBuilder(x, y, null, numClasses, maxFeatures, maxDepth, minLeaf, seed)
        .grow();
  }

  /** A regression tree whose leaves hold {@code {mean of their rows' targets}}. */
  static CartTree regression(
      double[][] x, double[] y, int maxFeatures, int maxDepth, int minLeaf, long seed) {
    return new ExtraTreeBuilder(x, null, y, 1, maxFeatures, maxDepth, minLeaf, seed).grow();
  }

  private CartTree grow() {
    // An explicit stack rather than recursion: a tree grown until pure on sorted data can be as
    // deep as it has rows.
    int[] stackStart = new int[64];
    int[] stackEnd = new int[64];
    int[] stackNode = new int[64];
    int[] stackDepth = new int[64];
    int top = 0;
    stackStart[0] = 0;
    stackEnd[0] = rows.length;
    stackNode[0] = newNode();
    stackDepth[0] = 0;
    top = 1;
    while (top > 0) {
      top--;
      int start = stackStart[top];
      int end = stackEnd[top];
      int node = stackNode[top];
      int depth = stackDepth[top];
      value[node] = leafValue(start, end);
      int mid = depth < maxDepth ? split(node, start, end) : -1;
      if (mid < 0) {
        continue;
      }
      int l = newNode();
      int r = newNode();
      left[node] = l;
      right[node] = r;
      if (top + 2 > stackStart.length) {
        int capacity = stackStart.length * 2;
        stackStart = Arrays.copyOf(stackStart, capacity);
        stackEnd = Arrays.copyOf(stackEnd, capacity);
        stackNode = Arrays.copyOf(stackNode, capacity);
        stackDepth = Arrays.copyOf(stackDepth, capacity);
      }
      stackStart[top] = mid;
      stackEnd[top] = end;
      stackNode[top] = r;
      stackDepth[top++] = depth + 1;
      stackStart[top] = start;
      stackEnd[top] = mid;
      stackNode[top] = l;
      stackDepth[top++] = depth + 1;
    }
    return new CartTree(
        Arrays.copyOf(feature, size),
        Arrays.copyOf(threshold, size),
        Arrays.copyOf(left, size),
        Arrays.copyOf(right, size),
        Arrays.copyOf(value, size));
  }

  private int newNode() {
    if (size == feature.length) {
      int capacity = size * 2;
      feature = Arrays.copyOf(feature, capacity);
      threshold = Arrays.copyOf(threshold, capacity);
      left = Arrays.copyOf(left, capacity);
      right = Arrays.copyOf(right, capacity);
      value = Arrays.copyOf(value, capacity);
    }
    feature[size] = -1;
    left[size] = -1;
    right[size] = -1;
    return size++;
  }

  private double[] leafValue(int start, int end) {
    int n = end - start;
    if (classes == null) {
      double sum = 0;
      for (int i = start; i < end; i++) {
        sum += targets[rows[i]];
      }
      return new double[] {sum / n};
    }
    double[] shares = new double[numClasses];
    for (int i = start; i < end; i++) {
      shares[classes[rows[i]]]++;
    }
    for (int c = 0; c < numClasses; c++) {
      shares[c] /= n;
    }
    return shares;
  }

  /**
   * Splits the node's rows at the best random threshold, partitioning {@code rows[start, end)} so
   * that the left child's rows come first.
   *
   * @return the first row of the right child, or -1 when the node stays a leaf
   */
  private int split(int node, int start, int end) {
    int n = end - start;
    if (n < 2 * minLeaf || n < 2 || isPure(start, end)) {
      return -1;
    }
    double bestScore = Double.NEGATIVE_INFINITY;
    int bestFeature = -1;
    double bestThreshold = 0;
    int tried = 0;
    // A partial Fisher–Yates shuffle: features are drawn without replacement, and constant ones
    // do not count towards maxFeatures, as in scikit-learn.
    for (int drawn = 0; drawn < features.length && tried < maxFeatures; drawn++) {
      int pick = drawn + random.nextInt(features.length - drawn);
      int f = features[pick];
      features[pick] = features[drawn];
      features[drawn] = f;
      double min = Double.POSITIVE_INFINITY;
      double max = Double.NEGATIVE_INFINITY;
      for (int i = start; i < end; i++) {
        double v = x[rows[i]][f];
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      if (!(max > min)) {
        continue;
      }
      tried++;
      double t = min + random.nextDouble() * (max - min);
      if (t >= max) {
        t = min; // rounding can reach max, which would leave the right child empty
      }
      double score = childScore(f, t, start, end);
      if (score > bestScore) {
        bestScore = score;
        bestFeature = f;
        bestThreshold = t;
      }
    }
    if (bestFeature < 0 || bestScore == Double.NEGATIVE_INFINITY) {
      return -1;
    }
    int mid = partition(bestFeature, bestThreshold, start, end);
    feature[node] = bestFeature;
    threshold[node] = bestThreshold;
    return mid;
  }

  /**
   * How good a split is, higher better: minus the children's summed (row-weighted) impurity, or
   * negative infinity when a child would hold fewer than {@code minLeaf} rows. The parent's
   * impurity is the same for every candidate, so it is left out.
   */
  private double childScore(int f, double t, int start, int end) {
    if (classes == null) {
      double leftSum = 0;
      double leftSquares = 0;
      double rightSum = 0;
      double rightSquares = 0;
      int nLeft = 0;
      for (int i = start; i < end; i++) {
        int row = rows[i];
        double y = targets[row];
        if (x[row][f] <= t) {
          leftSum += y;
          leftSquares += y * y;
          nLeft++;
        } else {
          rightSum += y;
          rightSquares += y * y;
        }
      }
      int nRight = end - start - nLeft;
      if (nLeft < minLeaf || nRight < minLeaf) {
        return Double.NEGATIVE_INFINITY;
      }
      // n·variance = Σy² − (Σy)²/n per child.
      return -(leftSquares - leftSum * leftSum / nLeft)
          - (rightSquares - rightSum * rightSum / nRight);
    }
    double[] leftCounts = new double[numClasses];
    double[] rightCounts = new double[numClasses];
    int nLeft = 0;
    for (int i = start; i < end; i++) {
      int row = rows[i];
      if (x[row][f] <= t) {
        leftCounts[classes[row]]++;
        nLeft++;
      } else {
        rightCounts[classes[row]]++;
      }
    }
    int nRight = end - start - nLeft;
    if (nLeft < minLeaf || nRight < minLeaf) {
      return Double.NEGATIVE_INFINITY;
    }
    return -gini(leftCounts, nLeft) * nLeft - gini(rightCounts, nRight) * nRight;
  }

  /**
   * Whether the node's rows share one class or one target. For regression the variance is compared
   * with the targets' own scale, so that small-valued targets (1e-7) still split.
   */
  private boolean isPure(int start, int end) {
    if (classes != null) {
      return impurityTimesN(start, end) == 0;
    }
    double squares = 0;
    for (int i = start; i < end; i++) {
      squares += targets[rows[i]] * targets[rows[i]];
    }
    return impurityTimesN(start, end) <= 1e-12 * squares;
  }

  private double impurityTimesN(int start, int end) {
    int n = end - start;
    if (classes == null) {
      double sum = 0;
      double squares = 0;
      for (int i = start; i < end; i++) {
        double y = targets[rows[i]];
        sum += y;
        squares += y * y;
      }
      return squares - sum * sum / n;
    }
    double[] counts = new double[numClasses];
    for (int i = start; i < end; i++) {
      counts[classes[rows[i]]]++;
    }
    return gini(counts, n) * n;
  }

  private static double gini(double[] counts, double n) {
    double value = 1;
    for (double count : counts) {
      double p = count / n;
      value -= p * p;
    }
    return value;
  }

  private int partition(int f, double t, int start, int end) {
    int i = start;
    int j = end - 1;
    while (i <= j) {
      if (x[rows[i]][f] <= t) {
        i++;
      } else {
        int swap = rows[i];
        rows[i] = rows[j];
        rows[j] = swap;
        j--;
      }
    }
    return i;
  }
}
