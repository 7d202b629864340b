package io.pgmlfollower.serving.demo;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.embedded.EmbeddedPostgres;
import io.pgmlfollower.featurestore.embedded.EmbeddedPostgresOptions;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.serving.Follower;
import io.pgmlfollower.serving.config.FollowerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code pgml-follower demo}: a source PostgreSQL with a real data set, set up as a DBA would on
 * RDS (a publication, a LOGIN REPLICATION role that is not a superuser), and a follower attached to
 * it with a trained project — everything on loopback, in a directory deleted on close.
 */
public final class Demo implements AutoCloseable {
  static final String DATABASE = "demo";
  static final String USER = "demo";
  static final String PASSWORD = "demo";
  static final String PROJECT = "breast_cancer";

  private final Path directory;
  private final EmbeddedPostgres source;
  private final Follower follower;
  private final DemoDataSet data;
  private final String host;

  private Demo(
      Path directory, EmbeddedPostgres source, Follower follower, DemoDataSet data, String host) {
    this.directory = directory;
    this.source = source;
    this.follower = follower;
    this.data = data;
    this.host = host;
  }

  /**
   * @param port the follower's endpoint port (0 = any free port)
   */
  public static Demo start(int port) throws Exception {
    Path directory =
        Files.createTempDirectory(
            "pgml-follower-demo-",
            // The embedded servers run as an unprivileged user when we are root: it must traverse.
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    EmbeddedPostgres source = null;
    Follower follower = null;
    try {
      source =
          EmbeddedPostgres.start(
              new EmbeddedPostgresOptions()
                  .dataDirectory(directory.resolve("source"))
                  .serverSettings(Map.of("wal_level", "logical")));
      DemoDataSet data = DemoDataSet.load();
      String replicationPassword = HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
      prepareSource(source, data, replicationPassword);
      follower = Follower.start(config(source, directory, port, replicationPassword));
      follower.source().awaitSnapshot(Duration.ofMinutes(5));
      Demo demo = new Demo(directory, source, follower, data, "127.0.0.1");
      demo.train();
      return demo;
    } catch (Exception | Error e) {
      closeQuietly(follower, source, directory, e);
      throw e;
    }
  }

  /** What a DBA runs on the source: the table, a publication, an RDS-like replication role. */
  private static void prepareSource(EmbeddedPostgres source, DemoDataSet data, String password)
      throws SQLException {
    try (Connection connection =
            DriverManager.getConnection(
                source.jdbcUrl("postgres"), source.superuser(), source.superuserPassword());
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + DATABASE);
    }
    try (Connection connection =
            DriverManager.getConnection(
                source.jdbcUrl(DATABASE), source.superuser(), source.superuserPassword());
        Statement statement = connection.createStatement()) {
      data.createAndLoad(connection);
      statement.execute("CREATE ROLE follower LOGIN REPLICATION PASSWORD '" + password + "'");
      statement.execute("GRANT SELECT ON " + DemoDataSet.TABLE + " TO follower");
      statement.execute("CREATE PUBLICATION pgml_pub FOR TABLE " + DemoDataSet.TABLE);
    }
  }

  private static FollowerConfig config(
      EmbeddedPostgres source, Path directory, int port, String replicationPassword) {
    return new FollowerConfig(
        new FollowerConfig.Source(
            null,
            null,
            source.host(),
            source.port(),
            DATABASE,
            "follower",
            replicationPassword,
            FollowerConfig.SslMode.DISABLE,
            "pgml_pub",
            "pgml_slot",
            null,
            null,
            null,
            null,
            null,
            null,
            null),
        new FollowerConfig.Store(directory.resolve("follower"), null, null, null),
        new FollowerConfig.Serve(
            "127.0.0.1",
            port,
            FollowerConfig.AuthMethod.SCRAM_SHA_256,
            List.of(new FollowerConfig.User(USER, PASSWORD)),
            null),
        new FollowerConfig.Admin("127.0.0.1", 0),
        List.of());
  }

  /** Trains the demo project through the endpoint, as a user would. */
  private void train() throws SQLException {
    try (Connection connection = connect();
        Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT * FROM pgml.train('%s', 'classification', '%s', 'target')"
                    .formatted(PROJECT, DemoDataSet.TABLE))) {
      rs.next();
    }
  }

  public Connection connect() throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://%s:%d/%s".formatted(host, endpointPort(), DATABASE), USER, PASSWORD);
  }

  Path directory() {
    return directory;
  }

  public int endpointPort() {
    return follower.endpointPort();
  }

  /** The example queries the demo prints; each runs as printed. */
  public List<String> exampleQueries() {
    return List.of(
        "SELECT count(*) FROM " + DemoDataSet.TABLE + ";",
        "SELECT id, algorithm, round((metrics->>'accuracy')::numeric, 3) AS accuracy FROM"
            + " pgml.models;",
        "SELECT pgml.predict('%s', ARRAY[%s]);".formatted(PROJECT, data.featuresOfRow(1)));
  }

  /** The label of the row the third example predicts. */
  public int exampleLabel() {
    return data.labelOfRow(1);
  }

  /** What to tell the person who started the demo. */
  public String instructions() {
    StringBuilder text = new StringBuilder();
    text.append("pgml-follower demo is running.\n\n");
    text.append(
        "Source PostgreSQL (%d rows in %s, publication pgml_pub, replication role follower):\n"
            .formatted(data.rows(), DemoDataSet.TABLE));
    text.append(
        "  PGPASSWORD=%s psql -h %s -p %d -U %s %s\n\n"
            .formatted(
                source.superuserPassword(),
                source.host(),
                source.port(),
                source.superuser(),
                DATABASE));
    text.append("The follower (project '%s' trained and deployed):\n".formatted(PROJECT));
    text.append(
        "  PGPASSWORD=%s psql -h %s -p %d -U %s %s\n\n"
            .formatted(PASSWORD, host, endpointPort(), USER, DATABASE));
    text.append(
        "The dashboard (sign in as %s / %s):\n  http://%s:%d/\n\n"
            .formatted(USER, PASSWORD, host, follower.adminPort()));
    text.append("Try:\n");
    exampleQueries().forEach(q -> text.append("  ").append(q).append('\n'));
    text.append(
        "  (the last one predicts row 1 of %s, whose target is %d)\n"
            .formatted(DemoDataSet.TABLE, exampleLabel()));
    text.append(
        "\nRows you insert on the source appear on the follower at once. Ctrl-C stops"
            + " everything.\n");
    return text.toString();
  }

  @Override
  public void close() {
    closeQuietly(follower, source, directory, null);
  }

  private static void closeQuietly(
      Follower follower, EmbeddedPostgres source, Path directory, Throwable failure) {
    if (follower != null) {
      follower.close();
    }
    if (source != null) {
      try {
        source.close();
      } catch (StoreException e) {
        addOrThrow(failure, e);
      }
    }
    try (Stream<Path> paths = Files.walk(requireNonNull(directory, "directory is null"))) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      addOrThrow(failure, new UncheckedIOException(e));
    }
  }

  private static void addOrThrow(Throwable failure, Exception e) {
    if (failure != null) {
      failure.addSuppressed(e);
    } else {
      org.slf4j.LoggerFactory.getLogger(Demo.class).warn("while stopping the demo", e);
    }
  }
}
