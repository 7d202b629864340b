package io.pgmlfollower.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.testing.PostgresFixture;
import io.pgmlfollower.testing.SourceRole;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The walking skeleton, end to end, as a user meets it: a source PostgreSQL holding the
 * breast-cancer data set behind a publication and an RDS-like replication role; the follower
 * started as its own process from a YAML file; then pgjdbc and psql against the follower's
 * endpoint: the snapshot, training, predictions on rows the model never saw, streaming, errors, and
 * a kill -9 under write load.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FollowerIT {
  private static final String DATABASE = "app";
  static final String USER = "app";
  static final String PASSWORD = "app-secret";
  private static final Duration CATCH_UP = Duration.ofSeconds(60);

  private final BreastCancer data = BreastCancer.load();
  // Rows the model never sees: every 6th id, inserted on the source only after training.
  private final List<double[]> unseen = BreastCancer.where(data.rows(), r -> (int) r[0] % 6 == 0);
  private final List<double[]> initial = BreastCancer.where(data.rows(), r -> (int) r[0] % 6 != 0);

  private PostgresFixture source;
  private Path work;
  private int endpointPort;
  private int adminPort;
  private FollowerProcess follower;
  private SourceRole role;

  @BeforeAll
  void startSourceAndFollower() throws Exception {
    source = PostgresFixture.start();
    source.createDatabase(DATABASE);
    try (Connection connection = source.connectAsSuperuser(DATABASE)) {
      data.createTable(connection);
      data.insert(connection, initial);
    }
    role = source.createReplicationSource(DATABASE, "pgml_pub", List.of(BreastCancer.TABLE));

    // The embedded PostgreSQL runs as an unprivileged user when we are root: it must traverse.
    work =
        Files.createTempDirectory(
            "follower-it",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    follower = newFollower(work, role);
    endpointPort = follower.endpointPort();
    adminPort = follower.adminPort();
    follower.start();
    follower.awaitReady(Duration.ofSeconds(120));
  }

  /** The follower under test; a subclass runs the same tests against another setup. */
  FollowerProcess newFollower(Path work, SourceRole role) throws Exception {
    return FollowerProcess.forSource(work, role, "pgml_slot", USER, PASSWORD);
  }

  FollowerProcess follower() {
    return follower;
  }

  /** Called once the follower stopped, before the source does. */
  void afterFollowerStopped() throws Exception {}

  @AfterAll
  void stop() throws Exception {
    if (follower != null) {
      follower.close();
    }
    afterFollowerStopped();
    if (source != null) {
      source.close();
    }
    if (work != null && !follower.isAlive()) {
      try (var paths = Files.walk(work)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  @Order(1)
  void snapshotHoldsTheSourceRows() throws SQLException {
    try (Connection connection = connectToFollower()) {
      assertThat(scalar(connection, "SELECT count(*) FROM public.breast_cancer"))
          .isEqualTo(String.valueOf(initial.size()));
      List<String> copies = new ArrayList<>();
      try (Statement statement = connection.createStatement();
          ResultSet rs = statement.executeQuery("SELECT * FROM pgml.table_copies()")) {
        while (rs.next()) {
          copies.add(
              rs.getString("schema_name")
                  + "."
                  + rs.getString("table_name")
                  + " "
                  + rs.getString("state")
                  + " "
                  + rs.getLong("rows_copied"));
        }
      }
      assertThat(copies).containsExactly("public.breast_cancer committed " + initial.size());
    }
    assertThat(followerChecksum()).isEqualTo(sourceChecksum());
  }

  @Test
  @Order(2)
  void trainDeploysAModel() throws SQLException {
    try (Connection connection = connectToFollower();
        Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT * FROM pgml.train('bc', 'classification', 'public.breast_cancer',"
                    + " 'target')")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString("project")).isEqualTo("bc");
      assertThat(rs.getString("task")).isEqualTo("classification");
      assertThat(rs.getString("algorithm")).isEqualTo("linear");
      assertThat(rs.getBoolean("deployed")).isTrue();
      assertThat(rs.next()).isFalse();
    }
    try (Connection connection = connectToFollower()) {
      assertThat(scalar(connection, "SELECT count(*) FROM pgml.deployments")).isEqualTo("1");
      assertThat(scalar(connection, "SELECT metrics->>'accuracy' IS NOT NULL FROM pgml.models"))
          .isEqualTo("t");
      // The training snapshot names the source position its rows are consistent with.
      assertThat(scalar(connection, "SELECT source_lsn FROM pgml.snapshots"))
          .matches("[0-9A-F]+/[0-9A-F]+");
    }
  }

  @Test
  @Order(3)
  void newSourceRowsStreamInAndUnseenRowsArePredictedAccurately() throws Exception {
    try (Connection connection = source.connectAsSuperuser(DATABASE)) {
      data.insert(connection, unseen);
    }
    awaitFollowerCount(data.rows().size());

    int correct = 0;
    try (Connection connection = connectToFollower();
        PreparedStatement predict = connection.prepareStatement("SELECT pgml.predict(?, ?)")) {
      for (double[] row : unseen) {
        predict.setString(1, "bc");
        predict.setArray(2, float8Array(connection, data.features(row)));
        try (ResultSet rs = predict.executeQuery()) {
          assertThat(rs.next()).isTrue();
          if (Math.round(rs.getFloat(1)) == data.label(row)) {
            correct++;
          }
        }
      }
    }
    double accuracy = (double) correct / unseen.size();
    System.out.printf("accuracy on %d unseen rows: %.3f%n", unseen.size(), accuracy);
    assertThat(accuracy).isGreaterThanOrEqualTo(0.9);
  }

  @Test
  @Order(4)
  void aSingleInsertBecomesVisible() throws Exception {
    try (Connection connection = source.connectAsSuperuser(DATABASE)) {
      double[] row = data.rows().getFirst().clone();
      row[0] = 100_000;
      data.insert(connection, List.of(row));
    }
    long start = System.nanoTime();
    try (Connection connection = connectToFollower()) {
      awaitTrue(
          () ->
              "1"
                  .equals(
                      scalar(
                          connection,
                          "SELECT count(*) FROM public.breast_cancer WHERE id = 100000")),
          CATCH_UP);
    }
    System.out.printf(
        "source insert visible on the follower after %d ms%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
  }

  @Test
  @Order(5)
  void badInputGetsRealSqlStates() throws SQLException {
    try (Connection connection = connectToFollower();
        Statement statement = connection.createStatement()) {
      assertThatThrownBy(() -> statement.executeQuery("SELECT pgml.predict('nope', ARRAY[1, 2])"))
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42704"));
      assertThatThrownBy(() -> statement.executeQuery("SELECT pgml.predict('bc', ARRAY[1, 2, 3])"))
          .isInstanceOfSatisfying(
              SQLException.class,
              e -> {
                assertThat(e.getSQLState()).isEqualTo("22023");
                assertThat(e.getMessage()).contains("31");
              });
      assertThatThrownBy(() -> statement.execute("DELETE FROM public.breast_cancer"))
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("25006"));
      assertThatThrownBy(() -> statement.execute("DELETE FROM pgml.models"))
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("25006"));
      // The session survives its errors.
      assertThat(scalar(connection, "SELECT count(*) > 0 FROM public.breast_cancer"))
          .isEqualTo("t");
    }
    assertThatThrownBy(
            () ->
                DriverManager.getConnection(
                    "jdbc:postgresql://127.0.0.1:" + endpointPort + "/" + DATABASE, USER, "wrong"))
        .isInstanceOfSatisfying(
            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
  }

  @Test
  @Order(6)
  void psqlWorksAgainstTheFollower() throws Exception {
    String features =
        java.util.Arrays.stream(data.features(unseen.getFirst()))
            .mapToObj(Double::toString)
            .collect(java.util.stream.Collectors.joining(","));
    String output =
        psql(
            "SELECT count(*) FROM public.breast_cancer; SELECT pgml.predict('bc', ARRAY["
                + features
                + "])");
    assertThat(output.lines().toList())
        .containsExactly(
            String.valueOf(data.rows().size() + 1), String.valueOf(data.label(unseen.getFirst())));
  }

  @Test
  @Order(7)
  void killMinus9UnderWriteLoadLosesAndDuplicatesNothing() throws Exception {
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger nextId = new AtomicInteger(200_000);
    Thread writer = new Thread(() -> writeContinuously(writing, nextId), "source-writer");
    writer.start();
    try {
      for (int kill = 0; kill < 2; kill++) {
        Thread.sleep(1_000);
        follower.kill9();
        Thread.sleep(500);
        follower.start();
        follower.awaitReady(Duration.ofSeconds(120));
        // The stores' data and positions were reused: no new slot, no new copy.
        assertThat(follower.loggedSinceStart("Copy of")).isFalse();
        assertThat(follower.loggedSinceStart("Created slot")).isFalse();
      }
      Thread.sleep(500);
    } finally {
      writing.set(false);
      writer.join();
    }
    assertThat(nextId.get()).as("the writer made changes").isGreaterThan(200_000);
    awaitTrue(() -> followerChecksum().equals(sourceChecksum()), CATCH_UP);
    try (Connection connection = connectToFollower();
        PreparedStatement predict = connection.prepareStatement("SELECT pgml.predict('bc', ?)")) {
      predict.setArray(1, float8Array(connection, data.features(unseen.getFirst())));
      try (ResultSet rs = predict.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(Math.round(rs.getFloat(1))).isBetween(0, 1);
      }
    }
  }

  @Test
  @Order(8)
  void readYourWritesWithWaitForLsnAndReplicationStatus() throws Exception {
    String lsn;
    try (Connection connection = source.connectAsSuperuser(DATABASE)) {
      double[] row = data.rows().get(1).clone();
      row[0] = 300_000;
      data.insert(connection, List.of(row));
      lsn = scalar(connection, "SELECT pg_current_wal_lsn()");
    }
    try (Connection connection = connectToFollower()) {
      assertThat(scalar(connection, "SELECT pgml.wait_for_lsn('" + lsn + "', 30000)"))
          .isEqualTo("t");
      // Applied means visible: no polling needed after the wait.
      assertThat(scalar(connection, "SELECT count(*) FROM public.breast_cancer WHERE id = 300000"))
          .isEqualTo("1");
      try (Statement statement = connection.createStatement();
          ResultSet rs = statement.executeQuery("SELECT * FROM pgml.replication_status()")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString("state")).isEqualTo("streaming");
        assertThat(rs.getString("slot")).isEqualTo("pgml_slot");
        assertThat(rs.getString("applied_lsn")).matches("[0-9A-F]+/[0-9A-F]+");
        assertThat(rs.getLong("lag_bytes")).isGreaterThanOrEqualTo(0);
        assertThat(rs.next()).isFalse();
      }
      assertThatThrownBy(() -> scalar(connection, "SELECT pgml.wait_for_lsn('yesterday', 10)"))
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("22P02"));
    }
  }

  @Test
  @Order(9)
  void deployStrategiesSwitchTheModelPredictionsUse() throws Exception {
    try (Connection connection = connectToFollower();
        Statement statement = connection.createStatement()) {
      try (ResultSet rs =
          statement.executeQuery(
              "SELECT * FROM pgml.train('bc', algorithm => 'random_forest',"
                  + " automatic_deploy => false)")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getBoolean("deployed")).isFalse();
      }
      try (ResultSet rs =
          statement.executeQuery("SELECT * FROM pgml.deploy('bc', 'most_recent')")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString("algorithm")).isEqualTo("random_forest");
      }
      assertThat(deployedAlgorithm(connection)).isEqualTo("random_forest");
      try (ResultSet rs = statement.executeQuery("SELECT * FROM pgml.deploy('bc', 'rollback')")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString("strategy")).isEqualTo("rollback");
        assertThat(rs.getString("algorithm")).isEqualTo("linear");
      }
      assertThat(deployedAlgorithm(connection)).isEqualTo("linear");
      long randomForest =
          Long.parseLong(
              scalar(connection, "SELECT id FROM pgml.models WHERE algorithm = 'random_forest'"));
      try (ResultSet rs =
          statement.executeQuery("SELECT * FROM pgml.deploy(" + randomForest + ")")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString("algorithm")).isEqualTo("random_forest");
      }
      assertThat(deployedAlgorithm(connection)).isEqualTo("random_forest");
    }
  }

  @Test
  @Order(10)
  void metricsShowReplicationPredictionsAndTheEndpoint() throws Exception {
    // Metrics live in the process; the kill test restarted it, so make this test's own events.
    try (Connection connection = connectToFollower();
        PreparedStatement predict = connection.prepareStatement("SELECT pgml.predict('bc', ?)")) {
      for (double[] row : unseen.subList(0, 10)) {
        predict.setArray(1, float8Array(connection, data.features(row)));
        try (ResultSet rs = predict.executeQuery()) {
          assertThat(rs.next()).isTrue();
        }
      }
      assertThatThrownBy(() -> scalar(connection, "SELECT pgml.predict('bc', ARRAY[1])"))
          .isInstanceOf(SQLException.class);
    }
    java.net.http.HttpResponse<String> response =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + adminPort + "/metrics"))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    Map<String, Double> samples = new java.util.HashMap<>();
    for (String line : response.body().lines().toList()) {
      if (!line.startsWith("#") && line.contains(" ")) {
        int space = line.lastIndexOf(' ');
        samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
      }
    }
    assertThat(samples.get("pgml_follower_predictions_seconds_count{project=\"bc\"}"))
        .isGreaterThanOrEqualTo(10);
    assertThat(samples.get("pgml_follower_prediction_errors_total")).isGreaterThanOrEqualTo(1);
    assertThat(
            samples.get("pgml_follower_replication_state{source=\"source\",state=\"streaming\"}"))
        .isEqualTo(1.0);
    assertThat(samples).containsKey("pgml_follower_replication_lag_bytes{source=\"source\"}");
    assertThat(samples.get("pgml_follower_replication_applied_lsn{source=\"source\"}"))
        .isPositive();
    assertThat(samples.get("pgml_follower_offline_store_size_bytes")).isPositive();
    assertThat(samples.get("pgml_follower_offline_store_rows")).isPositive();
    // pgml.train('bc', ...) took a training snapshot.
    assertThat(samples.get("pgml_follower_training_snapshots")).isGreaterThanOrEqualTo(1.0);
    assertThat(samples.get("pgml_follower_training_snapshots_size_bytes")).isPositive();
    assertThat(samples.get("pgml_follower_online_store_size_bytes")).isPositive();
    assertThat(samples).containsKey("pgml_follower_online_store_rows");
    // The online store loaded the snapshot from the offline one before it took the streamed rows.
    assertThat(samples.get("pgml_follower_online_store_tables_loading")).isEqualTo(0.0);
    // Rows were streamed in by earlier tests (10 and more).
    assertThat(samples.get("pgml_follower_replication_applied_changes_total{source=\"source\"}"))
        .isGreaterThanOrEqualTo(10);
    assertThat(samples.get("pgml_follower_replication_copy_tables_pending{source=\"source\"}"))
        .isEqualTo(0.0);
    assertThat(samples).containsKey("pgml_follower_endpoint_sessions");
    assertThat(samples.get("pgml_follower_endpoint_connections_total")).isPositive();
    // At least the failed predictions counted above reached their clients as ErrorResponses.
    assertThat(samples.get("pgml_follower_endpoint_errors_total")).isPositive();
    assertThat(
            samples.get(
                "pgml_follower_training_runs_seconds_count{outcome=\"success\",project=\"bc\"}"))
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  @Order(11)
  void predictWorksAnywhereAScalarExpressionMayStand() throws Exception {
    String features = String.join(", ", data.columns().subList(0, data.columns().size() - 1));
    try (Connection connection = connectToFollower();
        Statement statement = connection.createStatement()) {
      statement.execute("SELECT * FROM pgml.deploy('bc', 'rollback')");
      // Select list, ORDER BY on the prediction, LIMIT: as in the PostgresML examples.
      Map<Integer, Float> scored = new java.util.LinkedHashMap<>();
      try (ResultSet rs =
          statement.executeQuery(
              "SELECT id, pgml.predict('bc', ARRAY["
                  + features
                  + "]) AS s"
                  + " FROM public.breast_cancer WHERE id <= 569 AND id % 6 = 0"
                  + " ORDER BY s DESC, id LIMIT 25")) {
        while (rs.next()) {
          scored.put(rs.getInt("id"), rs.getFloat("s"));
        }
      }
      assertThat(scored).hasSize(25);
      try (PreparedStatement one = connection.prepareStatement("SELECT pgml.predict('bc', ?)")) {
        for (Map.Entry<Integer, Float> entry : scored.entrySet()) {
          double[] row = data.rows().get(entry.getKey() - 1);
          one.setArray(1, float8Array(connection, data.features(row)));
          try (ResultSet rs = one.executeQuery()) {
            rs.next();
            assertThat(rs.getFloat(1)).as("row %d", entry.getKey()).isEqualTo(entry.getValue());
          }
        }
      }
      // WHERE and an aggregate: accuracy computed by PostgreSQL over the unseen rows.
      double accuracy =
          Double.parseDouble(
              scalar(
                  connection,
                  "SELECT avg((pgml.predict('bc', ARRAY["
                      + features
                      + "]) = target)::int)"
                      + " FROM public.breast_cancer WHERE id <= 569 AND id % 6 = 0"));
      assertThat(accuracy).isGreaterThanOrEqualTo(0.9);
      // A CTE and a join.
      assertThat(
              scalar(
                  connection,
                  "WITH scored AS (SELECT id, pgml.predict('bc', ARRAY["
                      + features
                      + "]) AS s FROM public.breast_cancer WHERE id <= 30)"
                      + " SELECT count(*) FROM scored JOIN public.breast_cancer b USING (id)"
                      + " WHERE scored.s = b.target"))
          .isEqualTo(
              scalar(
                  connection,
                  "SELECT count(*) FROM public.breast_cancer WHERE id <= 30 AND"
                      + " pgml.predict('bc', ARRAY["
                      + features
                      + "]) = target"));
      // A whole row, its features matched by column name (the target column is ignored).
      assertThat(
              scalar(
                  connection,
                  "SELECT pgml.predict('bc', b) FROM public.breast_cancer b WHERE id = 6"))
          .isEqualTo(
              scalar(
                  connection,
                  "SELECT pgml.predict('bc', ARRAY["
                      + features
                      + "]) FROM public.breast_cancer WHERE id = 6"));
      assertThat(
              Double.parseDouble(
                  scalar(
                      connection,
                      "SELECT avg((pgml.predict('bc', b) = b.target)::int)"
                          + " FROM public.breast_cancer b WHERE id <= 569 AND id % 6 = 0")))
          .isEqualTo(accuracy);
      // By primary key: the features come from the replicated row itself.
      assertThat(scalar(connection, "SELECT pgml.predict_by_key('bc', 6)"))
          .isEqualTo(
              scalar(
                  connection,
                  "SELECT pgml.predict('bc', b) FROM public.breast_cancer b WHERE id = 6"));
      assertThat(scalar(connection, "SELECT pgml.predict_by_key('bc', 987654)")).isNull();
      // predict_batch: natively, and inside a query (WHERE over its rows).
      String two =
          java.util.stream.Stream.of(data.rows().get(5), data.rows().get(11))
              .flatMap(r -> java.util.Arrays.stream(data.features(r)).boxed())
              .map(String::valueOf)
              .collect(java.util.stream.Collectors.joining(","));
      List<String> batch = new java.util.ArrayList<>();
      try (ResultSet rs =
          statement.executeQuery("SELECT * FROM pgml.predict_batch('bc', ARRAY[" + two + "])")) {
        while (rs.next()) {
          batch.add(rs.getString(1));
        }
      }
      assertThat(batch)
          .containsExactly(
              scalar(
                  connection,
                  "SELECT pgml.predict('bc', b) FROM public.breast_cancer b WHERE id = 6"),
              scalar(
                  connection,
                  "SELECT pgml.predict('bc', b) FROM public.breast_cancer b WHERE id = 12"));
      assertThat(
              scalar(
                  connection,
                  "SELECT count(*) FROM pgml.predict_batch('bc', ARRAY["
                      + two
                      + "]) p"
                      + " WHERE p IN (0, 1)"))
          .isEqualTo("2");
      // Errors inside a query keep their SQLSTATE.
      assertThatThrownBy(
              () ->
                  scalar(
                      connection, "SELECT pgml.predict('bc', ARRAY[id]) FROM public.breast_cancer"))
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("22023"));
    }
  }

  @Test
  @Order(12)
  void codeUsersWriteNeverRunsAsTheStoresOwner() throws Exception {
    try (Connection connection = connectToFollower();
        Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE FUNCTION public.tell() RETURNS float8 LANGUAGE plpgsql AS"
              + " $$ BEGIN RAISE EXCEPTION 'ran as %', current_user; END $$");
      // Training reads a view that calls the function...
      statement.execute(
          "CREATE VIEW public.spy AS SELECT id, public.tell() AS x, target FROM public.breast_cancer");
      assertThatThrownBy(
              () ->
                  statement.execute(
                      "SELECT * FROM pgml.train('spy', 'regression', 'public.spy', 'target')"))
          .isInstanceOfSatisfying(
              SQLException.class,
              e ->
                  assertThat(e.getMessage())
                      .contains("ran as pgml_client")
                      .doesNotContain("postgres"));
      // ...and a row's conversion to features may reach a cast the user defined.
      statement.execute("CREATE TYPE public.sneaky AS ENUM ('a')");
      statement.execute(
          "CREATE FUNCTION public.sneaky_json(public.sneaky) RETURNS json LANGUAGE plpgsql AS"
              + " $$ BEGIN RAISE EXCEPTION 'ran as %', current_user; END $$");
      statement.execute(
          "CREATE CAST (public.sneaky AS json) WITH FUNCTION public.sneaky_json(public.sneaky)");
      assertThatThrownBy(
              () -> statement.executeQuery("SELECT 1, pgml.predict('bc', 'a'::public.sneaky)"))
          .isInstanceOfSatisfying(
              SQLException.class,
              e ->
                  assertThat(e.getMessage())
                      .contains("ran as pgml_client")
                      .doesNotContain("postgres"));
      // The endpoint's credentials and dblink itself are out of clients' reach.
      assertThatThrownBy(() -> statement.executeQuery("SELECT * FROM pgml_follower.endpoint"))
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
      assertThatThrownBy(
              () ->
                  statement.executeQuery(
                      "SELECT pgml_follower.dblink_connect('x', 'host=127.0.0.1')"))
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
      // NULL in, NULL out (PostgresML's functions are STRICT).
      assertThat(
              scalar(
                  connection,
                  "SELECT pgml.predict('bc', b) IS NULL FROM (SELECT NULL::public.breast_cancer AS b) s"))
          .isEqualTo("t");
    }
  }

  private static String deployedAlgorithm(Connection connection) throws SQLException {
    return scalar(
        connection,
        "SELECT m.algorithm FROM pgml.deployments d JOIN pgml.models m ON m.id = d.model_id"
            + " ORDER BY d.id DESC LIMIT 1");
  }

  @Test
  @Order(13)
  void aSnapshotTakenUnderWritesIsAnImmutablePrefixStampedWithItsSourceLsn() throws Exception {
    // One source session inserts ids from 500000 up, one transaction each, and notes the WAL
    // insert position right after each commit: row i's commit lies between after(i-1) and after(i).
    Map<Integer, Long> after = new java.util.concurrent.ConcurrentHashMap<>();
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger written = new AtomicInteger();
    Thread writer =
        Thread.ofPlatform()
            .start(
                () -> {
                  try (Connection connection = source.connectAsSuperuser(DATABASE)) {
                    for (int id = 500_000; writing.get() || written.get() < 50; id++) {
                      double[] row = data.rows().get(id % data.rows().size()).clone();
                      row[0] = id;
                      data.insert(connection, List.of(row));
                      after.put(id, lsn(scalar(connection, "SELECT pg_current_wal_insert_lsn()")));
                      written.incrementAndGet();
                      Thread.sleep(2);
                    }
                  } catch (SQLException | InterruptedException e) {
                    throw new IllegalStateException("source writer failed", e);
                  }
                });
    long snapshotId;
    long numRows;
    long snapshotLsn;
    try (Connection connection = connectToFollower();
        Statement statement = connection.createStatement()) {
      awaitTrue(() -> written.get() >= 200, CATCH_UP);
      try (ResultSet rs =
          statement.executeQuery("SELECT * FROM pgml.snapshot('public.breast_cancer', 'target')")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString("relation")).isEqualTo("public.breast_cancer");
        assertThat(rs.getString("y_column_name")).isEqualTo("target");
        snapshotId = rs.getLong("snapshot_id");
        numRows = rs.getLong("num_rows");
        snapshotLsn = lsn(rs.getString("source_lsn"));
      }
      written.set(0); // at least 50 more rows after the snapshot
      writing.set(false);
      writer.join();

      String copy = "pgml.snapshot_" + snapshotId;
      List<Integer> ids = new ArrayList<>();
      try (ResultSet rs =
          statement.executeQuery("SELECT id FROM " + copy + " WHERE id >= 500000 ORDER BY id")) {
        while (rs.next()) {
          ids.add(rs.getInt(1));
        }
      }
      // Consistent: the rows of every transaction up to some commit, none after it...
      assertThat(ids).isNotEmpty();
      int last = ids.get(ids.size() - 1);
      assertThat(ids)
          .containsExactlyElementsOf(
              java.util.stream.IntStream.rangeClosed(500_000, last).boxed().toList());
      // ...and stamped with a position between that commit and the next one.
      if (after.containsKey(last - 1)) {
        assertThat(snapshotLsn).isGreaterThan(after.get(last - 1));
      }
      assertThat(snapshotLsn).isLessThan(after.get(last + 1));
      assertThat(scalar(statement.getConnection(), "SELECT count(*) FROM " + copy))
          .isEqualTo(String.valueOf(numRows));

      // Immutable: the follower catches up with the source, the copy does not move.
      try (Connection src = source.connectAsSuperuser(DATABASE)) {
        String sourceLsn = scalar(src, "SELECT pg_current_wal_lsn()");
        assertThat(scalar(connection, "SELECT pgml.wait_for_lsn('" + sourceLsn + "', 30000)"))
            .isEqualTo("t");
      }
      assertThat(scalar(connection, "SELECT count(*) FROM " + copy))
          .isEqualTo(String.valueOf(numRows));
      for (String write :
          List.of(
              "DELETE FROM " + copy,
              "UPDATE " + copy + " SET target = 0",
              "TRUNCATE " + copy,
              "INSERT INTO " + copy + " SELECT * FROM " + copy + " LIMIT 1")) {
        assertThatThrownBy(() -> statement.execute(write))
            .as(write)
            .isInstanceOfSatisfying(
                SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("25006"));
      }
      assertThat(
              scalar(
                  connection,
                  "SELECT num_rows || ' ' || source_lsn || ' ' || status FROM pgml.snapshots"
                      + " WHERE id = "
                      + snapshotId))
          .isEqualTo(numRows + " " + lsnText(snapshotLsn) + " snapshotted");

      // Dropped: the copy goes, the registry row stays.
      try (ResultSet rs =
          statement.executeQuery("SELECT * FROM pgml.drop_snapshot(" + snapshotId + ")")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong("snapshot_id")).isEqualTo(snapshotId);
      }
      assertThat(scalar(connection, "SELECT to_regclass('" + copy + "') IS NULL")).isEqualTo("t");
      assertThat(scalar(connection, "SELECT status FROM pgml.snapshots WHERE id = " + snapshotId))
          .isEqualTo("dropped");
      assertThatThrownBy(() -> scalar(connection, "SELECT * FROM pgml.drop_snapshot(-1)"))
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42704"));
    } finally {
      writing.set(false);
      written.set(100);
      writer.join();
    }
  }

  @Test
  @Order(14)
  void viewsSurviveSourceSchemaChangesAndRestartsAndTrain() throws Exception {
    try (Connection connection = connectToFollower();
        Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE VIEW public.bc_small AS SELECT id, mean_radius, mean_texture, target"
              + " FROM public.breast_cancer");
    }
    // The source widens a column the view uses and adds another: the follower follows both.
    String lsn;
    try (Connection connection = source.connectAsSuperuser(DATABASE);
        Statement statement = connection.createStatement()) {
      statement.execute(
          "ALTER TABLE public.breast_cancer ALTER COLUMN mean_texture TYPE numeric,"
              + " ADD COLUMN batch integer");
      statement.execute("UPDATE public.breast_cancer SET batch = 1 WHERE id = 1");
      lsn = scalar(connection, "SELECT pg_current_wal_lsn()");
    }
    try (Connection connection = connectToFollower()) {
      assertThat(scalar(connection, "SELECT pgml.wait_for_lsn('" + lsn + "', 30000)"))
          .isEqualTo("t");
    }
    follower.close();
    follower.start();
    follower.awaitReady(Duration.ofSeconds(120));
    assertThat(follower.loggedSinceStart("Copy of")).isFalse();

    try (Connection connection = connectToFollower();
        Statement statement = connection.createStatement()) {
      assertThat(
              scalar(
                  connection,
                  "SELECT min(pg_typeof(mean_texture)::text) || ' ' || count(*)"
                      + " FROM public.bc_small"))
          .isEqualTo("numeric " + scalar(connection, "SELECT count(*) FROM public.breast_cancer"));
      assertThat(scalar(connection, "SELECT batch FROM public.breast_cancer WHERE id = 1"))
          .isEqualTo("1");
      try (ResultSet rs =
          statement.executeQuery(
              "SELECT * FROM pgml.train('bc_small', 'classification', 'public.bc_small',"
                  + " 'target')")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getBoolean("deployed")).isTrue();
      }
      assertThat(scalar(connection, "SELECT pgml.predict('bc_small', ARRAY[1, 14.0, 20.0])"))
          .isIn("0", "1");
    }
    assertThat(followerChecksum()).isEqualTo(sourceChecksum());
  }

  @Test
  @Order(16)
  void pgmlTrainImputesTheNullsOfAColumnTheSourceAdded() throws Exception {
    // An earlier test added "batch" on the source, NULL in the old rows: training on the table
    // fails without preprocess, and works with an imputation.
    try (Connection connection = connectToFollower();
        Statement statement = connection.createStatement()) {
      try (ResultSet rs =
          statement.executeQuery(
              "SELECT * FROM pgml.train('bc_imputed', 'classification', 'public.breast_cancer',"
                  + " 'target', algorithm => 'xgboost', hyperparams => '{\"n_estimators\": 5}',"
                  + " preprocess => '{\"batch\": {\"impute\": \"zero\"}}')")) {
        assertThat(rs.next()).isTrue();
      }
      assertThat(
              scalar(
                  connection,
                  "SELECT convert_from(f.data, 'UTF8')::jsonb #>> '{preprocess,columns}'"
                      + " LIKE '%\"name\": \"batch\", \"scale\": 1.0, \"center\": 0.0,"
                      + " \"impute\": 0.0%' FROM pgml.files f JOIN pgml.models m"
                      + " ON m.id = f.model_id JOIN pgml.projects p ON p.id = m.project_id"
                      + " WHERE p.name = 'bc_imputed' AND f.path = 'pipeline.json'"))
          .isEqualTo("t");
    }
  }

  @Test
  @Order(15)
  void pgmlTrainSearchesHyperparametersThroughSql() throws Exception {
    try (Connection connection = connectToFollower();
        Statement statement = connection.createStatement()) {
      try (ResultSet rs =
          statement.executeQuery(
              "SELECT * FROM pgml.train('bc_search', 'classification', 'public.bc_small',"
                  + " 'target', algorithm => 'xgboost', hyperparams => '{\"n_estimators\": 5}',"
                  + " search => 'grid', search_params => '{\"max_depth\": [1, 2, 3]}',"
                  + " search_args => '{\"cv\": 2}')")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString("algorithm")).isEqualTo("xgboost");
      }
      assertThat(
              scalar(
                  connection,
                  "SELECT search || ' ' || jsonb_array_length(search_results->'mean_test_score')"
                      + " || ' ' || (hyperparams->'max_depth' = search_results->'params'"
                      + "    ->((search_results->>'best_index')::int)->'max_depth')"
                      + " FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id"
                      + " WHERE p.name = 'bc_search'"))
          .isEqualTo("grid 3 true");
    }
  }

  @Test
  @Order(16)
  void clusteringAndDecompositionTrainAndAnswerThroughSql() throws Exception {
    try (Connection connection = connectToFollower();
        Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE VIEW public.bc_shape AS SELECT mean_radius, mean_texture FROM"
              + " public.breast_cancer");
      try (ResultSet rs =
          statement.executeQuery(
              "SELECT * FROM pgml.train('bc_pca', 'decomposition', 'public.bc_shape',"
                  + " algorithm => 'pca', hyperparams => '{\"n_components\": 1}')")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString("task")).isEqualTo("decomposition");
        assertThat(rs.getBoolean("deployed")).isTrue();
      }
      double radius;
      double texture;
      try (ResultSet rs =
          statement.executeQuery("SELECT mean_radius, mean_texture FROM public.bc_shape LIMIT 1")) {
        assertThat(rs.next()).isTrue();
        radius = rs.getDouble(1);
        texture = rs.getDouble(2);
      }
      // Natively, by row inside a query, and by array inside a query: the same components.
      String direct;
      try (PreparedStatement decompose =
          connection.prepareStatement("SELECT pgml.decompose('bc_pca', ?)")) {
        decompose.setArray(1, connection.createArrayOf("float8", new Object[] {radius, texture}));
        try (ResultSet rs = decompose.executeQuery()) {
          assertThat(rs.next()).isTrue();
          Float[] components = (Float[]) rs.getArray(1).getArray();
          assertThat(components).hasSize(1);
          direct = rs.getString(1);
        }
      }
      assertThat(
              scalar(
                  connection,
                  "SELECT pgml.decompose('bc_pca', s)::text FROM public.bc_shape s"
                      + " WHERE mean_radius = %s AND mean_texture = %s LIMIT 1"
                          .formatted(radius, texture)))
          .isEqualTo(direct);
      assertThat(
              scalar(
                  connection,
                  "SELECT bool_and(pgml.decompose('bc_pca', s) = pgml.decompose('bc_pca',"
                      + " ARRAY[s.mean_radius, s.mean_texture])) FROM public.bc_shape s"))
          .isEqualTo("t");
      assertThatThrownBy(() -> scalar(connection, "SELECT pgml.predict('bc_pca', ARRAY[1, 2])"))
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("22023"))
          .hasMessageContaining("pgml.decompose");

      statement.execute(
          "SELECT * FROM pgml.train('bc_clusters', 'clustering', 'public.bc_shape',"
              + " algorithm => 'kmeans', hyperparams => '{\"n_clusters\": 2}')");
      assertThat(
              scalar(
                  connection,
                  "SELECT count(DISTINCT pgml.predict('bc_clusters', s)) || ' '"
                      + " || min(pgml.predict('bc_clusters', s)) || ' '"
                      + " || max(pgml.predict('bc_clusters', s)) FROM public.bc_shape s"))
          .isEqualTo("2 0 1");
      assertThat(
              scalar(
                  connection,
                  "SELECT metrics ? 'silhouette' FROM pgml.models m JOIN pgml.projects p"
                      + " ON p.id = m.project_id WHERE p.name = 'bc_clusters'"))
          .isEqualTo("t");
    }
  }

  @Test
  @Order(17)
  void textFeaturesArePassedByRowNativelyAndInsideQueries() throws Exception {
    try (Connection connection = connectToFollower();
        Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE VIEW public.bc_text AS SELECT CASE WHEN mean_radius > 15 THEN 'big' ELSE"
              + " 'small' END AS size, mean_texture, target FROM public.breast_cancer");
      statement.execute(
          "SELECT * FROM pgml.train('bc_text', 'classification', 'public.bc_text', 'target',"
              + " algorithm => 'linear', preprocess => '{\"size\": {\"encode\": \"one_hot\"},"
              + " \"mean_texture\": {\"scale\": \"standard\"}}')");
      // A row inside a query, and the same values as a jsonb row on their own: equal answers.
      String inQuery =
          scalar(
              connection,
              "SELECT string_agg(pgml.predict('bc_text', t)::text, ',' ORDER BY mean_texture)"
                  + " FROM (SELECT * FROM public.bc_text ORDER BY mean_texture LIMIT 5) t");
      StringBuilder native_ = new StringBuilder();
      try (ResultSet rs =
              statement.executeQuery(
                  "SELECT size, mean_texture FROM public.bc_text ORDER BY mean_texture LIMIT 5");
          PreparedStatement predict =
              connection.prepareStatement("SELECT pgml.predict('bc_text', ?::jsonb)")) {
        while (rs.next()) {
          predict.setString(
              1,
              "{\"size\": \"%s\", \"mean_texture\": %s}"
                  .formatted(rs.getString(1), rs.getDouble(2)));
          try (ResultSet p = predict.executeQuery()) {
            p.next();
            native_.append(native_.isEmpty() ? "" : ",").append(p.getString(1));
          }
        }
      }
      assertThat(inQuery).isEqualTo(native_.toString());
      // A category the model never saw is all zeros in one_hot: still a prediction.
      assertThat(
              scalar(
                  connection,
                  "SELECT pgml.predict('bc_text', '{\"size\": \"huge\", \"mean_texture\": 20}'::jsonb)"))
          .isIn("0", "1");
      assertThatThrownBy(() -> scalar(connection, "SELECT pgml.predict('bc_text', ARRAY[1, 20])"))
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("22023"))
          .hasMessageContaining("has text features (size)");
    }
  }

  @Test
  @Order(18)
  void predictByKeyFindsCompositeKeysWithTextFeaturesAndTellsItsFreshness() throws Exception {
    try (Connection connection = source.connectAsSuperuser(DATABASE);
        Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE TABLE public.order_lines (order_id int, line int, channel text,"
              + " qty double precision, amount double precision, PRIMARY KEY (order_id, line))");
      statement.execute(
          "INSERT INTO public.order_lines SELECT o, l, CASE WHEN (o + l) % 2 = 0 THEN 'web' ELSE"
              + " 'store' END, l * 1.5, o * 2 + l * 3 + CASE WHEN (o + l) % 2 = 0 THEN 10 ELSE 0"
              + " END FROM generate_series(1, 100) o, generate_series(1, 4) l");
      statement.execute("GRANT SELECT ON public.order_lines TO " + role.user());
      statement.execute("ALTER PUBLICATION pgml_pub ADD TABLE public.order_lines");
    }
    try (Connection connection = connectToFollower();
        Statement statement = connection.createStatement()) {
      awaitTrue(
          () -> {
            try {
              return scalar(connection, "SELECT count(*) FROM public.order_lines").equals("400");
            } catch (SQLException e) {
              return false; // not there yet
            }
          },
          CATCH_UP);
      statement.execute(
          "SELECT * FROM pgml.train('lines', 'regression', 'public.order_lines', 'amount',"
              + " algorithm => 'linear')");
      String key = "'{\"order_id\": 42, \"line\": 3}'::jsonb";
      String row = "FROM public.order_lines t WHERE order_id = 42 AND line = 3";
      // The online store's row (text feature coded by the model's categories) and the same row
      // read by SQL predict the same.
      assertThat(scalar(connection, "SELECT pgml.predict_by_key('lines', " + key + ")"))
          .isEqualTo(scalar(connection, "SELECT pgml.predict('lines', t) " + row));
      assertThat(
              scalar(
                  connection,
                  "SELECT pgml.predict_by_key('lines', '{\"line\": 1, \"order_id\": 999}'::jsonb)"))
          .as("no row has that key")
          .isNull();
      assertThatThrownBy(() -> scalar(connection, "SELECT pgml.predict_by_key('lines', '42')"))
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("22023"))
          .hasMessageContaining("composite primary key (order_id, line)");
      assertThatThrownBy(
              () ->
                  scalar(
                      connection,
                      "SELECT pgml.predict_by_key('lines', '{\"order_id\": 42}'::jsonb)"))
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("22023"))
          .hasMessageContaining("primary key of public.order_lines is (order_id, line)");

      // Read-your-writes with the freshness shown: after a source change is applied, the
      // prediction uses it and says which position it is at least as fresh as.
      String lsn;
      try (Connection sourceConnection = source.connectAsSuperuser(DATABASE)) {
        scalar(
            sourceConnection,
            "WITH u AS (UPDATE public.order_lines SET qty = 100, channel = 'web' WHERE order_id"
                + " = 42 AND line = 3 RETURNING 1) SELECT count(*) FROM u");
        lsn = scalar(sourceConnection, "SELECT pg_current_wal_lsn()");
      }
      assertThat(scalar(connection, "SELECT pgml.wait_for_lsn('" + lsn + "', 30000)"))
          .isEqualTo("t");
      try (ResultSet rs =
          statement.executeQuery(
              "SELECT * FROM pgml.predict_by_key_with_lsn('lines', " + key + ")")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString("prediction"))
            .isEqualTo(scalar(connection, "SELECT pgml.predict('lines', t) " + row));
        assertThat(lsn(rs.getString("applied_lsn"))).isGreaterThanOrEqualTo(lsn(lsn));
        assertThat(rs.getLong("lag_ms")).isGreaterThanOrEqualTo(0);
      }
    }
  }

  @Test
  @Order(19)
  void everyPlacementThroughPsqlEqualsPredictionsMadeOneRowAtATime() throws Exception {
    String features = String.join(", ", data.columns().subList(0, data.columns().size() - 1));
    int[] ids = {6, 12, 18, 24, 30};
    String in = "(6, 12, 18, 24, 30)";
    // One row at a time, natively, through pgjdbc, on the rows as they are now (earlier tests
    // updated some): the reference.
    Map<Integer, float[]> expected = new java.util.TreeMap<>();
    try (Connection connection = connectToFollower();
        PreparedStatement read =
            connection.prepareStatement(
                "SELECT ARRAY[" + features + "]::float8[] FROM public.breast_cancer WHERE id = ?");
        PreparedStatement one = connection.prepareStatement("SELECT pgml.predict_proba('bc', ?)")) {
      for (int id : ids) {
        read.setInt(1, id);
        try (ResultSet row = read.executeQuery()) {
          assertThat(row.next()).as("row %d", id).isTrue();
          one.setArray(1, row.getArray(1));
        }
        try (ResultSet rs = one.executeQuery()) {
          rs.next();
          Float[] probabilities = (Float[]) rs.getArray(1).getArray();
          float[] values = new float[probabilities.length];
          for (int i = 0; i < values.length; i++) {
            values[i] = probabilities[i];
          }
          expected.put(id, values);
        }
      }
    }
    String[] placements = {
      // select list, by row and by array
      "SELECT id, pgml.predict_proba('bc', b) FROM public.breast_cancer b WHERE id IN " + in,
      "SELECT id, pgml.predict_proba('bc', ARRAY["
          + features
          + "]) FROM public.breast_cancer"
          + " WHERE id IN "
          + in,
      // WHERE and ORDER BY
      "SELECT id, pgml.predict_proba('bc', b) FROM public.breast_cancer b WHERE id IN "
          + in
          + " AND (pgml.predict_proba('bc', b))[1] >= 0 ORDER BY (pgml.predict_proba('bc', b))[2]",
      // a CTE, a subquery, a join
      "WITH s AS (SELECT id, pgml.predict_proba('bc', b) AS p FROM public.breast_cancer b)"
          + " SELECT id, p FROM s WHERE id IN "
          + in,
      "SELECT id, p FROM (SELECT id, pgml.predict_proba('bc', b) AS p FROM public.breast_cancer b"
          + " WHERE id IN "
          + in
          + ") q",
      "SELECT b.id, pgml.predict_proba('bc', b) FROM public.breast_cancer b"
          + " JOIN (VALUES (6), (12), (18), (24), (30)) v(id) ON v.id = b.id"
    };
    for (String placement : placements) {
      Map<Integer, float[]> answered = new java.util.TreeMap<>();
      for (String line : psql(placement + ";").split("\n")) {
        String[] fields = line.split("\\|");
        String[] values = fields[1].replaceAll("[{}]", "").split(",");
        float[] probabilities = new float[values.length];
        for (int i = 0; i < values.length; i++) {
          probabilities[i] = Float.parseFloat(values[i]);
        }
        answered.put(Integer.parseInt(fields[0]), probabilities);
      }
      assertThat(answered.keySet()).as(placement).containsExactlyElementsOf(expected.keySet());
      for (int id : ids) {
        assertThat(answered.get(id))
            .as("%s, row %d", placement, id)
            .containsExactly(expected.get(id));
      }
    }
  }

  @Test
  @Order(20)
  void selectListPredictionsOverManyRowsEqualPredictionsMadeOneRowAtATime() throws Exception {
    // The reference: each row's prediction, one native call per row.
    Map<Integer, Float> expected = new java.util.TreeMap<>();
    try (Connection connection = connectToFollower();
        Statement statement = connection.createStatement();
        PreparedStatement one =
            connection.prepareStatement("SELECT pgml.predict('bc', ?::jsonb)")) {
      List<String[]> rows = new ArrayList<>();
      try (ResultSet rs =
          statement.executeQuery("SELECT id, to_jsonb(b)::text FROM public.breast_cancer b")) {
        while (rs.next()) {
          rows.add(new String[] {rs.getString(1), rs.getString(2)});
        }
      }
      for (String[] row : rows) {
        one.setString(1, row[1]);
        try (ResultSet rs = one.executeQuery()) {
          rs.next();
          expected.put(Integer.parseInt(row[0]), rs.getFloat(1));
        }
      }
    }
    // Three copies of every row: more rows than one batch holds, in PostgreSQL's order.
    String sql =
        "SELECT b.id, g, pgml.predict('bc', b) AS p FROM public.breast_cancer b"
            + " CROSS JOIN generate_series(1, 3) g ORDER BY b.id DESC, g";
    for (String mode : List.of("", "prepareThreshold=1&binaryTransfer=true")) {
      try (Connection connection = connectToFollower(mode);
          PreparedStatement statement = connection.prepareStatement(sql)) {
        for (int run = 0; run < 2; run++) {
          int count = 0;
          int previous = Integer.MAX_VALUE;
          try (ResultSet rs = statement.executeQuery()) {
            assertThat(rs.getMetaData().getColumnType(3)).isEqualTo(java.sql.Types.REAL);
            while (rs.next()) {
              int id = rs.getInt(1);
              assertThat(id).isLessThanOrEqualTo(previous);
              previous = id;
              assertThat(rs.getFloat(3)).as("%s row %d", mode, id).isEqualTo(expected.get(id));
              count++;
            }
          }
          assertThat(count).isEqualTo(3 * expected.size());
        }
      }
    }
    // ORDER BY the prediction LIMIT n: the follower sorts (ties in any order, as in PostgreSQL).
    float highest = java.util.Collections.max(expected.values());
    float lowest = java.util.Collections.min(expected.values());
    for (String order : List.of("DESC", "ASC")) {
      String top =
          "SELECT b.id, pgml.predict('bc', b) AS p FROM public.breast_cancer b ORDER BY p "
              + order
              + " LIMIT 20";
      float best = order.equals("DESC") ? highest : lowest;
      for (int fetchSize : new int[] {0, 7}) {
        try (Connection connection = connectToFollower();
            PreparedStatement statement = connection.prepareStatement(top)) {
          connection.setAutoCommit(fetchSize == 0);
          statement.setFetchSize(fetchSize);
          Set<Integer> ids = new java.util.HashSet<>();
          try (ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
              int id = rs.getInt(1);
              ids.add(id);
              assertThat(rs.getFloat(2)).as("%s row %d", order, id).isEqualTo(expected.get(id));
              assertThat(rs.getFloat(2)).isEqualTo(best);
            }
          }
          assertThat(ids).hasSize(20);
          if (fetchSize > 0) {
            connection.commit();
          }
        }
      }
      String[] topLines = psql(top + ";").split("\n");
      assertThat(topLines).hasSize(20);
      for (String line : topLines) {
        String[] fields = line.split("\\|");
        assertThat(Float.parseFloat(fields[1]))
            .isEqualTo(expected.get(Integer.parseInt(fields[0])))
            .isEqualTo(best);
      }
    }
    // psql (the simple protocol, text).
    String[] lines = psql(sql + ";").split("\n");
    assertThat(lines).hasSize(3 * expected.size());
    for (String line : lines) {
      String[] fields = line.split("\\|");
      assertThat(Float.parseFloat(fields[2]))
          .as(line)
          .isEqualTo(expected.get(Integer.parseInt(fields[0])));
    }
  }

  private static long lsn(String text) {
    int slash = text.indexOf('/');
    return (Long.parseLong(text.substring(0, slash), 16) << 32)
        | Long.parseLong(text.substring(slash + 1), 16);
  }

  private static String lsnText(long lsn) {
    return Long.toHexString(lsn >>> 32).toUpperCase()
        + "/"
        + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
  }

  /** Inserts, updates and deletes on the source in small transactions until told to stop. */
  private void writeContinuously(AtomicBoolean writing, AtomicInteger nextId) {
    try (Connection connection = source.connectAsSuperuser(DATABASE);
        PreparedStatement update =
            connection.prepareStatement(
                "UPDATE public.breast_cancer SET mean_radius = mean_radius + 0.5 WHERE id = ?");
        PreparedStatement delete =
            connection.prepareStatement("DELETE FROM public.breast_cancer WHERE id = ?")) {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      while (writing.get()) {
        double[] row = data.rows().get(random.nextInt(data.rows().size())).clone();
        row[0] = nextId.getAndIncrement();
        data.insert(connection, List.of(row));
        update.setInt(1, 1 + random.nextInt(data.rows().size()));
        update.executeUpdate();
        if (row[0] % 3 == 0) {
          delete.setInt(1, (int) row[0] - 1);
          delete.executeUpdate();
        }
        Thread.sleep(5);
      }
    } catch (SQLException | InterruptedException e) {
      throw new IllegalStateException("source writer failed", e);
    }
  }

  private Connection connectToFollower() throws SQLException {
    return connectToFollower("");
  }

  private Connection connectToFollower(String parameters) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", USER);
    properties.setProperty("password", PASSWORD);
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + endpointPort + "/" + DATABASE + "?" + parameters,
        properties);
  }

  private static Array float8Array(Connection connection, double[] values) throws SQLException {
    Double[] boxed = new Double[values.length];
    for (int i = 0; i < values.length; i++) {
      boxed[i] = values[i];
    }
    return connection.createArrayOf("float8", boxed);
  }

  private static final String CHECKSUM =
      "SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY id)) FROM public.breast_cancer t";

  private String sourceChecksum() throws SQLException {
    try (Connection connection = source.connectAsSuperuser(DATABASE)) {
      return scalar(connection, CHECKSUM);
    }
  }

  private String followerChecksum() throws SQLException {
    try (Connection connection = connectToFollower()) {
      return scalar(connection, CHECKSUM);
    }
  }

  private void awaitFollowerCount(int expected) throws Exception {
    try (Connection connection = connectToFollower()) {
      awaitTrue(
          () ->
              String.valueOf(expected)
                  .equals(scalar(connection, "SELECT count(*) FROM public.breast_cancer")),
          CATCH_UP);
    }
  }

  private String psql(String sql) throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(
                "psql",
                "-X",
                "-At",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                String.valueOf(endpointPort),
                "-U",
                USER,
                "-d",
                DATABASE,
                "-c",
                sql)
            .redirectErrorStream(true);
    builder.environment().put("PGPASSWORD", PASSWORD);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("psql output: %s", output).isZero();
    return output.strip();
  }

  private static String scalar(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @FunctionalInterface
  private interface Condition {
    boolean holds() throws Exception;
  }

  private void awaitTrue(Condition condition, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "condition not met within " + timeout + "; follower log tail:\n" + follower.logTail());
      }
      Thread.sleep(20);
    }
  }
}
