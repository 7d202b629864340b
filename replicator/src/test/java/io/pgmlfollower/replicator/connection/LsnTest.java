package io.pgmlfollower.replicator.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LsnTest {
  @Test
  void parsesAndPrintsThePgLsnTextForm() {
    Lsn lsn = Lsn.parse("16/B374D848");

    assertThat(lsn.value()).isEqualTo(0x16_B374_D848L);
    assertThat(lsn).hasToString("16/B374D848");
    assertThat(Lsn.of(0)).hasToString("0/0");
    assertThat(Lsn.parse("0/16b3748")).isEqualTo(Lsn.of(0x16B3748));
  }

  @Test
  void comparesAsUnsigned() {
    Lsn high = Lsn.parse("FFFFFFFF/0");
    Lsn low = Lsn.parse("1/0");

    assertThat(high.isAfter(low)).isTrue();
    assertThat(high.value()).isNegative();
    assertThat(high).hasToString("FFFFFFFF/0");
    assertThat(Lsn.max(low, high)).isEqualTo(high);
    assertThat(high.bytesAfter(low)).isEqualTo(0xFFFF_FFFEL << 32);
    assertThat(low.bytesAfter(high)).isZero();
  }

  @Test
  void agreesWithPgjdbc() {
    Lsn lsn = Lsn.parse("A/1234");

    assertThat(lsn.toPgjdbc().asString()).isEqualTo("A/1234");
    assertThat(Lsn.fromPgjdbc(lsn.toPgjdbc())).isEqualTo(lsn);
  }

  @Test
  void rejectsMalformedText() {
    for (String text : new String[] {"", "/", "1/", "/1", "12", "1/x", "123456789/0"}) {
      assertThatThrownBy(() -> Lsn.parse(text))
          .as(text)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
