package io.pgmlfollower.featurestore.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class OfflineStoreConfigTest {
  @Test
  void embeddedNeedsStorePathAndDatabase() {
    assertThatThrownBy(() -> new OfflineStoreConfig().database("app").validate())
        .hasMessageContaining("storePath");
    assertThatThrownBy(() -> new OfflineStoreConfig().storePath(Path.of("/srv")).validate())
        .hasMessageContaining("database");
    OfflineStoreConfig config = new OfflineStoreConfig().storePath(Path.of("/srv")).database("app");
    config.validate();
    assertThat(config.mode()).isEqualTo(OfflineStoreConfig.Mode.EMBEDDED);
    assertThat(config.fsync()).isTrue();
    assertThat(config.clientRoleName()).isEqualTo("pgml_client");
  }

  @Test
  void externalNeedsUrlUserAndPassword() {
    OfflineStoreConfig config =
        new OfflineStoreConfig()
            .mode(OfflineStoreConfig.Mode.EXTERNAL)
            .storePath(Path.of("/srv"))
            .database("app")
            .jdbcUrl("jdbc:postgresql://features:5432/features");
    assertThatThrownBy(config::validate).hasMessageContaining("jdbcUrl, user and password");
    config.user("owner").password("secret").validate();
  }

  @Test
  void rejectsBadValues() {
    OfflineStoreConfig config = new OfflineStoreConfig();
    assertThatThrownBy(() -> config.jdbcUrl("jdbc:mysql://x/y"))
        .hasMessageContaining("jdbc:postgresql:");
    assertThatThrownBy(() -> config.clientRoleName("Bad-Name")).hasMessageContaining("identifier");
    assertThatThrownBy(() -> config.database("")).hasMessageContaining("database");
    assertThatThrownBy(() -> config.embeddedPort(-1)).hasMessageContaining("-1");
  }

  @Test
  void sqlStatesMapToStoreErrorCodes() {
    assertThat(StoreErrors.code("22P02")).isEqualTo(StoreErrorCode.INVALID_DATA);
    assertThat(StoreErrors.code("23505")).isEqualTo(StoreErrorCode.INVALID_DATA);
    assertThat(StoreErrors.code("42P01")).isEqualTo(StoreErrorCode.SCHEMA_MISMATCH);
    assertThat(StoreErrors.code("08006")).isEqualTo(StoreErrorCode.STORE_UNAVAILABLE);
    assertThat(StoreErrors.code("53100")).isEqualTo(StoreErrorCode.DISK_FULL);
    assertThat(StoreErrors.code("53200")).isEqualTo(StoreErrorCode.STORE_UNAVAILABLE);
    assertThat(StoreErrors.code(null)).isEqualTo(StoreErrorCode.STORE_UNAVAILABLE);
    assertThat(StoreErrors.code("XX000")).isEqualTo(StoreErrorCode.INTERNAL);
  }
}
