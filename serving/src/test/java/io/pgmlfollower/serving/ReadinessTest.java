package io.pgmlfollower.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmlfollower.replicator.ReplicationState;
import io.pgmlfollower.replicator.ReplicationStatus;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What /health/ready says for a replication state and lag (admin.ready-max-lag-seconds). */
class ReadinessTest {
  private static ReplicationStatus status(ReplicationState state, long lagMillis) {
    return new ReplicationStatus(
        "src",
        state,
        "slot",
        "0/10",
        16,
        "0/10",
        16,
        0,
        Optional.empty(),
        lagMillis,
        state == ReplicationState.STREAMING ? Optional.empty() : Optional.of("boom"),
        0,
        List.of());
  }

  @Test
  void readyOnlyWhileStreamingAndWithinTheLagBound() {
    assertThat(Follower.notReadyReason(status(ReplicationState.STREAMING, 0), 0)).isNull();
    // No bound: a lagging follower stays ready.
    assertThat(Follower.notReadyReason(status(ReplicationState.STREAMING, 3_600_000), 0)).isNull();
    assertThat(Follower.notReadyReason(status(ReplicationState.STREAMING, 5_000), 5)).isNull();
    assertThat(Follower.notReadyReason(status(ReplicationState.STREAMING, 5_001), 5))
        .isEqualTo("replication lags 5001 ms, more than admin.ready-max-lag-seconds (5 s)");
    assertThat(Follower.notReadyReason(status(ReplicationState.SNAPSHOTTING, 0), 5))
        .isEqualTo("replication is SNAPSHOTTING: boom");
  }
}
