package io.pgmlfollower.replicator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicationStateMachineTest {
  @Test
  void listenersHearEachChangeOnceAndNotARepeatOfTheSameState() {
    ReplicationStateMachine state =
        new ReplicationStateMachine("source", ReplicationState.STARTING);
    List<ReplicationState> heard = new ArrayList<>();
    state.addListener(() -> heard.add(state.get()));

    state.set(ReplicationState.SNAPSHOTTING);
    state.set(ReplicationState.SNAPSHOTTING);
    state.set(ReplicationState.STREAMING);

    assertThat(heard).containsExactly(ReplicationState.SNAPSHOTTING, ReplicationState.STREAMING);
    assertThat(state.get()).isEqualTo(ReplicationState.STREAMING);
  }

  @Test
  void aListenerThatThrowsDoesNotStopTheChangeOrTheOthers() {
    ReplicationStateMachine state =
        new ReplicationStateMachine("source", ReplicationState.STARTING);
    List<ReplicationState> heard = new ArrayList<>();
    state.addListener(
        () -> {
          throw new IllegalStateException("a broken listener");
        });
    state.addListener(() -> heard.add(state.get()));

    state.set(ReplicationState.STREAMING);

    assertThat(state.get()).isEqualTo(ReplicationState.STREAMING);
    assertThat(heard).containsExactly(ReplicationState.STREAMING);
  }
}
