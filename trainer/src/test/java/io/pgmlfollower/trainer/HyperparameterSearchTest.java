package io.pgmlfollower.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The cross-validation folds: every row in exactly one, a classification's stratified. */
class HyperparameterSearchTest {
  @Test
  void classificationFoldsKeepEachClassShare() {
    int[] classes = new int[100];
    for (int i = 0; i < 100; i++) {
      classes[i] = i < 10 ? 1 : 0; // a rare class: 10 rows of 100
    }
    int[][] folds = new HyperparameterSearch(42).folds(100, classes, 3);
    assertThat(Arrays.stream(folds).flatMapToInt(Arrays::stream).sorted().toArray())
        .isEqualTo(java.util.stream.IntStream.range(0, 100).toArray());
    for (int[] fold : folds) {
      long rare = Arrays.stream(fold).filter(row -> classes[row] == 1).count();
      assertThat(rare).as("rare rows in a fold of %d", fold.length).isBetween(3L, 4L);
      assertThat(fold.length).isBetween(33, 34);
    }
  }

  @Test
  void regressionFoldsAreContiguousPartsOfOneShuffle() {
    int[][] folds = new HyperparameterSearch(42).folds(10, new double[10], 3);
    assertThat(Arrays.stream(folds).mapToInt(f -> f.length).toArray()).containsExactly(4, 3, 3);
    assertThat(Arrays.stream(folds).flatMapToInt(Arrays::stream).sorted().toArray())
        .isEqualTo(java.util.stream.IntStream.range(0, 10).toArray());
  }
}
