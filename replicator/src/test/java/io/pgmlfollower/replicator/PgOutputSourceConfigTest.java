package io.pgmlfollower.replicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PgOutputSourceConfigTest {
  @Test
  void defaults() {
    PgOutputSourceConfig config = new PgOutputSourceConfig();

    assertThat(config.getSourceName()).isEqualTo("source");
    assertThat(config.getPort()).isEqualTo(5432);
    assertThat(config.getSslMode()).isEqualTo(SslMode.PREFER);
    assertThat(config.getStatusInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(config.getPassword()).isEmpty();
  }

  @Test
  void mapsSslModesToPgjdbc() {
    assertThat(new PgOutputSourceConfig().setSslMode("verify-full").getSslMode().pgjdbcValue())
        .isEqualTo("verify-full");
    assertThat(SslMode.fromConfig(" Require ")).isEqualTo(SslMode.REQUIRE);
    assertThatThrownBy(() -> SslMode.fromConfig("verify-ca"))
        .hasMessageContaining("disable, prefer, require, verify-full");
  }

  @Test
  void rejectsBadValuesNamingTheSetting() {
    PgOutputSourceConfig config = new PgOutputSourceConfig();

    assertThatThrownBy(() -> config.setPort(0)).hasMessageContaining("port");
    assertThatThrownBy(() -> config.setHost(" ")).hasMessageContaining("host");
    assertThatThrownBy(() -> config.setSlot("Pgml-Slot")).hasMessageContaining("slot name");
    assertThatThrownBy(() -> config.setSlot("s".repeat(64))).hasMessageContaining("slot name");
    assertThatThrownBy(() -> config.setPublication("it's")).hasMessageContaining("single quote");
    assertThatThrownBy(() -> config.setStatusInterval(Duration.ZERO))
        .hasMessageContaining("statusInterval");
  }

  @Test
  void validateNamesTheMissingSetting() {
    PgOutputSourceConfig config =
        new PgOutputSourceConfig().setHost("db").setDatabase("app").setUser("follower");

    assertThatThrownBy(config::validate).hasMessage("publication is not set");
    config.setPublication("pub");
    assertThatThrownBy(config::validate).hasMessage("slot is not set");
    config.setSlot("pgml_slot");
    assertThat(config.validate()).isSameAs(config);
  }

  @Test
  void validateRejectsMaxBackoffBelowInitial() {
    PgOutputSourceConfig config =
        new PgOutputSourceConfig()
            .setHost("db")
            .setDatabase("app")
            .setUser("follower")
            .setPublication("pub")
            .setSlot("pgml_slot")
            .setReconnectInitialBackoff(Duration.ofSeconds(5))
            .setReconnectMaxBackoff(Duration.ofSeconds(1));

    assertThatThrownBy(config::validate).hasMessageContaining("reconnectMaxBackoff");
  }
}
