package io.pgmlfollower.replicator;

import io.pgmlfollower.featurestore.offline.OfflineStore;
import io.pgmlfollower.featurestore.offline.OfflineStoreConfig;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.testing.PostgresFixture;
import io.pgmlfollower.testing.SourceRole;
import java.nio.file.Path;
import java.time.Duration;

/** What the replicator integration tests start: a real store and a source with test timings. */
final class TestSources {
  private TestSources() {}

  /** The real offline store, in EXTERNAL mode on a database of its own in the fixture's server. */
  static OfflineStore open(PostgresFixture postgres, Path storePath, String name)
      throws StoreException {
    return OfflineStore.open(
        new OfflineStoreConfig()
            .mode(OfflineStoreConfig.Mode.EXTERNAL)
            .storePath(storePath)
            .jdbcUrl(postgres.jdbcUrl("postgres"))
            .user(postgres.superuser())
            .password(postgres.superuserPassword())
            .database(name + "_store")
            .clientRoleName(name + "_client"));
  }

  /**
   * A source for the fixture's RDS-like role, with timings short enough for tests: quick reconnects
   * and idle acknowledgements.
   */
  static PgOutputSourceConfig config(String sourceName, SourceRole role, String slot) {
    return new PgOutputSourceConfig()
        .setSourceName(sourceName)
        .setHost(role.host())
        .setPort(role.port())
        .setDatabase(role.database())
        .setUser(role.user())
        .setPassword(role.password())
        .setSslMode("disable")
        .setPublication(role.publication())
        .setSlot(slot)
        .setReconnectInitialBackoff(Duration.ofMillis(100))
        .setReconnectMaxBackoff(Duration.ofSeconds(1))
        .setIdleAckInterval(Duration.ofMillis(200));
  }
}
