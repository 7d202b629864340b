package io.pgmlfollower.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import org.junit.jupiter.api.Test;

class LabelMappingTest {
  @Test
  void numericLabelsAreSortedAndDecodeToTheOriginalValue() {
    TargetValues target = new TargetValues.Numeric(new double[] {7, -1, 7, 3});

    LabelMapping mapping = LabelMapping.fit(target);

    assertThat(mapping.numClasses()).isEqualTo(3);
    assertThat(mapping.encode(target)).containsExactly(2, 0, 2, 1);
    assertThat(mapping.decode(0)).isEqualTo(-1.0);
    assertThat(mapping.decode(2)).isEqualTo(7.0);
    assertThat(mapping.labels()).containsExactly(-1.0, 3.0, 7.0);
  }

  @Test
  void booleansMapFalseToZeroAndTrueToOne() {
    // The reader turns false/true into 0/1, so true is the positive class 1.
    TargetValues target = new TargetValues.Numeric(new double[] {1, 0, 1});

    LabelMapping mapping = LabelMapping.fit(target);

    assertThat(mapping.encode(target)).containsExactly(1, 0, 1);
    assertThat(mapping.decode(1)).isEqualTo(1.0);
  }

  @Test
  void textLabelsAreSortedAndDecodeToTheClassIndex() {
    TargetValues target = new TargetValues.Text(new String[] {"setosa", "virginica", "versicolor"});

    LabelMapping mapping = LabelMapping.fit(target);

    assertThat(mapping.isText()).isTrue();
    assertThat(mapping.labels()).containsExactly("setosa", "versicolor", "virginica");
    assertThat(mapping.encode(target)).containsExactly(0, 2, 1);
    assertThat(mapping.decode(2)).isEqualTo(2.0);
  }

  @Test
  void aSingleClassCannotBeLearned() {
    assertThatThrownBy(() -> LabelMapping.fit(new TargetValues.Text(new String[] {"a", "a"})))
        .isInstanceOfSatisfying(
            TrainerException.class,
            e -> assertThat(e.code()).isEqualTo(TrainerErrorCode.TRAINING_FAILED))
        .hasMessageContaining("single value (a)");
  }
}
