package io.pgmlfollower.replicator.connection;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReplicationConnectionTest {
  @Test
  void quotesPublicationNamesThatAreNotPlainLowerCaseIdentifiers() {
    assertThat(ReplicationConnection.quotePublication("pgml_pub")).isEqualTo("pgml_pub");
    assertThat(ReplicationConnection.quotePublication("PgmlPub")).isEqualTo("\"PgmlPub\"");
    assertThat(ReplicationConnection.quotePublication("a,b")).isEqualTo("\"a,b\"");
    assertThat(ReplicationConnection.quotePublication("say \"hi\""))
        .isEqualTo("\"say \"\"hi\"\"\"");
  }
}
