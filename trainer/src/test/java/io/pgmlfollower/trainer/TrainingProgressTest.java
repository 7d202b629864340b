package io.pgmlfollower.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TrainingProgressTest {
  @Test
  void listsRunningTrainingsWithTheirSearchUntilTheyClose() {
    TrainingProgress progress = new TrainingProgress();
    try (TrainingProgress.Entry second = progress.start(8, "churn", "xgboost");
        TrainingProgress.Entry first = progress.start(7, "bc", "random_forest")) {
      first.candidates(0, 12);
      first.candidates(3, 12);
      second.stage(TrainingProgress.Stage.SCORING);

      assertThat(progress.running())
          .extracting(
              TrainingProgress.Running::modelId,
              TrainingProgress.Running::project,
              TrainingProgress.Running::stage,
              TrainingProgress.Running::candidatesDone,
              TrainingProgress.Running::candidates)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(7L, "bc", "searching", 3, 12),
              org.assertj.core.groups.Tuple.tuple(8L, "churn", "scoring and storing", 0, 0));
      first.close();
      assertThat(progress.running())
          .extracting(TrainingProgress.Running::modelId)
          .containsExactly(8L);
    }
    assertThat(progress.running()).isEmpty();
  }
}
