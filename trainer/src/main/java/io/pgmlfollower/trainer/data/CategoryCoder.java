package io.pgmlfollower.trainer.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Numbers the distinct values of a text feature while its rows are read: each value is a code, its
 * index in the column's categories; NULL (to be imputed) is NaN. Once every row is read, {@link
 * #sortInPlace} renumbers the codes in the categories' sorted order, so that the same rows give the
 * same codes whatever order they came in.
 */
final class CategoryCoder {
  private final Map<String, Integer> codes = new HashMap<>();
  private final List<String> values = new ArrayList<>();

  double code(String value) {
    if (value == null) {
      return Double.NaN;
    }
    return codes.computeIfAbsent(
        value,
        v -> {
          values.add(v);
          return values.size() - 1;
        });
  }

  /**
   * Renumbers column {@code j} of {@code x} from first-appearance codes to sorted codes.
   *
   * @return the categories in sorted (code) order
   */
  List<String> sortInPlace(double[][] x, int j) {
    String[] sorted = values.toArray(String[]::new);
    Arrays.sort(sorted);
    int[] renumber = new int[sorted.length];
    for (int code = 0; code < sorted.length; code++) {
      renumber[codes.get(sorted[code])] = code;
    }
    for (double[] row : x) {
      if (!Double.isNaN(row[j])) {
        row[j] = renumber[(int) row[j]];
      }
    }
    return List.of(sorted);
  }
}
