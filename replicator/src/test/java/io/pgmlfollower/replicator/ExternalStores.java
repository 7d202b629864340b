package io.pgmlfollower.replicator;

import io.pgmlfollower.featurestore.offline.OfflineStore;
import io.pgmlfollower.featurestore.offline.OfflineStoreConfig;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.testing.PostgresFixture;
import java.nio.file.Path;

/** The real offline store, in EXTERNAL mode on a database of its own in the fixture's server. */
final class ExternalStores {
  private ExternalStores() {}

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
}
