package io.pgmlfollower.serving.sql;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import java.util.List;
import java.util.Map;

/**
 * Features from a row, as {@code pgml.predict('p', u) FROM users u} passes it: the row's JSON
 * object ({@code to_jsonb(u)}), matched to the model's features by column name; or a JSON array,
 * taken in order (what an int[] or bool[] argument becomes on the way).
 */
final class RowFeatures {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RowFeatures() {}

  /**
   * @param categories the model's text features and their categories: such a feature's value
   *     becomes its category's index, -1 when unknown, NaN when NULL (imputed, or refused by the
   *     model)
   */
  static double[] features(
      String json, List<String> featureNames, Map<String, List<String>> categories, String project)
      throws PgWireException {
    JsonNode row;
    try {
      row = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new PgWireException(
          SqlState.INVALID_TEXT_REPRESENTATION,
          "pgml.predict: invalid JSON row: " + e.getOriginalMessage());
    }
    double[] features = new double[featureNames.size()];
    if (row.isArray()) {
      if (row.size() != features.length) {
        throw new PgWireException(
            SqlState.INVALID_PARAMETER_VALUE,
            "project '%s' expects %d features (%s), got %d"
                .formatted(project, features.length, String.join(", ", featureNames), row.size()),
            "pass the features in the order the model was trained on");
      }
      for (int i = 0; i < features.length; i++) {
        features[i] = value(row.get(i), featureNames.get(i), categories, project);
      }
      return features;
    }
    if (!row.isObject()) {
      throw new PgWireException(
          SqlState.DATATYPE_MISMATCH, "pgml.predict: expected a row or an array of features");
    }
    for (int i = 0; i < features.length; i++) {
      JsonNode value = row.get(featureNames.get(i));
      if (value == null) {
        throw new PgWireException(
            SqlState.INVALID_PARAMETER_VALUE,
            "project '%s' needs column %s, which the row does not have"
                .formatted(project, featureNames.get(i)),
            "pass a row of the relation the model was trained on, or one with the same column"
                + " names: "
                + String.join(", ", featureNames));
      }
      features[i] = value(value, featureNames.get(i), categories, project);
    }
    return features;
  }

  private static double value(
      JsonNode node, String column, Map<String, List<String>> categories, String project)
      throws PgWireException {
    List<String> known = categories.get(column);
    if (known != null) {
      if (node.isNull()) {
        return Double.NaN;
      }
      // to_jsonb gives text and enums as strings; a number or boolean is matched by its text.
      // The categories are sorted (String order); -1 for one the model never saw, which its
      // encoding handles.
      int code =
          java.util.Collections.binarySearch(
              known, node.isTextual() ? node.textValue() : node.asText());
      return code >= 0 ? code : -1;
    }
    if (node.isNumber()) {
      return node.doubleValue();
    }
    if (node.isBoolean()) {
      return node.booleanValue() ? 1 : 0;
    }
    if (node.isNull()) {
      // Missing: the model imputes it where it was trained to, and refuses it by name elsewhere.
      return Double.NaN;
    }
    if (node.isTextual()) {
      switch (node.textValue()) {
        case "NaN" -> {
          return Double.NaN;
        }
        case "Infinity" -> {
          return Double.POSITIVE_INFINITY;
        }
        case "-Infinity" -> {
          return Double.NEGATIVE_INFINITY;
        }
        default -> {}
      }
    }
    throw new PgWireException(
        SqlState.DATATYPE_MISMATCH,
        "project '%s': feature %s is %s, not a number"
            .formatted(project, column, node.getNodeType()),
        "the model takes numeric and boolean features");
  }
}
