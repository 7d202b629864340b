package io.pgmlfollower.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.trainer.TestSampling;
import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TrainTestSplitTest {
  @Test
  void sameSeedGivesTheSameSplit() {
    TrainTestSplit first = TrainTestSplit.of(569, 0.25, TestSampling.RANDOM, 42);
    TrainTestSplit second = TrainTestSplit.of(569, 0.25, TestSampling.RANDOM, 42);

    assertThat(second.train()).isEqualTo(first.train());
    assertThat(second.test()).isEqualTo(first.test());
  }

  @Test
  void differentSeedsGiveDifferentSplits() {
    TrainTestSplit first = TrainTestSplit.of(569, 0.25, TestSampling.RANDOM, 42);
    TrainTestSplit second = TrainTestSplit.of(569, 0.25, TestSampling.RANDOM, 43);

    assertThat(second.test()).isNotEqualTo(first.test());
  }

  @Test
  void randomSplitIsAPartitionWithCeilTestRows() {
    TrainTestSplit split = TrainTestSplit.of(569, 0.25, TestSampling.RANDOM, 7);

    assertThat(split.test()).hasSize(143); // ceil(142.25), as scikit-learn
    assertThat(split.train()).hasSize(426);
    int[] all =
        IntStream.concat(Arrays.stream(split.train()), Arrays.stream(split.test()))
            .sorted()
            .toArray();
    assertThat(all).isEqualTo(IntStream.range(0, 569).toArray());
    assertThat(split.test()).isSorted();
    // Not simply the last rows.
    assertThat(split.test()).isNotEqualTo(IntStream.range(426, 569).toArray());
  }

  @Test
  void lastSamplingHoldsOutTheLastRows() {
    TrainTestSplit split = TrainTestSplit.of(10, 0.3, TestSampling.LAST, 42);

    assertThat(split.train()).containsExactly(0, 1, 2, 3, 4, 5, 6);
    assertThat(split.test()).containsExactly(7, 8, 9);
  }

  @Test
  void tooFewRowsIsATrainingFailure() {
    assertThatThrownBy(() -> TrainTestSplit.of(1, 0.25, TestSampling.RANDOM, 42))
        .isInstanceOfSatisfying(
            TrainerException.class,
            e -> assertThat(e.code()).isEqualTo(TrainerErrorCode.TRAINING_FAILED))
        .hasMessageContaining("1 rows are too few");
  }

  @Test
  void stratifiedKeepsEachClassShareInTheHoldout() {
    int[] classes = new int[100];
    for (int i = 0; i < 100; i++) {
      classes[i] = i % 5 == 0 ? 1 : (i % 7 == 0 ? 2 : 0); // 20 of class 1, 12 of 2, 68 of 0
    }
    TrainTestSplit split = TrainTestSplit.of(100, 0.25, TestSampling.STRATIFIED, 42, classes);
    int[] perClass = new int[3];
    for (int row : split.test()) {
      perClass[classes[row]]++;
    }
    // 25 test rows: 68 / 20 / 12 × 0.25 = 17, 5, 3 exactly.
    assertThat(split.test()).hasSize(25);
    assertThat(perClass).containsExactly(17, 5, 3);
    assertThat(split.train()).hasSize(75).isSorted();
    assertThat(TrainTestSplit.of(100, 0.25, TestSampling.STRATIFIED, 42, classes).test())
        .isEqualTo(split.test());
    assertThatThrownBy(() -> TrainTestSplit.of(100, 0.25, TestSampling.STRATIFIED, 42, null))
        .hasMessageContaining("needs a classification");
  }
}
