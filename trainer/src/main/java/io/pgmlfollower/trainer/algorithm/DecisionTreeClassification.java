package io.pgmlfollower.trainer.algorithm;

import static io.pgmlfollower.trainer.algorithm.TreeParameters.MAX_DEPTH;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.MAX_LEAF_NODES;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.MAX_TREE_DEPTH;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.MIN_SAMPLES_LEAF;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Classification {@code decision_tree}: one CART tree as scikit-learn's DecisionTreeClassifier
 * grows it: the split of largest impurity decrease ({@code criterion} gini or entropy) at the
 * midpoint between two consecutive values, {@code x <= threshold} going left; grown until leaves
 * are pure, {@code min_samples_leaf} (1) stops a split, or {@code max_depth} / {@code
 * max_leaf_nodes} (best-first, largest decrease first) bound it. Plain Java: Smile 6's DecisionTree
 * stops early on iris (training accuracy 0.89 where a full tree reaches 1.0; {@code
 * bench/training}). A leaf predicts its training rows' class shares.
 */
final class DecisionTreeClassification implements ClassificationAlgorithm {
  private static final String CRITERION = "criterion";

  @Override
  public String name() {
    return "decision_tree";
  }

  @Override
  public Set<String> hyperparameterNames() {
    return Set.of(CRITERION, MAX_DEPTH, MAX_LEAF_NODES, MIN_SAMPLES_LEAF);
  }

  @Override
  public ClassificationEstimator fit(
      double[][] x, int[] y, int numClasses, HyperParameters hyperparameters, long seed) {
    boolean entropy =
        hyperparameters.choice(CRITERION, "gini", Set.of("gini", "entropy")).equals("entropy");
    int maxDepth = hyperparameters.intValue(MAX_DEPTH, MAX_TREE_DEPTH, 1, MAX_TREE_DEPTH);
    int maxLeaves =
        hyperparameters.intValue(MAX_LEAF_NODES, Integer.MAX_VALUE, 2, Integer.MAX_VALUE);
    int minLeaf = hyperparameters.intValue(MIN_SAMPLES_LEAF, 1, 1, Integer.MAX_VALUE);
    return new Builder(x, y, numClasses, entropy, minLeaf).grow(maxDepth, maxLeaves);
  }

  @Override
  public ClassificationEstimator restore(Object artifact, int numClasses) {
    if (!(artifact instanceof Object[] parts)
        || parts.length != 5
        || !(parts[0] instanceof int[] feature)
        || !(parts[1] instanceof double[] threshold)
        || !(parts[2] instanceof int[] left)
        || !(parts[3] instanceof int[] right)
        || !(parts[4] instanceof double[][] distribution)) {
      throw new IllegalArgumentException("expected a decision tree");
    }
    return new Tree(feature, threshold, left, right, distribution);
  }

  /** Grows the tree over row indexes; nodes are appended to growing arrays. */
  private static final class Builder {
    private final double[][] x;
    private final int[] y;
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

    Builder(double[][] x, int[] y, int numClasses, boolean entropy, int minLeaf) {
      this.x = x;
      this.y = y;
      this.numClasses = numClasses;
      this.entropy = entropy;
      this.minLeaf = minLeaf;
    }

    /** A candidate split of a node: its impurity decrease (weighted by rows). */
    private record Split(int node, int feature, double threshold, double gain) {}

    Tree grow(int maxDepth, int maxLeaves) {
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
      return new Tree(
          feature.stream().mapToInt(Integer::intValue).toArray(),
          threshold.stream().mapToDouble(Double::doubleValue).toArray(),
          left.stream().mapToInt(Integer::intValue).toArray(),
          right.stream().mapToInt(Integer::intValue).toArray(),
          Arrays.copyOf(dist, n));
    }

    private int addNode(int[] rows, int depth) {
      double[] counts = new double[numClasses];
      for (int row : rows) {
        counts[y[row]]++;
      }
      for (int c = 0; c < numClasses; c++) {
        counts[c] /= rows.length;
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
      for (int row : rows) {
        total[y[row]]++;
      }
      double parent = impurity(total, n);
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
        for (int i = 0; i < n - 1; i++) {
          int label = y[order[i]];
          leftCounts[label]++;
          rightCounts[label]--;
          double here = x[order[i]][column];
          double next = x[order[i + 1]][column];
          int nLeft = i + 1;
          int nRight = n - nLeft;
          if (here == next || nLeft < minLeaf || nRight < minLeaf) {
            continue;
          }
          double gain =
              n * parent
                  - nLeft * impurity(leftCounts, nLeft)
                  - nRight * impurity(rightCounts, nRight);
          if (gain > 1e-12 && (best == null || gain > best.gain())) {
            double midpoint = here + (next - here) / 2;
            best = new Split(node, column, midpoint == next ? here : midpoint, gain);
          }
        }
      }
      return best;
    }

    private double impurity(double[] counts, int n) {
      double value = entropy ? 0 : 1;
      for (double count : counts) {
        if (count <= 0) {
          continue;
        }
        double p = count / n;
        value += entropy ? -p * (Math.log(p) / Math.log(2)) : -p * p;
      }
      return value;
    }
  }

  /** The grown tree as arrays: a leaf has {@code feature == -1}. Immutable. */
  private record Tree(
      int[] feature, double[] threshold, int[] left, int[] right, double[][] distribution)
      implements ClassificationEstimator {
    @Override
    public int predict(double[] features, double[] probabilities) {
      int node = 0;
      while (feature[node] >= 0) {
        node = features[feature[node]] <= threshold[node] ? left[node] : right[node];
      }
      double[] leaf = distribution[node];
      int best = 0;
      for (int c = 0; c < probabilities.length; c++) {
        probabilities[c] = c < leaf.length ? leaf[c] : 0;
        if (probabilities[c] > probabilities[best]) {
          best = c;
        }
      }
      return best;
    }

    /** Primitive arrays only: what the artifact codec admits. */
    @Override
    public Serializable artifact() {
      return new Object[] {feature, threshold, left, right, distribution};
    }
  }
}
