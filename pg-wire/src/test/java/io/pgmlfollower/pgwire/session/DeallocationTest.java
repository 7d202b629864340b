package io.pgmlfollower.pgwire.session;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeallocationTest {
  @Test
  void recognisesTheStatementsThatDropPreparedStatements() {
    assertThat(Deallocation.of("DEALLOCATE S_1")).isEqualTo(new Deallocation("s_1", false));
    assertThat(Deallocation.of("deallocate prepare \"S_1\";"))
        .isEqualTo(new Deallocation("S_1", false));
    assertThat(Deallocation.of("DEALLOCATE ALL").all()).isTrue();
    assertThat(Deallocation.of(" DISCARD  ALL ")).isEqualTo(new Deallocation(null, true));
    assertThat(Deallocation.of("SELECT 'DEALLOCATE ALL'")).isNull();
    assertThat(Deallocation.of("DISCARD PLANS")).isNull();
  }
}
