package io.pgmlfollower.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmlfollower.testing.PostgresFixture;
import io.pgmlfollower.testing.SourceRole;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Optional;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Every end-to-end test of {@link FollowerIT} again, with the offline store in a PostgreSQL the
 * follower does not own ({@code store.offline.type: external}), as a user who points it at a
 * managed database would run it: snapshot, streaming, training, kill -9 and restart, views and
 * training snapshots.
 */
class FollowerExternalStoreIT extends FollowerIT {
  private PostgresFixture offline;

  @Override
  FollowerProcess newFollower(Path work, SourceRole role) throws Exception {
    offline = PostgresFixture.start();
    return FollowerProcess.forSource(
        work,
        role,
        "pgml_slot",
        USER,
        PASSWORD,
        Optional.of(
            new FollowerProcess.ExternalStore(
                offline.jdbcUrl("postgres"), offline.superuser(), offline.superuserPassword())),
        java.util.OptionalInt.empty());
  }

  @Test
  @Order(0)
  void theReplicatedTablesLiveInTheExternalServer() throws Exception {
    try (Connection connection = offline.connectAsSuperuser("app");
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT count(*) FROM public.breast_cancer")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getLong(1)).isPositive();
    }
    assertThat(follower().loggedSinceStart("(EXTERNAL)")).isTrue();
  }

  @Override
  void afterFollowerStopped() {
    if (offline != null) {
      offline.close();
    }
  }
}
