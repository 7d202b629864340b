package io.pgmlfollower.trainer.data;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The rows of a relation, read in one snapshot: features in table order (every column but the
 * target, PostgresML's semantics: an {@code id} column is a feature too) and the target.
 *
 * @param features the feature columns, in the order of each row of {@code x}
 * @param target null for a task without one (clustering, decomposition)
 * @param x one array of feature values per row
 * @param y the target's values; null when there is no target
 * @param sourceLsn the source LSN the rows are consistent with, when the store knows it
 * @param categories the text features' distinct values, sorted, by feature name: in {@code x} such
 *     a feature holds its value's index in this list (NaN for a NULL to impute)
 */
public record RelationData(
    ResolvedRelation relation,
    List<RelationColumn> features,
    RelationColumn target,
    double[][] x,
    TargetValues y,
    Optional<String> sourceLsn,
    Map<String, List<String>> categories) {
  public RelationData {
    categories = Map.copyOf(requireNonNull(categories, "categories is null"));
    requireNonNull(relation, "relation is null");
    features = List.copyOf(requireNonNull(features, "features is null"));
    requireNonNull(x, "x is null");
    requireNonNull(sourceLsn, "sourceLsn is null");
    if ((target == null) != (y == null)) {
      throw new IllegalArgumentException("a target needs its values, and values their target");
    }
    if (y != null && x.length != y.size()) {
      throw new IllegalArgumentException(
          "x has " + x.length + " rows but y has " + y.size() + " values");
    }
  }

  public int numRows() {
    return x.length;
  }
}
