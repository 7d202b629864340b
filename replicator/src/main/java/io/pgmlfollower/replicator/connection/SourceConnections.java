package io.pgmlfollower.replicator.connection;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.replicator.PgOutputSourceConfig;
import io.pgmlfollower.replicator.ReplicatorException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.postgresql.PGProperty;

/** Opens connections to the source: normal ones (catalog, COPY) and replication ones. */
public final class SourceConnections {
  private static final String APPLICATION_NAME = "pgml-follower";

  /**
   * pgoutput needs PostgreSQL 10; telling pgjdbc so spares it the version-dependent startup queries
   * that a replication connection refuses.
   */
  private static final String MIN_SERVER_VERSION = "10";

  /**
   * The text form of values depends on session settings: COPY (snapshot) and the walsender (stream)
   * must print them alike, and as the store's input functions read them, whatever the source
   * database's or role's defaults. pgjdbc already sends DateStyle=ISO, client_encoding=UTF8,
   * extra_float_digits and the JVM's TimeZone (timestamptz values carry their offset); an
   * IntervalStyle of sql_standard would make {@code -1 2:03:04} mean something else to the store,
   * and extra_float_digits below 1 would round floats
   * (https://www.postgresql.org/docs/current/runtime-config-client.html).
   */
  private static final String SESSION_OPTIONS =
      "-c IntervalStyle=postgres -c extra_float_digits=3 -c bytea_output=hex";

  private final PgOutputSourceConfig config;

  public SourceConnections(PgOutputSourceConfig config) {
    this.config = requireNonNull(config, "config is null");
  }

  private String url() {
    return "jdbc:postgresql://"
        + hostForUrl(config.getHost())
        + ":"
        + config.getPort()
        + "/"
        + URLEncoder.encode(config.getDatabase(), StandardCharsets.UTF_8);
  }

  /** A normal connection, for catalog reads and the snapshot's COPY. */
  public Connection openNormal() throws ReplicatorException {
    return open(baseProperties(), "connect to the source");
  }

  /**
   * A replication connection in database mode, which accepts the replication commands
   * (CREATE_REPLICATION_SLOT, START_REPLICATION) of
   * https://www.postgresql.org/docs/current/protocol-replication.html. The walsender speaks only
   * the simple query protocol.
   */
  public Connection openReplication() throws ReplicatorException {
    Properties properties = baseProperties();
    PGProperty.REPLICATION.set(properties, "database");
    PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, MIN_SERVER_VERSION);
    PGProperty.PREFER_QUERY_MODE.set(properties, "simple");
    return open(properties, "open a replication connection to the source");
  }

  private Properties baseProperties() {
    Properties properties = new Properties();
    PGProperty.USER.set(properties, config.getUser());
    config.getPassword().ifPresent(password -> PGProperty.PASSWORD.set(properties, password));
    PGProperty.SSL_MODE.set(properties, config.getSslMode().pgjdbcValue());
    PGProperty.APPLICATION_NAME.set(properties, APPLICATION_NAME);
    PGProperty.CONNECT_TIMEOUT.set(
        properties, Long.toString(Math.max(1, config.getConnectTimeout().toSeconds())));
    // A dead peer is otherwise noticed only when a write fails.
    PGProperty.TCP_KEEP_ALIVE.set(properties, true);
    PGProperty.OPTIONS.set(properties, SESSION_OPTIONS);
    return properties;
  }

  private Connection open(Properties properties, String action) throws ReplicatorException {
    try {
      return DriverManager.getConnection(url(), properties);
    } catch (SQLException e) {
      throw ReplicatorException.fromSql(
          action + " at " + config.getHost() + ":" + config.getPort(), e);
    }
  }

  private static String hostForUrl(String host) {
    return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  /** Closes a connection on an error path, keeping the close failure with the original one. */
  public static void closeQuietlyAfter(AutoCloseable closeable, Throwable failure) {
    try {
      closeable.close();
    } catch (Exception e) {
      failure.addSuppressed(e);
    }
  }
}
