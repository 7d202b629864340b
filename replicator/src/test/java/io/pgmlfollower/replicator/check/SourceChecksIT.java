package io.pgmlfollower.replicator.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmlfollower.replicator.PgOutputSourceConfig;
import io.pgmlfollower.testing.PostgresFixture;
import io.pgmlfollower.testing.SourceRole;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code check-source} against a real PostgreSQL set up as a DBA would on RDS, then broken. */
class SourceChecksIT {
  private static PostgresFixture postgres;
  private static SourceRole role;

  @BeforeAll
  static void start() throws Exception {
    postgres = PostgresFixture.start();
    postgres.createDatabase("checks");
    postgres.execute(
        "checks",
        "CREATE TABLE public.keyed (id int PRIMARY KEY, v text)",
        "CREATE TABLE public.keyless (v text)");
    role = postgres.createReplicationSource("checks", "pub", List.of("public.keyed"));
  }

  @AfterAll
  static void stop() throws Exception {
    postgres.close();
  }

  private static PgOutputSourceConfig config(String user, String password, String publication) {
    return new PgOutputSourceConfig()
        .setHost(postgres.host())
        .setPort(postgres.port())
        .setDatabase("checks")
        .setUser(user)
        .setPassword(password)
        .setSslMode("disable")
        .setPublication(publication)
        .setSlot("checks_slot")
        .validate();
  }

  private static Map<String, CheckResult> run(PgOutputSourceConfig config) {
    return new SourceChecks(config)
        .run().stream().collect(Collectors.toMap(CheckResult::name, r -> r, (a, b) -> a));
  }

  @Test
  void rdsLikeSourcePassesEveryCheck() {
    Map<String, CheckResult> results = run(config(role.user(), role.password(), "pub"));
    assertThat(results.values()).allMatch(CheckResult::passed, "all checks pass");
    assertThat(results)
        .containsKeys(
            "wal_level",
            "replication role",
            "publication",
            "slot",
            "max_slot_wal_keep_size",
            "wal_sender_timeout");
    assertThat(results.get("max_slot_wal_keep_size").detail()).contains("unlimited");
    assertThat(results.get("table public.keyed").detail()).contains("primary key");
  }

  @Test
  void missingPublicationNamesTheStatementThatFixesIt() {
    CheckResult publication = run(config(role.user(), role.password(), "nope")).get("publication");
    assertThat(publication.passed()).isFalse();
    assertThat(publication.fix()).contains("CREATE PUBLICATION nope FOR TABLE");
  }

  @Test
  void roleWithoutReplicationIsRefusedWithTheGrant() throws Exception {
    postgres.execute(
        "checks",
        "CREATE ROLE plain LOGIN PASSWORD 'plain'",
        "GRANT SELECT ON public.keyed TO plain");
    CheckResult replication = run(config("plain", "plain", "pub")).get("replication role");
    assertThat(replication.passed()).isFalse();
    assertThat(replication.fix())
        .contains("GRANT rds_replication TO plain")
        .contains("REPLICATION");
  }

  @Test
  void disabledWalSenderTimeoutIsFlaggedWithTheSetting() throws Exception {
    postgres.execute(
        "postgres", "ALTER SYSTEM SET wal_sender_timeout = 0", "SELECT pg_reload_conf()");
    try {
      CheckResult timeout =
          run(config(role.user(), role.password(), "pub")).get("wal_sender_timeout");
      assertThat(timeout.passed()).isFalse();
      assertThat(timeout.fix()).contains("wal_sender_timeout = 60s");
    } finally {
      postgres.execute(
          "postgres", "ALTER SYSTEM RESET wal_sender_timeout", "SELECT pg_reload_conf()");
    }
  }

  @Test
  void invalidatedSlotIsFlaggedWithTheWayBack() throws Exception {
    postgres.execute(
        "checks",
        "SELECT pg_create_logical_replication_slot('lost_slot', 'pgoutput')",
        "CREATE TABLE filler (id int)");
    try {
      postgres.execute(
          "postgres", "ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'", "SELECT pg_reload_conf()");
      for (int i = 0; i < 40 && !slotLost(); i++) {
        postgres.execute(
            "checks",
            "INSERT INTO filler SELECT generate_series(1, 20000)",
            "SELECT pg_switch_wal()",
            "CHECKPOINT");
      }
      CheckResult slot =
          run(new PgOutputSourceConfig()
                  .setHost(postgres.host())
                  .setPort(postgres.port())
                  .setDatabase("checks")
                  .setUser(role.user())
                  .setPassword(role.password())
                  .setSslMode("disable")
                  .setPublication("pub")
                  .setSlot("lost_slot")
                  .validate())
              .get("slot");
      assertThat(slot.passed()).isFalse();
      assertThat(slot.detail()).contains("invalidated");
      assertThat(slot.fix()).contains("pg_drop_replication_slot('lost_slot')");
    } finally {
      postgres.execute(
          "postgres", "ALTER SYSTEM RESET max_slot_wal_keep_size", "SELECT pg_reload_conf()");
      postgres.execute("checks", "SELECT pg_drop_replication_slot('lost_slot')");
    }
  }

  private static boolean slotLost() throws Exception {
    try (var connection = postgres.connectAsSuperuser("checks");
        var statement = connection.createStatement();
        var rs =
            statement.executeQuery(
                "SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'lost_slot'")) {
      return rs.next() && "lost".equals(rs.getString(1));
    }
  }

  @Test
  void tableWithoutKeyOrFullIdentityIsFlagged() throws Exception {
    postgres.execute(
        "checks",
        "CREATE PUBLICATION pub_keyless FOR TABLE public.keyless",
        "GRANT SELECT ON public.keyless TO " + role.user());
    CheckResult table =
        run(config(role.user(), role.password(), "pub_keyless")).get("table public.keyless");
    assertThat(table.passed()).isFalse();
    assertThat(table.fix()).contains("REPLICA IDENTITY FULL");
  }

  @Test
  void unreachableSourceFailsTheConnectionCheck() {
    CheckResult connection = run(config(role.user(), "wrong", "pub")).get("connection");
    assertThat(connection.passed()).isFalse();
    assertThat(connection.detail()).contains("28P01");
  }
}
