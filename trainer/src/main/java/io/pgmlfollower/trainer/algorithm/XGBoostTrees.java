package io.pgmlfollower.trainer.algorithm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * An XGBoost model read from XGBoost's own JSON model format
 * (https://xgboost.readthedocs.io/en/stable/tutorials/saving_model.html) and evaluated in Java:
 * XGBoost4J's native prediction costs a JNI call and a parse of an array-interface description per
 * call (about 100 µs for one row), walking the trees here costs well under a microsecond per tree.
 * Training stays with the native library; {@code XGBoostIT} checks that both predict the same.
 *
 * <p>A node splits on {@code split_indices[n]}: a value below {@code split_conditions[n]} (compared
 * as float, as XGBoost stores it) goes left, missing values (NaN) follow {@code default_left[n]}; a
 * leaf ({@code left_children[n] == -1}) holds its value in {@code split_conditions[n]}. Each tree
 * adds to the margin of its output group ({@code tree_info}), which starts at {@code base_score}
 * turned into a margin by the objective's link.
 */
final class XGBoostTrees {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The objectives this evaluator applies the link of. */
  enum Objective {
    SQUARED_ERROR("reg:squarederror"),
    ABSOLUTE_ERROR("reg:absoluteerror"),
    PSEUDO_HUBER_ERROR("reg:pseudohubererror"),
    LOGISTIC("binary:logistic"),
    SOFTPROB("multi:softprob");

    private final String xgboostName;

    Objective(String xgboostName) {
      this.xgboostName = xgboostName;
    }

    String xgboostName() {
      return xgboostName;
    }

    static Objective of(String name) {
      for (Objective objective : values()) {
        if (objective.xgboostName.equals(name)) {
          return objective;
        }
      }
      throw corrupt("objective " + name + " is not one the follower evaluates");
    }
  }

  private record Tree(
      int[] left, int[] right, int[] feature, float[] condition, boolean[] defaultLeft) {
    float leafValue(double[] features) {
      int node = 0;
      while (left[node] != -1) {
        double value = features[feature[node]];
        if (Double.isNaN(value)) {
          node = defaultLeft[node] ? left[node] : right[node];
        } else {
          node = (float) value < condition[node] ? left[node] : right[node];
        }
      }
      return condition[node];
    }
  }

  private final Objective objective;
  private final Tree[] trees;
  private final int[] groups;
  private final float[] baseMargins;

  private XGBoostTrees(Objective objective, Tree[] trees, int[] groups, float[] baseMargins) {
    this.objective = objective;
    this.trees = trees;
    this.groups = groups;
    this.baseMargins = baseMargins;
  }

  /**
   * @throws TrainerException INTERNAL when the bytes are not an XGBoost JSON model of gradient
   *     boosted trees with numerical splits
   */
  static XGBoostTrees parse(byte[] json) {
    JsonNode learner;
    try {
      learner = JSON.readTree(json).path("learner");
    } catch (IOException e) {
      throw corrupt("not JSON: " + e.getMessage());
    }
    Objective objective = Objective.of(learner.path("objective").path("name").asText());
    JsonNode booster = learner.path("gradient_booster");
    if (!"gbtree".equals(booster.path("name").asText())) {
      throw corrupt("booster " + booster.path("name").asText() + " is not gbtree");
    }
    JsonNode model = booster.path("model");
    List<Tree> trees = new ArrayList<>();
    for (JsonNode tree : model.path("trees")) {
      for (JsonNode type : tree.path("split_type")) {
        if (type.asInt() != 0) {
          throw corrupt("categorical splits are not evaluated");
        }
      }
      Tree parsed =
          new Tree(
              ints(tree.path("left_children")),
              ints(tree.path("right_children")),
              ints(tree.path("split_indices")),
              floats(tree.path("split_conditions")),
              booleans(tree.path("default_left")));
      checkNodes(parsed, trees.size());
      trees.add(parsed);
    }
    int[] groups = ints(model.path("tree_info"));
    if (groups.length != trees.size()) {
      throw corrupt("tree_info names " + groups.length + " trees, the model has " + trees.size());
    }
    JsonNode parameters = learner.path("learner_model_param");
    int numClass = Integer.parseInt(parameters.path("num_class").asText("0"));
    float[] baseScores = baseScores(parameters.path("base_score").asText());
    int outputs = Math.max(1, numClass);
    if (baseScores.length != 1 && baseScores.length != outputs) {
      throw corrupt(baseScores.length + " base scores for " + outputs + " outputs");
    }
    float[] baseMargins = new float[outputs];
    for (int group = 0; group < outputs; group++) {
      float score = baseScores[baseScores.length == 1 ? 0 : group];
      baseMargins[group] =
          objective == Objective.LOGISTIC ? (float) -Math.log(1.0 / score - 1.0) : score;
    }
    for (int group : groups) {
      if (group < 0 || group >= outputs) {
        throw corrupt("a tree of output group " + group + " in a model of " + outputs);
      }
    }
    return new XGBoostTrees(objective, trees.toArray(Tree[]::new), groups, baseMargins);
  }

  int outputs() {
    return baseMargins.length;
  }

  Objective objective() {
    return objective;
  }

  /** The raw scores (margins) of the output groups, before the objective's link. */
  void margins(double[] features, float[] margins) {
    System.arraycopy(baseMargins, 0, margins, 0, baseMargins.length);
    for (int i = 0; i < trees.length; i++) {
      margins[groups[i]] += trees[i].leafValue(features);
    }
  }

  /** The prediction of a regression objective (one output group). */
  double predictValue(double[] features) {
    float margin = baseMargins[0];
    for (Tree tree : trees) {
      margin += tree.leafValue(features);
    }
    return margin;
  }

  /**
   * Class probabilities: the sigmoid of a binary model's margin (class 1), the softmax of a
   * multi-class model's margins.
   */
  void probabilities(double[] features, double[] probabilities) {
    if (objective == Objective.LOGISTIC) {
      double p = 1.0 / (1.0 + Math.exp(-predictValue(features)));
      probabilities[0] = 1.0 - p;
      probabilities[1] = p;
      return;
    }
    // The margins summed in float, as XGBoost sums them, in the caller's array (no allocation).
    int outputs = baseMargins.length;
    for (int g = 0; g < outputs; g++) {
      probabilities[g] = baseMargins[g];
    }
    for (int i = 0; i < trees.length; i++) {
      probabilities[groups[i]] = (float) (probabilities[groups[i]] + trees[i].leafValue(features));
    }
    double max = Double.NEGATIVE_INFINITY;
    for (int g = 0; g < outputs; g++) {
      max = Math.max(max, probabilities[g]);
    }
    double sum = 0;
    for (int g = 0; g < outputs; g++) {
      probabilities[g] = Math.exp(probabilities[g] - max);
      sum += probabilities[g];
    }
    for (int g = 0; g < outputs; g++) {
      probabilities[g] /= sum;
    }
  }

  /** Every node's arrays of one length, every child a node after its parent: no loop, no gap. */
  private static void checkNodes(Tree tree, int index) {
    int nodes = tree.left().length;
    if (nodes == 0
        || tree.right().length != nodes
        || tree.feature().length != nodes
        || tree.condition().length != nodes
        || tree.defaultLeft().length != nodes) {
      throw corrupt("tree " + index + " has node arrays of different lengths");
    }
    for (int node = 0; node < nodes; node++) {
      int left = tree.left()[node];
      int right = tree.right()[node];
      boolean leaf = left == -1;
      if (!leaf
          && (left <= node
              || left >= nodes
              || right <= node
              || right >= nodes
              || tree.feature()[node] < 0)) {
        throw corrupt("tree " + index + " node " + node + " has bad children or feature");
      }
    }
  }

  /** {@code "5E-1"}, or since XGBoost 3.1 a vector {@code "[5E-1,2.5E-1]"}. */
  private static float[] baseScores(String text) {
    String values = text.strip();
    if (values.startsWith("[") && values.endsWith("]")) {
      values = values.substring(1, values.length() - 1);
    }
    String[] parts = values.split(",");
    float[] scores = new float[parts.length];
    try {
      for (int i = 0; i < parts.length; i++) {
        scores[i] = Float.parseFloat(parts[i].strip());
      }
    } catch (NumberFormatException e) {
      throw corrupt("base_score " + text);
    }
    return scores;
  }

  private static int[] ints(JsonNode array) {
    int[] values = new int[array.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = array.get(i).asInt();
    }
    return values;
  }

  private static float[] floats(JsonNode array) {
    float[] values = new float[array.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) array.get(i).asDouble();
    }
    return values;
  }

  private static boolean[] booleans(JsonNode array) {
    boolean[] values = new boolean[array.size()];
    for (int i = 0; i < values.length; i++) {
      JsonNode value = array.get(i);
      values[i] = value.isBoolean() ? value.asBoolean() : value.asInt() != 0;
    }
    return values;
  }

  private static TrainerException corrupt(String what) {
    return new TrainerException(
        TrainerErrorCode.INTERNAL,
        "a stored XGBoost model cannot be read (" + what + "): retrain the project");
  }
}
