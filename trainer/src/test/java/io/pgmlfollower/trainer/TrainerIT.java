package io.pgmlfollower.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.testing.PostgresFixture;
import io.pgmlfollower.trainer.deployment.DeployedModel;
import io.pgmlfollower.trainer.preprocess.FittedPreprocess;
import io.pgmlfollower.trainer.registry.SnapshotRow;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;
import org.postgresql.ds.PGSimpleDataSource;

/** pgml.train / predict / deploy against a real PostgreSQL holding the registry and the data. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainerIT {
  private static final String DATABASE = "features";
  private static final int BREAST_CANCER_FEATURES = 31; // id + 30 measurements

  private PostgresFixture postgres;
  private DataSource dataSource;
  private Trainer trainer;

  @BeforeAll
  void start() throws Exception {
    postgres = PostgresFixture.start();
    postgres.createDatabase(DATABASE);
    PGSimpleDataSource pg = new PGSimpleDataSource();
    pg.setUrl(postgres.jdbcUrl(DATABASE));
    pg.setUser(postgres.superuser());
    pg.setPassword(postgres.superuserPassword());
    dataSource = pg;
    loadBreastCancer();
    loadSynthetic();
    trainer = new Trainer(dataSource, new TrainerConfig());
    trainer.initialize();
  }

  @AfterAll
  void stop() {
    if (postgres != null) {
      postgres.close();
    }
  }

  private void loadBreastCancer() throws Exception {
    String columns;
    try (InputStream in = csv()) {
      String header =
          new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElseThrow();
      columns =
          Arrays.stream(header.split(","))
              .map(
                  name ->
                      name
                          + switch (name) {
                            case "id", "target" -> " integer NOT NULL";
                            default -> " double precision NOT NULL";
                          })
              .collect(Collectors.joining(", "));
    }
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement();
        InputStream in = csv()) {
      statement.execute("CREATE TABLE public.breast_cancer (" + columns + ")");
      new CopyManager(connection.unwrap(BaseConnection.class))
          .copyIn(
              "COPY public.breast_cancer FROM STDIN WITH (FORMAT csv, HEADER true)",
              new InputStreamReader(in, StandardCharsets.UTF_8));
    }
  }

  private InputStream csv() {
    InputStream in = getClass().getResourceAsStream("/datasets/breast_cancer.csv");
    assertThat(in).as("datasets/breast_cancer.csv on the test classpath").isNotNull();
    return in;
  }

  /** y = 3·x1 − 2·x2 + N(0, 0.5²), x3 irrelevant; 500 rows from a fixed seed. */
  private void loadSynthetic() throws SQLException {
    Random random = new Random(7);
    StringBuilder values = new StringBuilder();
    for (int i = 1; i <= 500; i++) {
      double x1 = random.nextGaussian();
      double x2 = random.nextGaussian() * 2;
      double x3 = random.nextDouble();
      double y = 3 * x1 - 2 * x2 + 0.5 * random.nextGaussian();
      values.append(i == 1 ? "" : ",").append("(%d,%s,%s,%s,%s)".formatted(i, x1, x2, x3, y));
    }
    execute(
        "CREATE TABLE public.synthetic (id integer, x1 double precision, x2 real, x3 numeric,"
            + " y double precision)",
        "INSERT INTO public.synthetic VALUES " + values);
  }

  private void execute(String... sql) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      for (String s : sql) {
        statement.execute(s);
      }
    }
  }

  private List<Map<String, Object>> query(String sql) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      List<Map<String, Object>> rows = new ArrayList<>();
      while (rs.next()) {
        Map<String, Object> row = new HashMap<>();
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
          row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
        }
        rows.add(row);
      }
      return rows;
    }
  }

  /** Snapshot tables in the registry's schema that no pgml.snapshots row names. */
  private long orphanSnapshotTables() throws SQLException {
    return (Long)
        query(
                "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'pgml' AND tablename LIKE"
                    + " 'snapshot\\_%' AND tablename NOT IN (SELECT snapshot_table FROM"
                    + " pgml.snapshots WHERE snapshot_table IS NOT NULL)")
            .get(0)
            .get("n");
  }

  /** The first rows of breast_cancer as feature vectors: every column but target, table order. */
  private List<double[]> breastCancerFeatures(int rows) throws SQLException {
    List<double[]> features = new ArrayList<>();
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT * FROM public.breast_cancer ORDER BY id LIMIT " + rows)) {
      while (rs.next()) {
        double[] row = new double[BREAST_CANCER_FEATURES];
        for (int i = 0; i < BREAST_CANCER_FEATURES; i++) {
          row[i] = rs.getDouble(i + 1);
        }
        features.add(row);
      }
    }
    return features;
  }

  private static TrainRequest.Builder breastCancer(String project) {
    return TrainRequest.builder(project)
        .task(Task.CLASSIFICATION)
        .relationName("public.breast_cancer")
        .yColumnName("target");
  }

  private static void assertError(
      ThrowingCallable call, TrainerErrorCode code, String sqlState, String messagePart) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            TrainerException.class,
            e -> {
              assertThat(e.code()).isEqualTo(code);
              assertThat(e.sqlState()).isEqualTo(sqlState);
            })
        .hasMessageContaining(messagePart);
  }

  private static Map<String, Double> scores(Map<String, Double> metrics) {
    Map<String, Double> scores = new HashMap<>(metrics);
    scores.remove("fit_time");
    scores.remove("score_time");
    return scores;
  }

  @Test
  void aSnapshotIsAnImmutableCopyRecordedWithItsShapeAndLsn() throws SQLException {
    execute(
        "CREATE TABLE public.snap_source (id integer PRIMARY KEY, x numeric(10,2), label text,"
            + " seen timestamptz, y double precision)",
        "INSERT INTO public.snap_source SELECT i, i / 3.0, 'l' || i % 3,"
            + " '2026-01-01'::timestamptz + i * interval '1 hour', i * 2 FROM"
            + " generate_series(1, 300) i");
    Trainer withLsn =
        new Trainer(
            dataSource, new TrainerConfig().setSourceLsnReader(c -> Optional.of("0/16B3748")));
    SnapshotRow snapshot = withLsn.snapshot("public.snap_source", "y", 0.25, TestSampling.RANDOM);

    assertThat(snapshot.table()).isPresent();
    String copy = snapshot.table().get().quoted();
    assertThat(snapshot.table().get().toString()).isEqualTo("pgml.snapshot_" + snapshot.id());
    assertThat(snapshot.numRows()).isEqualTo(300);
    assertThat(snapshot.sourceLsn()).contains("0/16B3748");
    assertThat(snapshot.relation()).contains(new TableId("public", "snap_source"));
    // Same rows, same values, same types, in the relation's order.
    assertThat(query("SELECT * FROM " + copy)).isEqualTo(query("SELECT * FROM public.snap_source"));
    assertThat(
            query(
                "SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid"
                    + " = '"
                    + copy
                    + "'::regclass AND attnum > 0 ORDER BY attnum"))
        .extracting(row -> row.get("type"))
        .containsExactly(
            "integer", "numeric(10,2)", "text", "timestamp with time zone", "double precision");
    Map<String, Object> row =
        query(
                "SELECT relation_name, y_column_name[1] AS y, num_rows, source_lsn, status,"
                    + " snapshot_table, size_bytes, columns::text AS columns FROM pgml.snapshots"
                    + " WHERE id = "
                    + snapshot.id())
            .get(0);
    assertThat(row)
        .containsEntry("relation_name", "public.snap_source")
        .containsEntry("y", "y")
        .containsEntry("num_rows", 300L)
        .containsEntry("source_lsn", "0/16B3748")
        .containsEntry("status", "snapshotted")
        .containsEntry("snapshot_table", "snapshot_" + snapshot.id());
    assertThat((Long) row.get("size_bytes")).isPositive();
    assertThat((String) row.get("columns")).contains("\"numeric(10,2)\"", "\"seen\"");

    // Later changes to the relation do not reach the copy.
    execute("DELETE FROM public.snap_source WHERE id > 100", "UPDATE public.snap_source SET y = 0");
    assertThat(query("SELECT count(*) AS n, sum(y) AS s FROM " + copy).get(0))
        .containsEntry("n", 300L)
        .containsEntry("s", 300.0 * 301);
  }

  @Test
  void retrainingWithoutARelationReusesTheSnapshotAndReproducesTheModel() throws SQLException {
    execute(
        "CREATE TABLE public.drift AS SELECT * FROM public.synthetic",
        "ALTER TABLE public.drift ADD PRIMARY KEY (id)");
    TrainResult first =
        trainer.train(
            TrainRequest.builder("drift")
                .task(Task.REGRESSION)
                .relationName("public.drift")
                .yColumnName("y")
                .algorithm("random_forest")
                .build());
    // The data drifts after the first training...
    execute("UPDATE public.drift SET y = -y", "DELETE FROM public.drift WHERE id % 2 = 0");
    // ...but retraining without a relation trains on the same snapshot: same model, same metrics.
    TrainResult again =
        trainer.train(TrainRequest.builder("drift").algorithm("random_forest").build());
    assertThat(scores(again.metrics())).isEqualTo(scores(first.metrics()));
    assertThat(snapshotOf(again.modelId())).isEqualTo(snapshotOf(first.modelId()));
    double[] row = {7, 0.5, -1.0, 0.3};
    double firstPrediction = trainer.predict("drift", row);
    assertThat(trainer.deploy(first.modelId()).modelId()).isEqualTo(first.modelId());
    assertThat(trainer.predict("drift", row)).isEqualTo(firstPrediction);

    // Naming the relation takes a new snapshot of the drifted data.
    TrainResult fresh =
        trainer.train(
            TrainRequest.builder("drift")
                .relationName("public.drift")
                .algorithm("random_forest")
                .build());
    long freshSnapshot = snapshotOf(fresh.modelId());
    assertThat(freshSnapshot).isGreaterThan(snapshotOf(first.modelId()));
    assertThat(query("SELECT num_rows FROM pgml.snapshots WHERE id = " + freshSnapshot).get(0))
        .containsEntry("num_rows", 250L);
    assertThat(scores(fresh.metrics())).isNotEqualTo(scores(first.metrics()));
  }

  @Test
  void droppedSnapshotsKeepTheirRowAndCannotBeRetrainedOn() throws SQLException {
    execute("CREATE TABLE public.to_drop AS SELECT * FROM public.synthetic");
    TrainResult trained =
        trainer.train(
            TrainRequest.builder("dropping")
                .task(Task.REGRESSION)
                .relationName("public.to_drop")
                .yColumnName("y")
                .build());
    long snapshotId = snapshotOf(trained.modelId());

    SnapshotRow dropped = trainer.dropSnapshot(snapshotId);

    assertThat(dropped.status()).isEqualTo(SnapshotRow.DROPPED);
    assertThat(dropped.table()).isEmpty();
    assertThat(query("SELECT to_regclass('pgml.snapshot_" + snapshotId + "') AS t").get(0))
        .containsEntry("t", null);
    // The model keeps its lineage and still predicts.
    assertThat(snapshotOf(trained.modelId())).isEqualTo(snapshotId);
    assertThat(trainer.predict("dropping", new double[] {1, 0.5, -1.0, 0.3})).isFinite();
    assertError(
        () -> trainer.train(TrainRequest.builder("dropping").build()),
        TrainerErrorCode.SNAPSHOT_DROPPED,
        "55000",
        "pass relation_name");
    assertError(
        () -> trainer.dropSnapshot(987654),
        TrainerErrorCode.UNKNOWN_SNAPSHOT,
        "42704",
        "snapshot 987654 does not exist");
  }

  @Test
  void aFailedSnapshotLeavesNoRowAndNoTable() throws SQLException {
    long before = (Long) query("SELECT count(*) AS n FROM pgml.snapshots").get(0).get("n");
    assertError(
        () -> trainer.snapshot("public.synthetic", "no_such_column", 0.25, TestSampling.RANDOM),
        TrainerErrorCode.UNKNOWN_COLUMN,
        "42703",
        "no_such_column");
    // A relation that cannot train this task: refused before anything is copied.
    assertError(
        () ->
            trainer.train(
                TrainRequest.builder("bad_target")
                    .task(Task.REGRESSION)
                    .relationName("pg_catalog.pg_namespace")
                    .yColumnName("nspname")
                    .build()),
        TrainerErrorCode.UNSUPPORTED_COLUMN_TYPE,
        "0A000",
        "nspname");
    assertThat(query("SELECT count(*) AS n FROM pgml.snapshots").get(0)).containsEntry("n", before);
    assertThat(orphanSnapshotTables()).isZero();
  }

  @Test
  void aCancelledSnapshotStopsMidCopyAndKeepsNothing() throws SQLException {
    execute(
        "CREATE TABLE public.big_for_cancel AS SELECT i AS id, random() AS x, i % 2 AS y"
            + " FROM generate_series(1, 50000) i");
    long before = (Long) query("SELECT count(*) AS n FROM pgml.snapshots").get(0).get("n");
    AtomicInteger polls = new AtomicInteger();
    assertError(
        () ->
            trainer.snapshot(
                "public.big_for_cancel",
                "y",
                0.25,
                TestSampling.RANDOM,
                () -> polls.incrementAndGet() > 3),
        TrainerErrorCode.CANCELLED,
        "57014",
        "canceling statement due to user request");
    // Polled while rows were copied (every 1024), and stopped at the first true: mid-copy.
    assertThat(polls.get()).isEqualTo(4);
    assertThat(query("SELECT count(*) AS n FROM pgml.snapshots").get(0)).containsEntry("n", before);
    assertThat(orphanSnapshotTables()).isZero();
    // The connections went back clean: the next snapshot works.
    assertThat(trainer.snapshot("public.big_for_cancel", "y", 0.25, TestSampling.RANDOM).numRows())
        .isEqualTo(50000);
  }

  @Test
  void aCancelledTrainingStopsWith57014MarksItsModelFailedAndDeploysNothing() throws SQLException {
    TrainResult deployed = trainer.train(breastCancer("cancelled").build());
    // False while the training sets up; true from the first look during (or right after) the fit.
    java.util.concurrent.atomic.AtomicInteger looks =
        new java.util.concurrent.atomic.AtomicInteger();
    assertError(
        () ->
            trainer.train(
                TrainRequest.builder("cancelled")
                    .algorithm("random_forest")
                    .hyperparams(Map.of("n_estimators", 400))
                    .build(),
                () -> looks.incrementAndGet() >= 3),
        TrainerErrorCode.CANCELLED,
        "57014",
        "canceling statement");
    assertThat(
            query(
                "SELECT m.algorithm, m.status FROM pgml.models m JOIN pgml.projects p"
                    + " ON p.id = m.project_id WHERE p.name = 'cancelled' ORDER BY m.id"))
        .extracting(row -> row.get("algorithm") + " " + row.get("status"))
        .containsExactly("linear successful", "random_forest failed");
    assertThat(currentModel("cancelled")).isEqualTo(deployed.modelId());
  }

  @Test
  void classifiesBreastCancerAndWritesTheRegistry() throws SQLException {
    TrainResult linear = trainer.train(breastCancer("cancer").build());
    // Later trainings take task, relation and target from the project.
    TrainResult forest =
        trainer.train(TrainRequest.builder("cancer").algorithm("random_forest").build());
    // "logistic", as the issue and scikit-learn call it, is PostgresML's classification "linear".
    assertThat(
            trainer
                .train(
                    TrainRequest.builder("cancer_logistic")
                        .task("classification")
                        .relationName("public.breast_cancer")
                        .yColumnName("target")
                        .algorithm("logistic")
                        .build())
                .algorithm())
        .isEqualTo("linear");

    assertThat(linear.project()).isEqualTo("cancer");
    assertThat(linear.task()).isEqualTo(Task.CLASSIFICATION);
    assertThat(linear.algorithm()).isEqualTo("linear");
    assertThat(linear.deployed()).isTrue();
    assertThat(linear.metrics().get("accuracy")).isGreaterThanOrEqualTo(0.9);
    assertThat(linear.metrics())
        .containsKeys("precision", "recall", "f1", "roc_auc", "log_loss", "fit_time", "score_time");
    assertThat(forest.algorithm()).isEqualTo("random_forest");
    assertThat(forest.metrics().get("accuracy")).isGreaterThanOrEqualTo(0.9);

    Map<String, Object> project =
        query("SELECT id, task FROM pgml.projects WHERE name = 'cancer'").getFirst();
    assertThat(project.get("task")).isEqualTo("classification");
    List<Map<String, Object>> models =
        query(
            "SELECT m.id, m.algorithm, m.runtime, m.status, m.num_features,"
                + " (m.metrics->>'accuracy')::float8 AS accuracy, s.relation_name,"
                + " (SELECT sum(v::int) FROM jsonb_array_elements(m.metrics->'confusion_matrix') r,"
                + " jsonb_array_elements_text(r) v) AS confused,"
                + " (SELECT sum((r->>(i::int - 1))::int) FROM jsonb_array_elements(m.metrics->"
                + "'confusion_matrix') WITH ORDINALITY AS t(r, i)) AS diagonal,"
                + " s.y_column_name[1] AS y, s.num_rows, s.seed, s.test_sampling,"
                + " jsonb_array_length(s.columns) AS columns, s.columns->0->>'name' AS first_column"
                + " FROM pgml.models m JOIN pgml.snapshots s ON s.id = m.snapshot_id"
                + " WHERE m.project_id = "
                + project.get("id")
                + " ORDER BY m.id");
    assertThat(models).hasSize(2);
    Map<String, Object> first = models.getFirst();
    assertThat(first.get("algorithm")).isEqualTo("linear");
    assertThat(first.get("runtime")).isEqualTo("java");
    assertThat(first.get("status")).isEqualTo("successful");
    assertThat(first.get("num_features")).isEqualTo(BREAST_CANCER_FEATURES);
    assertThat((Double) first.get("accuracy"))
        .isCloseTo(linear.metrics().get("accuracy"), within(1e-12));
    assertThat(first.get("relation_name")).isEqualTo("public.breast_cancer");
    // The holdout's confusion matrix: every test row counted once, the diagonal the correct ones.
    long testRows = 569 - Math.round(569 * 0.75 - 0.5);
    assertThat(((Number) first.get("confused")).longValue()).isBetween(testRows - 1, testRows + 1);
    assertThat(((Number) first.get("diagonal")).doubleValue())
        .isCloseTo(
            linear.metrics().get("accuracy") * ((Number) first.get("confused")).longValue(),
            within(1e-6));
    assertThat(first.get("y")).isEqualTo("target");
    assertThat(first.get("num_rows")).isEqualTo(569L);
    assertThat(first.get("seed")).isEqualTo(42L);
    assertThat(first.get("test_sampling")).isEqualTo("random");
    assertThat(first.get("columns")).isEqualTo(32);
    assertThat(first.get("first_column")).isEqualTo("id");
    assertThat(
            query(
                "SELECT path FROM pgml.files WHERE model_id = "
                    + first.get("id")
                    + " ORDER BY path"))
        .extracting(row -> row.get("path"))
        .containsExactly("estimator.ser", "pipeline.json");
    List<Map<String, Object>> deployments =
        query(
            "SELECT model_id, strategy FROM pgml.deployments WHERE project_id = "
                + project.get("id")
                + " ORDER BY id");
    assertThat(deployments.getFirst())
        .containsEntry("model_id", first.get("id"))
        .containsEntry("strategy", "most_recent");
    assertThat(deployments).hasSize(forest.deployed() ? 2 : 1);
  }

  @Test
  void predictsWithTheDeployedModel() throws SQLException {
    trainer.train(breastCancer("cancer_predict").build());
    List<double[]> rows = breastCancerFeatures(40);
    List<Integer> labels =
        query("SELECT target FROM public.breast_cancer ORDER BY id LIMIT 40").stream()
            .map(row -> (Integer) row.get("target"))
            .toList();

    long correct =
        IntStream.range(0, rows.size())
            .filter(i -> trainer.predict("cancer_predict", rows.get(i)) == labels.get(i))
            .count();
    double[] probabilities = trainer.predictProba("cancer_predict", rows.getFirst());

    assertThat(correct).isGreaterThanOrEqualTo(36);
    assertThat(probabilities).hasSize(2);
    assertThat(probabilities[0] + probabilities[1]).isCloseTo(1.0, within(1e-9));
    assertThat(trainer.predict("cancer_predict", rows.getFirst()))
        .isEqualTo(probabilities[1] > probabilities[0] ? 1.0 : 0.0);
  }

  @Test
  void wrongFeatureCountNamesTheExpectedColumns() {
    trainer.train(breastCancer("cancer_count").build());

    assertError(
        () -> trainer.predict("cancer_count", new double[30]),
        TrainerErrorCode.WRONG_FEATURE_COUNT,
        "22023",
        "expects 31 features (the non-target columns of public.breast_cancer in table order: id,"
            + " mean_radius,");
  }

  @Test
  void unknownProjectAndRelationAndColumnUsePostgresSqlStates() throws SQLException {
    assertError(
        () -> trainer.predict("no_such_project", new double[] {1}),
        TrainerErrorCode.UNKNOWN_PROJECT,
        "42704",
        "project 'no_such_project' does not exist");
    assertError(
        () ->
            trainer.train(
                TrainRequest.builder("p_rel")
                    .task("regression")
                    .relationName("public.nope")
                    .yColumnName("y")
                    .build()),
        TrainerErrorCode.UNKNOWN_RELATION,
        "42P01",
        "relation \"public.nope\" does not exist");
    assertError(
        () ->
            trainer.train(
                TrainRequest.builder("p_col")
                    .task("regression")
                    .relationName("synthetic")
                    .yColumnName("z")
                    .build()),
        TrainerErrorCode.UNKNOWN_COLUMN,
        "42703",
        "y_column_name must be one of id, x1, x2, x3, y");
    assertError(
        () -> trainer.train(TrainRequest.builder("p_task").relationName("synthetic").build()),
        TrainerErrorCode.TASK_REQUIRED,
        "22004",
        "pass the task");
    // Injection attempts are just names that do not resolve.
    assertError(
        () ->
            trainer.train(
                TrainRequest.builder("p_inject")
                    .task("regression")
                    .relationName("synthetic; DROP TABLE public.synthetic")
                    .yColumnName("y")
                    .build()),
        TrainerErrorCode.UNKNOWN_RELATION,
        "42P01",
        "does not exist");
    for (String unparsable : List.of("a.b.c.d", "otherdb.public.synthetic", "\"unclosed")) {
      assertError(
          () ->
              trainer.train(
                  TrainRequest.builder("p_parse")
                      .task("regression")
                      .relationName(unparsable)
                      .yColumnName("y")
                      .build()),
          TrainerErrorCode.UNKNOWN_RELATION,
          "42P01",
          unparsable);
    }
    // Failed trainings leave no project behind, and the injected statement did not run.
    assertThat(query("SELECT name FROM pgml.projects WHERE name LIKE 'p\\_%'")).isEmpty();
    assertThat(query("SELECT count(*) AS n FROM public.synthetic").getFirst())
        .containsEntry("n", 500L);
  }

  @Test
  void badAlgorithmsAndHyperparametersAreRejectedBeforeReadingData() {
    assertError(
        () -> trainer.train(breastCancer("p_algo").algorithm("catboost").build()),
        TrainerErrorCode.UNKNOWN_ALGORITHM,
        "22023",
        "use one of linear, decision_tree, ada_boost, knn, svm, lda, qda, naive_bayes,"
            + " random_forest, extra_trees, gradient_boosting_trees, xgboost, mlp");
    assertError(
        () ->
            trainer.train(
                breastCancer("p_hyper")
                    .algorithm("random_forest")
                    .hyperparams(Map.of("trees", 5))
                    .build()),
        TrainerErrorCode.INVALID_HYPERPARAMETER,
        "22023",
        "valid names are criterion, max_depth");
  }

  @Test
  void unusableColumnsAreNamed() throws SQLException {
    execute(
        "CREATE TABLE public.with_text (a integer, note jsonb, label integer)",
        "INSERT INTO public.with_text VALUES (1, '{}', 0), (2, '[]', 1)",
        "CREATE TABLE public.with_null (a integer, b double precision, label integer)",
        "INSERT INTO public.with_null SELECT i, CASE WHEN i = 3 THEN NULL ELSE i END, i % 2"
            + " FROM generate_series(1, 10) i");

    assertError(
        () ->
            trainer.train(
                TrainRequest.builder("p_text")
                    .task("classification")
                    .relationName("with_text")
                    .yColumnName("label")
                    .build()),
        TrainerErrorCode.UNSUPPORTED_COLUMN_TYPE,
        "0A000",
        "feature column \"note\" of public.with_text has type jsonb");
    assertError(
        () ->
            trainer.train(
                TrainRequest.builder("p_null")
                    .task("classification")
                    .relationName("with_null")
                    .yColumnName("label")
                    .build()),
        TrainerErrorCode.NULL_VALUE,
        "22004",
        "column \"b\" of public.with_null is NULL in row 3");
    assertThat(query("SELECT 1 FROM pgml.projects WHERE name IN ('p_text', 'p_null')")).isEmpty();
  }

  @Test
  void regressionOnSyntheticData() {
    TrainRequest.Builder request =
        TrainRequest.builder("synthetic")
            .task("regression")
            .relationName("synthetic")
            .yColumnName("y");

    TrainResult linear = trainer.train(request.build());
    TrainResult ridge = trainer.train(TrainRequest.builder("synthetic").algorithm("ridge").build());
    TrainResult forest =
        trainer.train(
            TrainRequest.builder("synthetic")
                .algorithm("random_forest")
                .hyperparams(Map.of("n_estimators", 50))
                .build());
    TrainResult boosted =
        trainer.train(
            TrainRequest.builder("synthetic").algorithm("gradient_boosting_trees").build());

    assertThat(linear.metrics().get("r2")).isGreaterThan(0.9);
    assertThat(ridge.metrics().get("r2")).isGreaterThan(0.9);
    assertThat(forest.metrics().get("r2")).isGreaterThan(0.8);
    assertThat(boosted.metrics().get("r2")).isGreaterThan(0.8);
    assertThat(linear.metrics()).containsKeys("mae", "mse", "rmse", "fit_time", "score_time");
    assertThat(linear.deployed()).isTrue();
    double predicted = trainer.predict("synthetic", new double[] {1, 1.0, 0.5, 0.3});
    assertThat(predicted).isCloseTo(3 * 1.0 - 2 * 0.5, within(0.3));
  }

  @Test
  void clusteringLearnsFromEveryColumnAndPredictsClusters() throws SQLException {
    // Three well-separated blobs of 100 rows: k-means finds them, DBSCAN too.
    Random random = new Random(11);
    StringBuilder values = new StringBuilder();
    double[][] centers = {{0, 0}, {10, 0}, {0, 10}};
    for (int i = 0; i < 300; i++) {
      double[] c = centers[i % 3];
      values
          .append(i == 0 ? "" : ",")
          .append("(%s,%s)".formatted(c[0] + random.nextGaussian(), c[1] + random.nextGaussian()));
    }
    execute(
        "CREATE TABLE public.blobs (a double precision, b real)",
        "INSERT INTO public.blobs VALUES " + values);

    assertError(
        () ->
            trainer.train(
                TrainRequest.builder("blobs")
                    .task("clustering")
                    .relationName("blobs")
                    .yColumnName("a")
                    .build()),
        TrainerErrorCode.INVALID_ARGUMENT,
        "22023",
        "takes no y_column_name");
    assertError(
        () ->
            trainer.train(
                TrainRequest.builder("blobs").task("regression").relationName("blobs").build()),
        TrainerErrorCode.RELATION_REQUIRED,
        "22004",
        "y_column_name");
    TrainResult kmeans =
        trainer.train(
            TrainRequest.builder("blobs")
                .task("clustering")
                .relationName("blobs")
                .algorithm("kmeans")
                .hyperparams(Map.of("n_clusters", 3))
                .build());
    assertThat(kmeans.deployed()).isTrue();
    assertThat(kmeans.metrics().get("silhouette")).isGreaterThan(0.7);
    assertThat(kmeans.metrics().get("n_clusters")).isEqualTo(3.0);
    int[] clusters = new int[3];
    for (int c = 0; c < 3; c++) {
      clusters[c] = (int) trainer.predict("blobs", centers[c]);
      // A point near a center falls in the center's cluster.
      assertThat(trainer.predict("blobs", new double[] {centers[c][0] + 0.5, centers[c][1] - 0.5}))
          .isEqualTo(clusters[c]);
    }
    assertThat(clusters).doesNotHaveDuplicates();
    assertError(
        () -> trainer.predictProba("blobs", centers[0]),
        TrainerErrorCode.INVALID_ARGUMENT,
        "22023",
        "is a clustering");
    // The snapshot has no target; training again without a relation reuses it, deterministically.
    assertThat(
            query(
                    "SELECT cardinality(y_column_name) AS n FROM pgml.snapshots s JOIN pgml.models m"
                        + " ON m.snapshot_id = s.id WHERE m.id = "
                        + kmeans.modelId())
                .get(0)
                .get("n"))
        .isEqualTo(0);
    TrainResult again =
        trainer.train(
            TrainRequest.builder("blobs")
                .algorithm("kmeans")
                .hyperparams(Map.of("n_clusters", 3))
                .build());
    assertThat(scores(again.metrics())).isEqualTo(scores(kmeans.metrics()));
    TrainResult dbscan =
        trainer.train(
            TrainRequest.builder("blobs")
                .algorithm("dbscan")
                .hyperparams(Map.of("eps", 1.5, "min_samples", 5))
                .build());
    assertThat(dbscan.metrics().get("n_clusters")).isEqualTo(3.0);
    assertThat(query("SELECT task FROM pgml.projects WHERE name = 'blobs'").get(0).get("task"))
        .isEqualTo("clustering");
  }

  @Test
  void decompositionProjectsOntoTheComponentsOfLargestVariance() {
    // synthetic: id, x1, x2 (variance 4), x3 (uniform), y: y = 3·x1 − 2·x2 + noise dominates.
    TrainResult pca =
        trainer.train(
            TrainRequest.builder("components")
                .task("decomposition")
                .relationName("synthetic")
                .algorithm("pca")
                .hyperparams(Map.of("n_components", 2))
                .preprocess(
                    Map.of(
                        "id", Map.of("scale", "standard"),
                        "x1", Map.of("scale", "standard"),
                        "x2", Map.of("scale", "standard"),
                        "x3", Map.of("scale", "standard"),
                        "y", Map.of("scale", "standard")))
                .build());
    assertThat(pca.deployed()).isTrue();
    // Five standardized columns of which y is a mix of x1 and x2 (and id, x3 are noise): two
    // components keep more than two fifths of the variance, and not all of it.
    assertThat(pca.metrics().get("cumulative_explained_variance")).isBetween(0.45, 0.95);
    assertThat(pca.metrics().get("n_components")).isEqualTo(2.0);
    double[] components = trainer.decompose("components", new double[] {250, 1, 2, 0.5, -1});
    assertThat(components).hasSize(2);
    assertThat(trainer.decompose("components", new double[] {250, 1, 2, 0.5, -1}))
        .containsExactly(components);
    assertError(
        () -> trainer.predict("components", new double[] {250, 1, 2, 0.5, -1}),
        TrainerErrorCode.INVALID_ARGUMENT,
        "22023",
        "use pgml.decompose('components', features)");
    assertError(
        () -> trainer.decompose("synthetic_never_trained_here", new double[] {1}),
        TrainerErrorCode.UNKNOWN_PROJECT,
        "42704",
        "synthetic_never_trained_here");
  }

  @Test
  void textFeaturesAreEncodedOrdinalOneHotOrByTarget() throws SQLException {
    // adopted depends on kind only through its category: cats and rabbits are adopted, dogs and
    // lizards not; weight is noise. An enum column and a text column, one NULL kind.
    Random random = new Random(3);
    String[] kinds = {"cat", "dog", "lizard", "rabbit"};
    StringBuilder values = new StringBuilder();
    for (int i = 0; i < 400; i++) {
      String kind = kinds[i % 4];
      boolean adopted = kind.equals("cat") || kind.equals("rabbit");
      values
          .append(i == 0 ? "" : ",")
          .append(
              "(%s, '%s', %s, %s)"
                  .formatted(
                      i == 7 ? "NULL" : "'" + kind + "'",
                      i % 2 == 0 ? "small" : "large",
                      random.nextGaussian(),
                      adopted));
    }
    execute(
        "CREATE TYPE public.size AS ENUM ('small', 'large')",
        "CREATE TABLE public.pets (kind text, size public.size, weight double precision,"
            + " adopted boolean)",
        "INSERT INTO public.pets VALUES " + values);

    assertError(
        () ->
            trainer.train(
                TrainRequest.builder("pets_null")
                    .task("classification")
                    .relationName("pets")
                    .yColumnName("adopted")
                    .algorithm("decision_tree")
                    .build()),
        TrainerErrorCode.NULL_VALUE,
        "22004",
        "column \"kind\"");
    for (String encode : new String[] {"ordinal", "one_hot", "target"}) {
      String project = "pets_" + encode;
      TrainResult result =
          trainer.train(
              TrainRequest.builder(project)
                  .task("classification")
                  .relationName("pets")
                  .yColumnName("adopted")
                  .algorithm(encode.equals("one_hot") ? "linear" : "decision_tree")
                  .preprocess(Map.of("kind", Map.of("encode", encode, "impute", "mode")))
                  .build());
      assertThat(result.metrics().get("accuracy")).as(encode).isGreaterThan(0.97);
      DeployedModel model = trainer.deployedModel(project);
      assertThat(model.categories())
          .containsEntry("kind", List.of("cat", "dog", "lizard", "rabbit"))
          .containsEntry("size", List.of("large", "small"));
      // kind and size as their indexes in the model's categories, as a row's values arrive.
      assertThat(model.predict(new double[] {0, 1, 0.3})).as(encode).isEqualTo(1.0);
      assertThat(model.predict(new double[] {1, 0, 0.3})).as(encode).isEqualTo(0.0);
      assertThat(model.predict(new double[] {3, 0, -2})).as(encode).isEqualTo(1.0);
      assertThat(model.predict(new double[] {Double.NaN, 0, 0}))
          .as("NULL kind: the mode")
          .isIn(0.0, 1.0);
      if (!encode.equals("ordinal")) {
        // one_hot ignores a category it never saw, target takes the mean: still a prediction.
        assertThat(model.predict(new double[] {FittedPreprocess.UNKNOWN, 0, 0})).isIn(0.0, 1.0);
      }
    }
    assertThat(
            trainer
                .deployedModel("pets_ordinal")
                .predict(new double[] {FittedPreprocess.UNKNOWN, 0, 0}))
        .as("ordinal imputes an unknown category with the mode")
        .isIn(0.0, 1.0);
    assertError(
        () ->
            trainer.train(
                TrainRequest.builder("pets_bad")
                    .task("classification")
                    .relationName("pets")
                    .yColumnName("adopted")
                    .preprocess(
                        Map.of(
                            "weight", Map.of("encode", "one_hot"),
                            "kind", Map.of("impute", "mode")))
                    .build()),
        TrainerErrorCode.INVALID_ARGUMENT,
        "22023",
        "preprocess.weight.encode");
  }

  @Test
  void retrainingTheSameDataGivesTheSameMetrics() {
    TrainResult first = trainer.train(breastCancer("repeat").algorithm("random_forest").build());
    TrainResult second =
        trainer.train(TrainRequest.builder("repeat").algorithm("random_forest").build());
    TrainResult boosted =
        trainer.train(TrainRequest.builder("repeat").algorithm("xgboost").build());
    TrainResult boostedAgain =
        trainer.train(TrainRequest.builder("repeat").algorithm("xgboost").build());

    assertThat(scores(second.metrics())).isEqualTo(scores(first.metrics()));
    assertThat(scores(boostedAgain.metrics())).isEqualTo(scores(boosted.metrics()));
    // Equal scores deploy the newer model, as PostgresML.
    assertThat(second.deployed()).isTrue();
  }

  @Test
  void xgboostModelsAreXGBoostsOwnModelFileAndPredictAsXGBoostDoes() throws Exception {
    TrainResult trained = trainer.train(breastCancer("xgb_file").algorithm("xgboost").build());
    byte[] file;
    try (Connection connection = dataSource.getConnection();
        java.sql.PreparedStatement statement =
            connection.prepareStatement(
                "SELECT string_agg(data, ''::bytea ORDER BY part) FROM pgml.files"
                    + " WHERE model_id = ?")) {
      statement.setLong(1, trained.modelId());
      try (ResultSet rs = statement.executeQuery()) {
        rs.next();
        file = rs.getBytes(1);
      }
    }
    // The bytes of pgml.files are a model file XGBoost itself loads.
    ml.dmlc.xgboost4j.java.Booster booster = ml.dmlc.xgboost4j.java.XGBoost.loadModel(file);
    try {
      for (double[] row : breastCancerFeatures(40)) {
        float[] values = new float[row.length];
        for (int i = 0; i < row.length; i++) {
          values[i] = (float) row[i];
        }
        float positive = booster.inplace_predict(values, 1, values.length, Float.NaN)[0][0];
        assertThat(trainer.predictProba("xgb_file", row)[1]).isCloseTo(positive, within(1e-5));
        assertThat(trainer.predict("xgb_file", row)).isEqualTo(positive > 0.5 ? 1.0 : 0.0);
      }
    } finally {
      booster.dispose();
    }
    assertThat(trained.metrics().get("accuracy")).isGreaterThan(0.9);
  }

  @Test
  void gridSearchCrossValidatesEveryCandidateAndTrainsTheBest() throws Exception {
    TrainResult trained =
        trainer.train(
            breastCancer("grid_searched")
                .algorithm("xgboost")
                .hyperparams(Map.of("n_estimators", 10))
                .search(
                    "grid",
                    Map.of("max_depth", List.of(1, 3), "learning_rate", List.of(0.05, 0.3)),
                    Map.of("cv", 3))
                .build());
    Map<String, Object> row =
        query(
                "SELECT hyperparams::text AS hyperparams, search, search_args::text AS args,"
                    + " search_results::text AS results FROM pgml.models WHERE id = "
                    + trained.modelId())
            .get(0);
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    var results = json.readTree((String) row.get("results"));
    assertThat(row).containsEntry("search", "grid");
    assertThat(json.readTree((String) row.get("args")).get("cv").asInt()).isEqualTo(3);
    assertThat(results.get("scoring").asText()).isEqualTo("f1");
    assertThat(results.get("params")).hasSize(4);
    // Every candidate scored; the best index holds the highest mean, ranked 1.
    int best = results.get("best_index").asInt();
    double bestMean = results.get("mean_test_score").get(best).asDouble();
    for (var mean : results.get("mean_test_score")) {
      assertThat(mean.asDouble()).isBetween(0.5, 1.0).isLessThanOrEqualTo(bestMean);
    }
    assertThat(results.get("rank_test_score").get(best).asInt()).isEqualTo(1);
    // The model was trained with the fixed hyperparameters and the best candidate's.
    var hyperparams = json.readTree((String) row.get("hyperparams"));
    assertThat(hyperparams.get("n_estimators").asInt()).isEqualTo(10);
    assertThat(hyperparams.get("max_depth"))
        .isEqualTo(results.get("params").get(best).get("max_depth"));
    assertThat(hyperparams.get("learning_rate"))
        .isEqualTo(results.get("params").get(best).get("learning_rate"));
    assertThat(trained.metrics().get("f1")).isGreaterThan(0.85);
  }

  @Test
  void randomSearchDrawsDistinctCandidatesTheSameWayEachTime() throws Exception {
    List<String> drawn = new ArrayList<>();
    for (int attempt = 0; attempt < 2; attempt++) {
      TrainResult trained =
          trainer.train(
              breastCancer("random_searched")
                  .algorithm("random_forest")
                  .search(
                      "random",
                      Map.of(
                          "n_estimators", List.of(5, 10, 20),
                          "max_depth", List.of(2, 4, 8)),
                      Map.of("n_iter", 4, "cv", 2))
                  .build());
      drawn.add(
          (String)
              query(
                      "SELECT search_results->'params' #>> '{}' AS params FROM pgml.models WHERE"
                          + " id = "
                          + trained.modelId())
                  .get(0)
                  .get("params"));
    }
    var params = new com.fasterxml.jackson.databind.ObjectMapper().readTree(drawn.get(0));
    assertThat(params).hasSize(4);
    assertThat(java.util.stream.StreamSupport.stream(params.spliterator(), false).distinct())
        .hasSize(4);
    assertThat(drawn.get(1)).isEqualTo(drawn.get(0));
  }

  @Test
  void badSearchArgumentsAreRefusedBeforeTraining() {
    assertError(
        () -> breastCancer("bad_search").search("bogus", Map.of("max_depth", List.of(1)), null),
        TrainerErrorCode.INVALID_ARGUMENT,
        "22023",
        "search must be grid or random");
    assertError(
        () -> breastCancer("bad_search").search("grid", Map.of("max_depth", 3), null),
        TrainerErrorCode.INVALID_ARGUMENT,
        "22023",
        "search_params.max_depth must be a non-empty JSON array");
    assertError(
        () ->
            breastCancer("bad_search")
                .search("grid", Map.of("max_depth", List.of(1)), Map.of("folds", 3)),
        TrainerErrorCode.INVALID_ARGUMENT,
        "22023",
        "valid keys are cv, n_iter");
    assertError(
        () ->
            trainer.train(
                breastCancer("bad_search")
                    .algorithm("xgboost")
                    .search("grid", Map.of("depth", List.of(1, 2)), null)
                    .build()),
        TrainerErrorCode.INVALID_HYPERPARAMETER,
        "22023",
        "max_depth");
  }

  @Test
  void theChampionIsScoredOnTheChallengersHoldoutBeforeDeciding() throws SQLException {
    // First the data is easy: y = 3·x1, which a linear model fits exactly (r2 1.0, stored).
    // Then rows with a step in x2 arrive: the forest scores below 1.0 on the new snapshot, but far
    // above the linear model on those same rows. PostgresML compares 1.0 (old rows) with the
    // forest's score and keeps the linear model; the follower deploys the forest.
    StringBuilder easy = new StringBuilder();
    StringBuilder stepped = new StringBuilder();
    java.util.Random random = new java.util.Random(9);
    for (int i = 0; i < 400; i++) {
      double x1 = random.nextGaussian();
      double x2 = random.nextGaussian();
      easy.append(i == 0 ? "" : ",").append("(%s,%s,%s)".formatted(x1, x2, 3 * x1));
      double x1b = random.nextGaussian();
      double x2b = random.nextGaussian();
      double y = 3 * x1b + (x2b > 0 ? 10 : -10) + 0.3 * random.nextGaussian();
      stepped.append(i == 0 ? "" : ",").append("(%s,%s,%s)".formatted(x1b, x2b, y));
    }
    execute(
        "CREATE TABLE public.drifting (x1 double precision, x2 double precision, y double precision)",
        "INSERT INTO public.drifting VALUES " + easy);
    TrainResult champion =
        trainer.train(
            TrainRequest.builder("drifting")
                .task(Task.REGRESSION)
                .relationName("public.drifting")
                .yColumnName("y")
                .algorithm("linear")
                .build());
    assertThat(champion.metrics().get("r2")).isGreaterThan(0.999);
    execute("INSERT INTO public.drifting VALUES " + stepped);
    TrainResult challenger =
        trainer.train(
            TrainRequest.builder("drifting")
                .relationName("public.drifting")
                .algorithm("random_forest")
                .build());
    assertThat(challenger.metrics().get("r2")).isLessThan(champion.metrics().get("r2"));
    assertThat(challenger.deployed())
        .as("the forest beats the linear model on the same rows")
        .isTrue();
    // And the other way: a weaker challenger does not displace the forest, whose stored score it
    // might beat on another holdout but not on its own.
    TrainResult weaker =
        trainer.train(
            TrainRequest.builder("drifting")
                .relationName("public.drifting")
                .algorithm("linear")
                .build());
    assertThat(weaker.deployed()).isFalse();
  }

  @Test
  void preprocessImputesAndScalesOnTrainingRowsAndReplaysOnPrediction() throws Exception {
    StringBuilder rows = new StringBuilder();
    java.util.Random random = new java.util.Random(4);
    for (int i = 0; i < 300; i++) {
      double x1 = random.nextDouble() * 100;
      double x2 = random.nextGaussian();
      boolean missing = i % 5 == 0;
      double y = 2 * x1 + (missing ? 0 : x2);
      rows.append(i == 0 ? "" : ",")
          .append("(%s,%s,%s)".formatted(x1, missing ? "NULL" : String.valueOf(x2), y));
    }
    execute(
        "CREATE TABLE public.gappy (x1 double precision, x2 double precision, y double precision)",
        "INSERT INTO public.gappy VALUES " + rows);
    TrainRequest.Builder base =
        TrainRequest.builder("gappy")
            .task(Task.REGRESSION)
            .relationName("public.gappy")
            .yColumnName("y");
    assertError(() -> trainer.train(base.build()), TrainerErrorCode.NULL_VALUE, "22004", "x2");

    TrainResult trained =
        trainer.train(
            base.preprocess(
                    Map.of(
                        "x2", Map.of("impute", "mean", "scale", "standard"),
                        "x1", Map.of("scale", "min_max")))
                .build());
    assertThat(trained.metrics().get("r2")).isGreaterThan(0.99);
    var pipeline =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(
                (String)
                    query(
                            "SELECT convert_from(data, 'UTF8') AS json FROM pgml.files WHERE"
                                + " model_id = "
                                + trained.modelId()
                                + " AND path = 'pipeline.json'")
                        .get(0)
                        .get("json"));
    var steps = pipeline.get("preprocess").get("columns");
    assertThat(steps.get(0).get("name").asText()).isEqualTo("x1");
    assertThat(steps.get(0).has("impute")).as("no imputation: no impute key").isFalse();
    double imputed = steps.get(1).get("impute").asDouble();
    assertThat(imputed).isBetween(-0.3, 0.3); // the mean of the training rows' x2
    // A missing value at prediction time is the fitted mean, scaled as in training.
    assertThat(trainer.predict("gappy", new double[] {50, Double.NaN}))
        .isEqualTo(trainer.predict("gappy", new double[] {50, imputed}));
    // x1 has no imputation: a missing x1 is refused, naming the way out.
    assertError(
        () -> trainer.predict("gappy", new double[] {Double.NaN, 1}),
        TrainerErrorCode.NULL_VALUE,
        "22004",
        "\"impute\": \"mean\"");

    assertError(
        () -> base.preprocess(Map.of("x2", Map.of("impute", "average"))),
        TrainerErrorCode.INVALID_ARGUMENT,
        "22023",
        "error, mean, median, mode, min, max, zero");
    assertError(
        () -> trainer.train(base.preprocess(Map.of("nope", Map.of("scale", "robust"))).build()),
        TrainerErrorCode.UNKNOWN_COLUMN,
        "42703",
        "use one of x1, x2");
    assertError(
        () ->
            trainer.train(
                base.preprocess(
                        Map.of(
                            "x1", Map.of("encode", "one_hot"),
                            "x2", Map.of("impute", "mean")))
                    .build()),
        TrainerErrorCode.INVALID_ARGUMENT,
        "22023",
        "preprocess.x1.encode: one_hot encodes text columns");
    assertError(
        () -> base.preprocess(Map.of("x1", Map.of("encode", "binary"))),
        TrainerErrorCode.INVALID_ARGUMENT,
        "22023",
        "none, ordinal, one_hot, target");
  }

  @Test
  void stratifiedSamplingIsRecordedOnTheSnapshotAndTrains() throws SQLException {
    TrainResult trained =
        trainer.train(breastCancer("stratified").testSampling("stratified").build());
    assertThat(
            query(
                    "SELECT s.test_sampling FROM pgml.snapshots s JOIN pgml.models m"
                        + " ON m.snapshot_id = s.id WHERE m.id = "
                        + trained.modelId())
                .get(0))
        .containsEntry("test_sampling", "stratified");
    assertThat(trained.metrics().get("accuracy")).isGreaterThan(0.9);
  }

  @Test
  void aRestartedFollowerPredictsTheSame() throws SQLException {
    trainer.train(breastCancer("restart").algorithm("gradient_boosting_trees").build());
    List<double[]> rows = breastCancerFeatures(25);
    double[] before = rows.stream().mapToDouble(row -> trainer.predict("restart", row)).toArray();
    double[] probabilityBefore = trainer.predictProba("restart", rows.get(3));

    Trainer restarted = new Trainer(dataSource, new TrainerConfig());
    restarted.initialize();
    double[] after = rows.stream().mapToDouble(row -> restarted.predict("restart", row)).toArray();

    assertThat(after).isEqualTo(before);
    assertThat(restarted.predictProba("restart", rows.get(3))).isEqualTo(probabilityBefore);
  }

  @Test
  void aRestartMarksFailedTheModelsAKilledRunLeftInProgress() throws SQLException {
    TrainResult trained = trainer.train(breastCancer("abandoned").build());
    // What a process killed mid-fit leaves: the model's row, committed before the fit, in progress.
    execute("UPDATE pgml.models SET status = 'in_progress' WHERE id = " + trained.modelId());

    new Trainer(dataSource, new TrainerConfig()).initialize();

    assertThat(query("SELECT status FROM pgml.models WHERE id = " + trained.modelId()))
        .containsExactly(Map.of("status", "failed"));
  }

  @Test
  void deployStrategiesChooseAmongTheProjectsModels() throws SQLException {
    TrainResult linear = trainer.train(breastCancer("deploys").build());
    TrainResult weak =
        trainer.train(
            TrainRequest.builder("deploys")
                .algorithm("random_forest")
                .hyperparams(Map.of("n_estimators", 1, "max_depth", 2))
                .automaticDeploy(false)
                .build());
    double[] row = breastCancerFeatures(1).getFirst();
    assertThat(weak.deployed()).isFalse();
    assertThat(currentModel("deploys")).isEqualTo(linear.modelId());

    DeployResult recent = trainer.deploy("deploys", "most_recent", null);
    assertThat(recent.algorithm()).isEqualTo("random_forest");
    assertThat(recent.modelId()).isEqualTo(weak.modelId());
    assertThat(currentModel("deploys")).isEqualTo(weak.modelId());
    double weakPrediction = trainer.predict("deploys", row);
    assertThat(new Trainer(dataSource, new TrainerConfig()).predict("deploys", row))
        .isEqualTo(weakPrediction);

    DeployResult rollback = trainer.deploy("deploys", "rollback", null);
    assertThat(rollback.modelId()).isEqualTo(linear.modelId());
    assertThat(rollback.strategy()).isEqualTo(DeploymentStrategy.ROLLBACK);

    DeployResult specific = trainer.deploy(weak.modelId());
    assertThat(specific.strategy()).isEqualTo(DeploymentStrategy.SPECIFIC);
    assertThat(currentModel("deploys")).isEqualTo(weak.modelId());

    DeployResult best = trainer.deploy("deploys", "best_score", null);
    assertThat(best.modelId()).isEqualTo(linear.modelId());
    DeployResult bestForest = trainer.deploy("deploys", "best_score", "random_forest");
    assertThat(bestForest.modelId()).isEqualTo(weak.modelId());

    assertThat(
            query(
                "SELECT strategy FROM pgml.deployments d JOIN pgml.projects p ON p.id ="
                    + " d.project_id WHERE p.name = 'deploys' ORDER BY d.id"))
        .extracting(r -> r.get("strategy"))
        .containsExactly(
            "most_recent", "most_recent", "rollback", "specific", "best_score", "best_score");
    assertError(
        () -> trainer.deploy(999_999),
        TrainerErrorCode.UNKNOWN_MODEL,
        "42704",
        "model 999999 does not exist");
    assertError(
        () -> trainer.deploy("deploys", "best_score", "xgboost"),
        TrainerErrorCode.NO_DEPLOYED_MODEL,
        "55000",
        "no model of project 'deploys' with algorithm xgboost qualifies");
  }

  private long snapshotOf(long modelId) throws SQLException {
    return (Long)
        query("SELECT snapshot_id FROM pgml.models WHERE id = " + modelId)
            .get(0)
            .get("snapshot_id");
  }

  private long currentModel(String project) throws SQLException {
    return (Long)
        query(
                "SELECT d.model_id FROM pgml.deployments d JOIN pgml.projects p ON p.id ="
                    + " d.project_id WHERE p.name = '"
                    + project
                    + "' ORDER BY d.id DESC LIMIT 1")
            .getFirst()
            .get("model_id");
  }

  @Test
  void textLabelsAndLastSampling() throws SQLException {
    execute(
        "CREATE TABLE public.flowers (petal real, sepal real, wet boolean, species text)",
        "INSERT INTO public.flowers SELECT i % 30 + random() * 0, (i % 30) / 2.0, i % 2 = 0,"
            + " CASE WHEN i % 30 < 10 THEN 'setosa' WHEN i % 30 < 20 THEN 'versicolor'"
            + " ELSE 'virginica' END FROM generate_series(1, 300) i");

    TrainResult result =
        trainer.train(
            TrainRequest.builder("flowers")
                .task("classification")
                .relationName("flowers")
                .yColumnName("species")
                .algorithm("random_forest")
                .testSampling("last")
                .testSize(0.2)
                .build());

    assertThat(result.metrics().get("f1")).isGreaterThan(0.9);
    assertThat(result.metrics()).doesNotContainKey("roc_auc");
    // Text labels predict their index in sorted order: virginica is 2.
    assertThat(trainer.predict("flowers", new double[] {25, 12.5, 1})).isEqualTo(2.0);
    assertThat(trainer.predictProba("flowers", new double[] {25, 12.5, 1})).hasSize(3);
    assertThat(
            query(
                "SELECT s.test_sampling, s.test_size FROM pgml.snapshots s JOIN pgml.models m ON"
                    + " m.snapshot_id = s.id WHERE m.id = "
                    + result.modelId()))
        .first()
        .satisfies(
            row -> {
              assertThat(row.get("test_sampling")).isEqualTo("last");
              assertThat((Float) row.get("test_size")).isCloseTo(0.2f, within(1e-6f));
            });
  }
}
