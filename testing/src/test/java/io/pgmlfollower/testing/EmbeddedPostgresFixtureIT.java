package io.pgmlfollower.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;

class EmbeddedPostgresFixtureIT {
  private static PostgresFixture postgres;
  private static SourceRole source;

  @BeforeAll
  static void start() throws SQLException {
    postgres = EmbeddedPostgresFixture.start();
    postgres.createDatabase("app");
    postgres.execute(
        "app",
        "CREATE SCHEMA sales",
        "CREATE TABLE users (id int PRIMARY KEY, name text)",
        "CREATE TABLE sales.orders (id int PRIMARY KEY, user_id int, total numeric(10,2))",
        "CREATE TABLE secrets (id int PRIMARY KEY, token text)",
        "INSERT INTO users VALUES (1, 'ada'), (2, 'grace')",
        "INSERT INTO sales.orders VALUES (10, 1, 9.99)");
    source = postgres.createReplicationSource("app", "pgml_pub", List.of("users", "sales.orders"));
  }

  @AfterAll
  static void stop() {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void walLevelIsLogical() throws SQLException {
    try (Connection connection = postgres.connectAsSuperuser("app")) {
      assertThat(single(connection, "SHOW wal_level")).isEqualTo("logical");
      assertThat(single(connection, "SHOW max_replication_slots")).isEqualTo("20");
    }
  }

  @Test
  void theSourceRoleMayReplicateButIsNoSuperuser() throws SQLException {
    try (Connection connection = postgres.connectAsSuperuser("app")) {
      assertThat(
              single(
                  connection,
                  "SELECT rolsuper || ',' || rolreplication || ',' || rolcanlogin FROM pg_roles"
                      + " WHERE rolname = '"
                      + source.user()
                      + "'"))
          .isEqualTo("false,true,true");
      assertThat(
              single(
                  connection,
                  "SELECT string_agg(schemaname || '.' || tablename, ',' ORDER BY tablename)"
                      + " FROM pg_publication_tables WHERE pubname = 'pgml_pub'"))
          .isEqualTo("sales.orders,public.users");
    }
  }

  @Test
  void theSourceRoleReadsThePublishedTablesOnly() throws SQLException {
    try (Connection connection =
        DriverManager.getConnection(source.jdbcUrl(), source.user(), source.password())) {
      assertThat(single(connection, "SELECT string_agg(name, ',' ORDER BY id) FROM users"))
          .isEqualTo("ada,grace");
      assertThat(single(connection, "SELECT total::text FROM sales.orders")).isEqualTo("9.99");
      assertThatThrownBy(() -> single(connection, "SELECT token FROM secrets"))
          .isInstanceOf(SQLException.class)
          .extracting(e -> ((SQLException) e).getSQLState())
          .isEqualTo("42501");
    }
  }

  @Test
  void theSourceRoleOpensAReplicationConnectionAndCreatesALogicalSlot() throws SQLException {
    Properties properties = new Properties();
    PGProperty.USER.set(properties, source.user());
    PGProperty.PASSWORD.set(properties, source.password());
    PGProperty.REPLICATION.set(properties, "database");
    PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, "10");
    PGProperty.PREFER_QUERY_MODE.set(properties, "simple");
    try (Connection replication = DriverManager.getConnection(source.jdbcUrl(), properties)) {
      try (Statement statement = replication.createStatement();
          ResultSet rs = statement.executeQuery("IDENTIFY_SYSTEM")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString("dbname")).isEqualTo("app");
      }
      PGConnection pg = replication.unwrap(PGConnection.class);
      pg.getReplicationAPI()
          .createReplicationSlot()
          .logical()
          .withSlotName("fixture_it_slot")
          .withOutputPlugin("pgoutput")
          .make();
      try (Statement statement = replication.createStatement()) {
        statement.execute("DROP_REPLICATION_SLOT fixture_it_slot");
      }
    }
  }

  private static String single(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
