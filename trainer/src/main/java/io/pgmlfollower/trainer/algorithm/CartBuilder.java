package io.pgmlfollower.trainer.algorithm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Grows one CART classification tree as scikit-learn's DecisionTreeClassifier does: the split of
 * largest (weighted) impurity decrease, gini or entropy, at the midpoint between two consecutive
 * values, {@code x <= threshold} going left; best-first, so that {@code max_leaf_nodes} keeps the
 * largest decreases; {@code min_samples_leaf} counts rows. Rows may carry weights (AdaBoost's).
 */
final class CartBuilder {
  private final double[][] x;
  private final int[] y;
  private final double[] weights;
  private final int numClasses;
  private final boolean entropy;
  private final int minLeaf;
  private final List<int[]> rowsOf = new ArrayList<>();
  private final List<Integer> depthOf = new ArrayList<>();
  private final List<double[]> distribution = new ArrayList<>();
  private final List<Integer> feature = new ArrayList<>();
  private final List<Double> threshold = new ArrayList<>();
  private final List<Integer> left = new ArrayList<>();
  private final List<Integer> right = new ArrayList<>();

  /**
   * @param weights each row's weight (AdaBoost's); null weighs every row 1
   */
  CartBuilder(
      double[][] x, int[] y, double[] weights, int numClasses, boolean entropy, int minLeaf) {
    this.x = x;
    this.y = y;
    this.weights = weights;
    this.numClasses = numClasses;
    this.entropy = entropy;
    this.minLeaf = minLeaf;
  }

  /** A candidate split of a node: its impurity decrease (weighted by rows). */
  private record Split(int node, int feature, double threshold, double gain) {}

  CartTree grow(int maxDepth, int maxLeaves) {
    int[] all = new int[x.length];
    Arrays.setAll(all, i -> i);
    int root = addNode(all, 0);
    PriorityQueue<Split> frontier =
        new PriorityQueue<>(Comparator.comparingDouble(Split::gain).reversed());
    offer(frontier, root, maxDepth);
    int leaves = 1;
    while (!frontier.isEmpty() && leaves < maxLeaves) {
      Split split = frontier.poll();
      int[] rows = rowsOf.get(split.node());
      int[] goLeft =
          Arrays.stream(rows).filter(r -> x[r][split.feature()] <= split.threshold()).toArray();
      int[] goRight =
          Arrays.stream(rows).filter(r -> x[r][split.feature()] > split.threshold()).toArray();
      int depth = depthOf.get(split.node()) + 1;
      int l = addNode(goLeft, depth);
      int r = addNode(goRight, depth);
      feature.set(split.node(), split.feature());
      threshold.set(split.node(), split.threshold());
      left.set(split.node(), l);
      right.set(split.node(), r);
      rowsOf.set(split.node(), null);
      leaves++;
      offer(frontier, l, maxDepth);
      offer(frontier, r, maxDepth);
    }
    int n = feature.size();
    double[][] dist = distribution.toArray(double[][]::new);
    return new CartTree(
        feature.stream().mapToInt(Integer::intValue).toArray(),
        threshold.stream().mapToDouble(Double::doubleValue).toArray(),
        left.stream().mapToInt(Integer::intValue).toArray(),
        right.stream().mapToInt(Integer::intValue).toArray(),
        Arrays.copyOf(dist, n));
  }

  private int addNode(int[] rows, int depth) {
    double[] counts = new double[numClasses];
    double sum = 0;
    for (int row : rows) {
      counts[y[row]] += weight(row);
      sum += weight(row);
    }
    for (int c = 0; c < numClasses; c++) {
      counts[c] = sum > 0 ? counts[c] / sum : 0;
    }
    rowsOf.add(rows);
    depthOf.add(depth);
    distribution.add(counts);
    feature.add(-1);
    threshold.add(0.0);
    left.add(-1);
    right.add(-1);
    return feature.size() - 1;
  }

  private void offer(PriorityQueue<Split> frontier, int node, int maxDepth) {
    int[] rows = rowsOf.get(node);
    if (depthOf.get(node) >= maxDepth || rows.length < 2 * minLeaf) {
      return;
    }
    Split best = bestSplit(node, rows);
    if (best != null) {
      frontier.add(best);
    }
  }

  /** The split of largest impurity decrease, or null when none decreases it. */
  private Split bestSplit(int node, int[] rows) {
    int n = rows.length;
    double[] total = new double[numClasses];
    double weightSum = 0;
    for (int row : rows) {
      total[y[row]] += weight(row);
      weightSum += weight(row);
    }
    double parent = impurity(total, weightSum);
    if (parent == 0) {
      return null;
    }
    Split best = null;
    Integer[] order = new Integer[n];
    double[] leftCounts = new double[numClasses];
    double[] rightCounts = new double[numClasses];
    for (int f = 0; f < x[0].length; f++) {
      final int column = f;
      for (int i = 0; i < n; i++) {
        order[i] = rows[i];
      }
      Arrays.sort(order, Comparator.comparingDouble(r -> x[r][column]));
      Arrays.fill(leftCounts, 0);
      System.arraycopy(total, 0, rightCounts, 0, numClasses);
      double leftWeight = 0;
      for (int i = 0; i < n - 1; i++) {
        int label = y[order[i]];
        double w = weight(order[i]);
        leftCounts[label] += w;
        rightCounts[label] -= w;
        leftWeight += w;
        double here = x[order[i]][column];
        double next = x[order[i + 1]][column];
        int nLeft = i + 1;
        int nRight = n - nLeft;
        if (here == next || nLeft < minLeaf || nRight < minLeaf) {
          continue;
        }
        double rightWeight = weightSum - leftWeight;
        double gain =
            weightSum * parent
                - leftWeight * impurity(leftCounts, leftWeight)
                - rightWeight * impurity(rightCounts, rightWeight);
        // An impure node is split even when no split lowers its impurity (XOR-like classes need
        // two levels), as scikit-learn does; a larger decrease wins, beyond rounding noise.
        if (best == null || gain > best.gain() + 1e-12) {
          double midpoint = here + (next - here) / 2;
          best = new Split(node, column, midpoint == next ? here : midpoint, gain);
        }
      }
    }
    return best;
  }

  private double weight(int row) {
    return weights == null ? 1 : weights[row];
  }

  private double impurity(double[] counts, double n) {
    if (!(n > 0)) {
      return 0;
    }
    double value = entropy ? 0 : 1;
    for (double count : counts) {
      if (count <= 1e-300) {
        continue;
      }
      double p = count / n;
      value += entropy ? -p * (Math.log(p) / Math.log(2)) : -p * p;
    }
    return value;
  }
}
