package io.pgmlfollower.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgmlfollower.testing.PostgresFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The endpoint with the clients users run, each the real thing: pgjdbc in its modes, psql, psycopg
 * 3 ({@code python3-psycopg}, installed by {@code .ci/run}), node-postgres ({@code npm ci} from
 * {@code src/test/clients/node}, run here when missing) and pgbench in its three query modes. Every
 * way of calling {@code pgml.predict} must give the prediction pgjdbc gets with a plain prepared
 * statement.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientsIT {
  private static final String DATABASE = "app";
  private static final Path CLIENTS = Path.of("src/test/clients").toAbsolutePath();
  private static final String PYTHON = "/usr/bin/python3"; // Debian's, where python3-psycopg is

  private final BreastCancer data = BreastCancer.load();
  private final ObjectMapper json = new ObjectMapper();
  private PostgresFixture source;
  private Path work;
  private FollowerProcess follower;
  private List<double[]> features;
  private double[] expected;

  @BeforeAll
  void startSourceAndFollowerAndTrain() throws Exception {
    source = PostgresFixture.start();
    follower = data.startFollower(source, DATABASE, "clients-it");
    work = follower.work();
    features = new ArrayList<>();
    for (double[] row : data.rows().subList(0, 5)) {
      features.add(data.features(row));
    }
    try (Connection connection = connect(new Properties());
        Statement statement = connection.createStatement()) {
      statement.execute(
          "SELECT * FROM pgml.train('bc', 'classification', 'public.breast_cancer',"
              + " 'target', 'random_forest')");
      expected = new double[features.size()];
      try (PreparedStatement predict =
          connection.prepareStatement("SELECT pgml.predict('bc', ?)")) {
        for (int i = 0; i < features.size(); i++) {
          predict.setArray(1, float8Array(connection, features.get(i)));
          try (ResultSet rs = predict.executeQuery()) {
            rs.next();
            expected[i] = rs.getFloat(1);
          }
        }
      }
    }
  }

  @AfterAll
  void stop() throws Exception {
    if (follower != null) {
      follower.close();
    }
    if (source != null) {
      source.close();
    }
  }

  @ParameterizedTest(name = "prepareThreshold={0}, binaryTransfer={1}")
  @CsvSource({"0, true", "0, false", "5, true", "5, false", "-1, true", "-1, false"})
  void pgjdbcInEveryPrepareAndTransferMode(int prepareThreshold, boolean binaryTransfer)
      throws Exception {
    Properties properties = new Properties();
    properties.setProperty("prepareThreshold", String.valueOf(prepareThreshold));
    properties.setProperty("binaryTransfer", String.valueOf(binaryTransfer));
    try (Connection connection = connect(properties)) {
      // Past the threshold: the statement becomes a named server-side one (or never, with -1).
      try (PreparedStatement predict =
          connection.prepareStatement("SELECT pgml.predict('bc', ?) AS p, ? AS tag")) {
        for (int round = 0; round < 7; round++) {
          for (int i = 0; i < features.size(); i++) {
            predict.setArray(1, float8Array(connection, features.get(i)));
            predict.setInt(2, round * 100 + i);
            try (ResultSet rs = predict.executeQuery()) {
              assertThat(rs.next()).isTrue();
              assertThat((double) rs.getFloat("p")).isCloseTo(expected[i], within(1e-6));
              assertThat(rs.getInt("tag")).isEqualTo(round * 100 + i);
            }
          }
        }
      }
      // A cursor inside a transaction: rows fetched 50 at a time (portal, Execute with a limit).
      connection.setAutoCommit(false);
      try (Statement statement = connection.createStatement()) {
        statement.setFetchSize(50);
        int rows = 0;
        double sum = 0;
        try (ResultSet rs =
            statement.executeQuery(
                "SELECT id, mean_radius FROM public.breast_cancer ORDER BY id")) {
          while (rs.next()) {
            rows++;
            sum += rs.getDouble(2);
          }
        }
        assertThat(rows).isEqualTo(data.rows().size());
        assertThat(sum).isCloseTo(data.rows().stream().mapToDouble(r -> r[1]).sum(), within(1e-6));
      }
      connection.commit();
      // A batch (several Bind/Execute before one Sync) into a temporary table of the session.
      connection.setAutoCommit(true);
      try (Statement statement = connection.createStatement()) {
        statement.execute("CREATE TEMPORARY TABLE scores (id int, p real)");
      }
      try (PreparedStatement insert =
          connection.prepareStatement("INSERT INTO scores VALUES (?, ?)")) {
        for (int i = 0; i < features.size(); i++) {
          insert.setInt(1, i);
          insert.setFloat(2, (float) expected[i]);
          insert.addBatch();
        }
        assertThat(insert.executeBatch()).containsOnly(1).hasSize(features.size());
      }
      try (Statement statement = connection.createStatement();
          ResultSet rs = statement.executeQuery("SELECT count(*) FROM scores")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(features.size());
      }
    }
  }

  @Test
  void cancellingALongTrainAnswers57014AndDeploysNothing() throws Exception {
    try (Connection connection = connect(new Properties());
        Statement statement = connection.createStatement();
        Connection watcher = connect(new Properties());
        Statement watch = watcher.createStatement()) {
      long deployedBefore = scalarLong(watch, "SELECT count(*) FROM pgml.deployments");
      java.util.concurrent.CompletableFuture<Void> training =
          java.util.concurrent.CompletableFuture.runAsync(
              () -> {
                try {
                  statement.executeQuery(
                      "SELECT * FROM pgml.train('bc', algorithm => 'random_forest',"
                          + " hyperparams => '{\"n_estimators\": 5000}')");
                } catch (SQLException e) {
                  throw new RuntimeException(e);
                }
              });
      // Its model row exists once the fit is under way: cancel then, as a user pressing Ctrl-C.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (scalarLong(watch, "SELECT count(*) FROM pgml.models WHERE status = 'in_progress'")
          == 0) {
        assertThat(System.nanoTime()).as("the training started").isLessThan(deadline);
        Thread.sleep(20);
      }
      statement.cancel();
      assertThatThrownBy(training::get)
          .rootCause()
          .isInstanceOfSatisfying(
              SQLException.class,
              e -> {
                assertThat(e.getSQLState()).isEqualTo("57014");
                assertThat(e.getMessage()).contains("canceling statement due to user request");
              });
      assertThat(
              scalarLong(
                  watch,
                  "SELECT count(*) FROM pgml.models WHERE algorithm = 'random_forest'"
                      + " AND status = 'failed'"))
          .isEqualTo(1);
      assertThat(scalarLong(watch, "SELECT count(*) FROM pgml.deployments"))
          .isEqualTo(deployedBefore);
      // The session goes on.
      try (ResultSet rs = statement.executeQuery("SELECT 1")) {
        assertThat(rs.next()).isTrue();
      }
    }
  }

  private static long scalarLong(Statement statement, String sql) throws SQLException {
    try (ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void psqlRunsSeveralStatementsEmptyQueriesAndDescribesTheCatalog() throws Exception {
    assertThat(psql("-c", "SELECT 1 AS a; SELECT 2 AS b")).isEqualTo("1\n2");
    assertThat(psql("-c", "")).isEmpty();
    // Without -t, so that psql prints the table's footer (its indexes) too.
    assertThat(runText(List.of("psql", "-X", "-A", "-c", "\\d public.breast_cancer")))
        .contains("mean_radius|double precision")
        .contains("\"breast_cancer_pkey\" PRIMARY KEY, btree (id)");
    String functions = psql("-c", "\\df pgml.*");
    assertThat(functions)
        .contains("pgml|predict|real|project_name text, features double precision[]|func")
        .contains(
            "pgml|train|TABLE(project text, task text, algorithm text, deployed boolean)"
                + "|project_name text, task text DEFAULT NULL::text,")
        .contains("pgml|deploy|TABLE(project text, strategy text, algorithm text)|model_id bigint")
        .contains("pgml|snapshot|", "pgml|drop_snapshot|", "pgml|replication_status|")
        .contains("pgml|version|text||func");
    // Inside a larger query, a function the endpoint answers alone says so.
    String inQuery =
        runTextAllowingFailure(
            List.of(
                "psql",
                "-X",
                "-At",
                "-c",
                "SELECT count(*) FROM generate_series(1, 2) g, pgml.version()"));
    assertThat(inQuery).contains("can only be called on its own");
    assertThat(psql("-c", "SELECT pgml.predict('bc', ARRAY[" + join(features.get(0)) + "])"))
        .satisfies(p -> assertThat(Double.parseDouble(p)).isCloseTo(expected[0], within(1e-5)));
  }

  @Test
  void psycopgAutocommitTransactionsBinaryAndPipeline() throws Exception {
    JsonNode out = run(List.of(PYTHON, CLIENTS.resolve("psycopg_suite.py").toString()));
    assertPredictions(out.get("autocommit_prepared"));
    assertPredictions(out.get("pipeline"));
    assertThat(out.get("count").asInt()).isEqualTo(data.rows().size());
    assertThat(out.get("in_transaction").asDouble()).isCloseTo(expected[0], within(1e-6));
    assertThat(out.get("date").asText()).isEqualTo("2024-01-02");
    assertThat(out.get("unknown_project").asText()).isEqualTo("42704");
    assertThat(out.get("in_failed_transaction").asText()).isEqualTo("25P02");
    assertThat(out.get("after_rollback").asInt()).isEqualTo(42);
    JsonNode binary = out.get("binary");
    assertThat(binary.get(0).asDouble()).isCloseTo(expected[1], within(1e-6));
    assertThat(binary.get(1).asInt()).isEqualTo(7);
    assertThat(binary.get(2).asText()).isEqualTo("x");
    assertThat(binary.get(3).asBoolean()).isTrue();
    assertThat(binary.get(4).asDouble()).isEqualTo(2.5);
    assertThat(out.get("binary_rows").get(0).get(0).asInt()).isEqualTo((int) data.rows().get(0)[0]);
    assertThat(out.get("binary_rows").get(0).get(1).asDouble()).isEqualTo(data.rows().get(0)[1]);
    assertThat(out.get("server_version").asText()).startsWith("17.");
  }

  @Test
  void nodePostgresWithUntypedParameters() throws Exception {
    Path node = CLIENTS.resolve("node");
    if (!Files.isDirectory(node.resolve("node_modules/pg"))) {
      runText(List.of("npm", "ci", "--no-audit", "--no-fund", "--prefix", node.toString()));
    }
    JsonNode out = run(List.of("node", node.resolve("node_suite.js").toString()));
    assertPredictions(out.get("unnamed"));
    assertPredictions(out.get("named"));
    assertThat(out.get("multi").get(0).get("one").asInt()).isEqualTo(1);
    assertThat(out.get("multi").get(1).get("n").asInt()).isEqualTo(data.rows().size());
    assertThat(out.get("lookup").get(0).asInt()).isEqualTo((int) features.get(0)[0]);
    assertThat(out.get("wrong_feature_count").asText()).isEqualTo("22023");
  }

  @ParameterizedTest(name = "pgbench -M {0}")
  @ValueSource(strings = {"simple", "extended", "prepared"})
  void pgbenchCallsPredictInEachQueryMode(String mode) throws Exception {
    Path script = work.resolve("predict-" + mode + ".sql");
    Files.writeString(
        script, "SELECT pgml.predict('bc', ARRAY[" + join(features.get(2)) + "]::float8[]);\n");
    String output =
        runText(
            List.of(
                "pgbench",
                "-n",
                "-M",
                mode,
                "-c",
                "2",
                "-j",
                "2",
                "-t",
                "50",
                "-f",
                script.toString(),
                "-h",
                "127.0.0.1",
                "-p",
                String.valueOf(follower.endpointPort()),
                "-U",
                FollowerIT.USER,
                DATABASE));
    assertThat(output)
        .contains("number of transactions actually processed: 100/100")
        .contains("number of failed transactions: 0");
  }

  private void assertPredictions(JsonNode values) {
    assertThat(values).as("predictions").hasSize(expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertThat(values.get(i).asDouble())
          .as("prediction %d", i)
          .isCloseTo(expected[i], within(1e-6));
    }
  }

  /** Runs a client with the PG* environment of the endpoint; its standard output as JSON. */
  private JsonNode run(List<String> command) throws Exception {
    String output = runText(command);
    String last = output.lines().reduce((a, b) -> b).orElse("");
    return json.readTree(last.isEmpty() ? "{}" : last);
  }

  private String runText(List<String> command) throws Exception {
    Finished finished = start(command);
    assertThat(finished.status())
        .as("%s exit status; output:%n%s", command, finished.output())
        .isZero();
    return finished.output();
  }

  /** As {@link #runText} for a command expected to fail: its output, whatever its status. */
  private String runTextAllowingFailure(List<String> command) throws Exception {
    return start(command).output();
  }

  private record Finished(int status, String output) {}

  /** Runs a client with the PG* environment of the endpoint, until it exits. */
  private Finished start(List<String> command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    Map<String, String> environment = builder.environment();
    environment.put("PGHOST", "127.0.0.1");
    environment.put("PGPORT", String.valueOf(follower.endpointPort()));
    environment.put("PGUSER", FollowerIT.USER);
    environment.put("PGPASSWORD", FollowerIT.PASSWORD);
    environment.put("PGDATABASE", DATABASE);
    environment.put("FEATURES", json.writeValueAsString(features));
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
    return new Finished(process.exitValue(), output.strip());
  }

  private String psql(String... arguments) throws Exception {
    List<String> command = new ArrayList<>(List.of("psql", "-X", "-At", "-v", "ON_ERROR_STOP=1"));
    command.addAll(List.of(arguments));
    return runText(command);
  }

  private Connection connect(Properties properties) throws SQLException {
    Properties all = new Properties();
    all.putAll(properties);
    all.setProperty("user", FollowerIT.USER);
    all.setProperty("password", FollowerIT.PASSWORD);
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + follower.endpointPort() + "/" + DATABASE, all);
  }

  private static Array float8Array(Connection connection, double[] values) throws SQLException {
    Double[] boxed = new Double[values.length];
    for (int i = 0; i < values.length; i++) {
      boxed[i] = values[i];
    }
    return connection.createArrayOf("float8", boxed);
  }

  private static String join(double[] values) {
    return java.util.Arrays.stream(values)
        .mapToObj(Double::toString)
        .collect(Collectors.joining(", "));
  }
}
