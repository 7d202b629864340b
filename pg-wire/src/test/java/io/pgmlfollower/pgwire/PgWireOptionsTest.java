package io.pgmlfollower.pgwire;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PgWireOptionsTest {
  /**
   * The server works on a copy of its options: a setting the copy forgets is silently ignored (an
   * idle-session timeout once was). Every field, set away from its default, must survive the copy.
   */
  @Test
  void theServersCopyKeepsEverySetting() throws IllegalAccessException {
    PgWireOptions options =
        new PgWireOptions()
            .setHost("10.0.0.1")
            .setPort(7777)
            .setAuthMethod(AuthMethod.MD5)
            .setUsers(Map.of("u", "p"))
            .setUpstream(new UpstreamOptions().setHost("db").setPort(6000).setUser("s"))
            .setMaxMessageSize(4096)
            .setMaxConnections(3)
            .setAuthenticationTimeout(Duration.ofSeconds(7))
            .setIdleSessionTimeout(Duration.ofSeconds(9))
            .setStatementTimeout(Duration.ofSeconds(11))
            .setTls(new PgWireOptions.Tls(Path.of("c.pem"), Path.of("k.pem")));
    PgWireOptions copy = options.copy();
    PgWireOptions defaults = new PgWireOptions();
    for (Field field : PgWireOptions.class.getDeclaredFields()) {
      if (Modifier.isStatic(field.getModifiers())) {
        continue;
      }
      field.setAccessible(true);
      Object set = field.get(options);
      assertThat(set)
          .as("%s is set away from its default by this test", field.getName())
          .isNotEqualTo(field.get(defaults));
      if (field.getName().equals("upstream")) {
        assertThat(copy.upstream().host()).isEqualTo("db");
        assertThat(copy.upstream().port()).isEqualTo(6000);
      } else {
        assertThat(field.get(copy)).as(field.getName()).isEqualTo(set);
      }
    }
  }
}
