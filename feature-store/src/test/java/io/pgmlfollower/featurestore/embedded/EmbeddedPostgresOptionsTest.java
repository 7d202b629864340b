package io.pgmlfollower.featurestore.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EmbeddedPostgresOptionsTest {
  @Test
  void defaults() {
    EmbeddedPostgresOptions options =
        new EmbeddedPostgresOptions().dataDirectory(Path.of("/srv/pg"));
    assertThat(options.host()).isEqualTo("127.0.0.1");
    assertThat(options.port()).isZero();
    assertThat(options.superuser()).isEqualTo("postgres");
    assertThat(options.superuserPassword()).isEmpty();
    assertThat(options.osUser()).isEqualTo("nobody");
    assertThat(options.serverEnvironment()).isEmpty();
  }

  @Test
  void dataDirectoryIsRequired() {
    assertThatThrownBy(() -> new EmbeddedPostgresOptions().dataDirectory())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("dataDirectory");
  }

  @Test
  void rejectsBadValues() {
    EmbeddedPostgresOptions options = new EmbeddedPostgresOptions();
    assertThatThrownBy(() -> options.port(70000)).hasMessageContaining("70000");
    assertThatThrownBy(() -> options.superuser("bad name")).hasMessageContaining("bad name");
    assertThatThrownBy(() -> options.superuserPassword("two\nlines"))
        .hasMessageContaining("one line");
    assertThatThrownBy(() -> options.osUser("root")).hasMessageContaining("non-root");
    assertThatThrownBy(() -> options.startupTimeout(Duration.ZERO)).hasMessageContaining("second");
    assertThatThrownBy(() -> options.serverSetting("port", "5432")).hasMessageContaining("managed");
    assertThatThrownBy(() -> options.serverSetting("x; drop", "1"))
        .hasMessageContaining("not a server setting");
    assertThatThrownBy(() -> options.serverEnvironment("A=B", "1"))
        .hasMessageContaining("not an environment variable name");
    assertThatThrownBy(() -> options.serverEnvironment("A", "x\0y")).hasMessageContaining("NUL");
  }

  @Test
  void serverEnvironmentKeepsTheLastValueOfAName() {
    EmbeddedPostgresOptions options =
        new EmbeddedPostgresOptions()
            .serverEnvironment("GLIBC_TUNABLES", "glibc.malloc.hugetlb=0")
            .serverEnvironment("LC_ALL", "C")
            .serverEnvironment("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1");
    assertThat(options.serverEnvironment())
        .containsExactly(
            Map.entry("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1"), Map.entry("LC_ALL", "C"));
  }

  @Test
  void serverSettingsKeepTheirOrderAndLowerCaseNames() {
    EmbeddedPostgresOptions options =
        new EmbeddedPostgresOptions()
            .serverSetting("WAL_LEVEL", "logical")
            .serverSettings(Map.of("max_wal_senders", "20"));
    assertThat(options.serverSettings())
        .containsExactly(Map.entry("wal_level", "logical"), Map.entry("max_wal_senders", "20"));
  }
}
