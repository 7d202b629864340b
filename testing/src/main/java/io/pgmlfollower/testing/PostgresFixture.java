package io.pgmlfollower.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A real PostgreSQL for integration tests, with {@code wal_level=logical}: the one fixture every
 * integration test uses, both as a replication source and as an external store.
 *
 * <p>{@link #start()} picks the implementation from the environment variable {@value #MODE_ENV}:
 * {@code embedded} (the default: the zonky binaries Maven ships, no Docker needed) or {@code
 * testcontainers} (a {@code postgres:17} container).
 */
public interface PostgresFixture extends AutoCloseable {
  String MODE_ENV = "PGML_TEST_POSTGRES";

  static PostgresFixture start() {
    String mode = System.getenv(MODE_ENV);
    String normalized =
        mode == null || mode.isBlank() ? "embedded" : mode.strip().toLowerCase(Locale.ROOT);
    return switch (normalized) {
      case "embedded" -> EmbeddedPostgresFixture.start();
      case "testcontainers" -> TestcontainersPostgresFixture.start();
      default ->
          throw new IllegalArgumentException(
              MODE_ENV + " must be embedded or testcontainers, not " + mode);
    };
  }

  /** The host clients connect to. */
  String host();

  int port();

  String superuser();

  String superuserPassword();

  default String jdbcUrl(String database) {
    return "jdbc:postgresql://"
        + (host().contains(":") ? "[" + host() + "]" : host())
        + ":"
        + port()
        + "/"
        + database;
  }

  default Connection connectAsSuperuser(String database) throws SQLException {
    return DriverManager.getConnection(jdbcUrl(database), superuser(), superuserPassword());
  }

  /** Creates a database (owned by the superuser). */
  default void createDatabase(String name) throws SQLException {
    execute("postgres", "CREATE DATABASE " + quoteIdentifier(name));
  }

  /** Runs the statements as the superuser, each in its own transaction. */
  default void execute(String database, String... sql) throws SQLException {
    try (Connection connection = connectAsSuperuser(database);
        Statement statement = connection.createStatement()) {
      for (String s : sql) {
        statement.execute(s);
      }
    }
  }

  /**
   * Does what a DBA does on a managed PostgreSQL (RDS) for the follower: creates a LOGIN
   * REPLICATION role that is not a superuser (random name and password), grants it USAGE on the
   * tables' schemas and SELECT on the tables, and creates a publication {@code FOR TABLE} them
   * ({@code FOR ALL TABLES} needs superuser on RDS).
   *
   * @param tables table names as SQL would write them ({@code users}, {@code sales."Orders"}),
   *     resolved with the database's search_path
   */
  default SourceRole createReplicationSource(
      String database, String publication, List<String> tables) throws SQLException {
    if (tables.isEmpty()) {
      throw new IllegalArgumentException("a publication needs at least one table");
    }
    String password = Secrets.randomHex(16);
    String user = "follower_" + Secrets.randomHex(4);
    try (Connection connection = connectAsSuperuser(database)) {
      List<String> qualified = new ArrayList<>();
      Set<String> schemas = new LinkedHashSet<>();
      try (PreparedStatement resolve =
          connection.prepareStatement(
              "SELECT c.relnamespace::regnamespace::text, c.oid::regclass::text"
                  + " FROM pg_catalog.pg_class c WHERE c.oid = ?::regclass")) {
        for (String table : tables) {
          resolve.setString(1, table);
          try (ResultSet rs = resolve.executeQuery()) {
            rs.next();
            schemas.add(rs.getString(1));
            qualified.add(rs.getString(2));
          }
        }
      }
      try (Statement statement = connection.createStatement()) {
        statement.execute(
            "CREATE ROLE " + user + " LOGIN REPLICATION PASSWORD " + quoteLiteral(password));
        for (String schema : schemas) {
          statement.execute("GRANT USAGE ON SCHEMA " + schema + " TO " + user);
        }
        statement.execute("GRANT SELECT ON " + String.join(", ", qualified) + " TO " + user);
        statement.execute(
            "CREATE PUBLICATION "
                + quoteIdentifier(publication)
                + " FOR TABLE "
                + String.join(", ", qualified));
      }
    }
    return new SourceRole(user, password, database, publication, host(), port());
  }

  /**
   * Stops the server and starts it again with the same data and port, as clients see a source
   * restart.
   */
  void restart();

  /** Stops the server and deletes what it stored. */
  @Override
  void close();

  static String quoteIdentifier(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }

  static String quoteLiteral(String value) {
    return "'" + value.replace("'", "''") + "'";
  }
}
