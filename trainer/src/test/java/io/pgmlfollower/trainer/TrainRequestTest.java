package io.pgmlfollower.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TrainRequestTest {
  @Test
  void defaultsArePostgresMlsAndNullMeansDefault() {
    TrainRequest request =
        TrainRequest.builder("p")
            .algorithm(null)
            .testSize(null)
            .testSampling((String) null)
            .automaticDeploy(null)
            .build();

    assertThat(request.algorithm()).isEqualTo("linear");
    assertThat(request.testSize()).isEqualTo(0.25);
    assertThat(request.testSampling()).isEqualTo(TestSampling.RANDOM);
    assertThat(request.automaticDeploy()).isTrue();
    assertThat(request.task()).isEmpty();
    assertThat(request.relationName()).isEmpty();
    assertThat(request.hyperparams()).isEmpty();
  }

  @Test
  void namesAreCaseInsensitive() {
    TrainRequest request =
        TrainRequest.builder("p")
            .task("Classification")
            .algorithm("Random_Forest")
            .testSampling("LAST")
            .build();

    assertThat(request.task()).contains(Task.CLASSIFICATION);
    assertThat(request.algorithm()).isEqualTo("random_forest");
    assertThat(request.testSampling()).isEqualTo(TestSampling.LAST);
  }

  @Test
  void invalidArgumentsSayWhatIsAllowed() {
    assertThatThrownBy(() -> TrainRequest.builder("p").testSize(1.0))
        .isInstanceOfSatisfying(
            TrainerException.class, e -> assertThat(e.sqlState()).isEqualTo("22023"))
        .hasMessageContaining("between 0 and 1");
    assertThatThrownBy(() -> TrainRequest.builder("p").task("ranking"))
        .hasMessage(
            "unknown task 'ranking': use one of regression, classification, clustering,"
                + " decomposition");
    assertThatThrownBy(() -> TrainRequest.builder("p").testSampling("shuffled"))
        .hasMessageContaining("use one of random, last, stratified");
    assertThatThrownBy(() -> DeploymentStrategy.fromUserInput("new_score"))
        .hasMessage(
            "unknown deployment strategy 'new_score': use one of best_score, most_recent,"
                + " rollback");
  }
}
