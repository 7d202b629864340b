package io.pgmlfollower.serving.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.LocalStatement;
import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.ResultRewrite;
import io.pgmlfollower.pgwire.spi.SessionHandler;
import io.pgmlfollower.pgwire.spi.SessionInfo;
import io.pgmlfollower.pgwire.spi.SqlState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Routing and argument binding of pgml calls, against a recording model service. */
class PgmlSessionHandlerTest {
  private final List<ModelService.TrainCommand> trained = new ArrayList<>();
  private final List<double[]> predicted = new ArrayList<>();
  private final Cancellation notCancelled = () -> false;

  private final ModelService models =
      new ModelService() {
        @Override
        public TrainOutcome train(TrainCommand command, Cancellation cancel) {
          trained.add(command);
          return new TrainOutcome(
              command.projectName(), "classification", command.algorithm(), true);
        }

        @Override
        public double predict(String project, double[] features) {
          predicted.add(features);
          return features.length;
        }

        @Override
        public double[] predictProba(String project, double[] features) {
          return new double[] {0.25, 0.75};
        }

        @Override
        public boolean answersWithoutWaiting(String project, boolean byKey) {
          return project.equals("bc"); // its model is "loaded"; any other is not
        }

        @Override
        public double[] decompose(String project, double[] features) {
          return new double[] {features[0] + features[1], features[0] - features[1]};
        }

        @Override
        public Double predictByKey(String project, RowKey key) {
          return switch (key) {
            case RowKey.Single single ->
                single.value().equals("missing") ? null : Double.valueOf(single.value().length());
            case RowKey.ByColumn byColumn -> Double.valueOf(byColumn.values().size());
          };
        }

        @Override
        public List<String> featureNames(String project) {
          return List.of("a", "b", "c");
        }

        @Override
        public DeployOutcome deploy(String project, String strategy, String algorithm) {
          deployed.add(project + "/" + strategy + "/" + algorithm);
          return new DeployOutcome(project, strategy, algorithm == null ? "linear" : algorithm);
        }

        @Override
        public DeployOutcome deploy(long modelId) {
          deployed.add("model " + modelId);
          return new DeployOutcome("bc", "specific", "linear");
        }

        @Override
        public SnapshotOutcome snapshot(
            String relationName,
            String yColumnName,
            double testSize,
            String testSampling,
            Cancellation cancel) {
          snapshotted.add(relationName + "/" + yColumnName + "/" + testSize + "/" + testSampling);
          return new SnapshotOutcome(relationName, yColumnName, 7, 569, "0/16B3748");
        }

        @Override
        public SnapshotOutcome dropSnapshot(long snapshotId) {
          snapshotted.add("drop " + snapshotId);
          return new SnapshotOutcome("public.t", "y", snapshotId, 0, null);
        }
      };

  private final List<String> snapshotted = new ArrayList<>();

  private final List<String> deployed = new ArrayList<>();
  private final List<String> waitedFor = new ArrayList<>();

  private final ReplicationService replication =
      new ReplicationService() {
        @Override
        public List<SourceStatus> status() {
          return List.of(
              new SourceStatus("source", "streaming", "pgml_slot", "0/20", "0/10", 16, 5, null));
        }

        @Override
        public List<TableCopy> tableCopies() {
          return List.of(
              new TableCopy("source", "public", "t", "copying", 1500, 90_000, 1000, 1500.0));
        }

        @Override
        public boolean waitForLsn(String lsn, java.time.Duration timeout, Cancellation cancel) {
          waitedFor.add(lsn + " " + timeout.toMillis());
          return true;
        }
      };

  private final SessionHandler handler =
      SqlFront.sessionHandlers(models, replication, "1.2.3")
          .open(new SessionInfo("app", "app", Map.of(), 1));

  @Test
  void ordinarySqlIsForwarded() throws PgWireException {
    assertThat(handler.prepare("SELECT 1", new int[0])).isNull();
    assertThat(handler.prepare("SELECT * FROM pgml.deployments", new int[0])).isNull();
  }

  @Test
  void trainTakesPostgresMlDefaultsAndNamedArguments() throws PgWireException {
    LocalStatement statement =
        handler.prepare(
            "SELECT * FROM pgml.train('bc', 'classification', 'public.breast_cancer', 'target',"
                + " test_size => 0.3, hyperparams => '{\"n_estimators\": 7}')",
            new int[0]);
    assertThat(statement.blocking()).isTrue();
    assertThat(statement.columns())
        .extracting(c -> c.name() + ":" + c.type())
        .containsExactly("project:TEXT", "task:TEXT", "algorithm:TEXT", "deployed:BOOL");
    var rows = statement.execute(List.of(), notCancelled).rows();
    assertThat(rows.next()).containsExactly("bc", "classification", "linear", true);
    ModelService.TrainCommand command = trained.getFirst();
    assertThat(command.relationName()).isEqualTo("public.breast_cancer");
    assertThat(command.testSize()).isEqualTo(0.3, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(command.testSampling()).isEqualTo("random");
    assertThat(command.automaticDeploy()).isTrue();
    assertThat(command.hyperparams()).containsEntry("n_estimators", 7);
  }

  @Test
  void snapshotTakesPostgresMlDefaultsAndReturnsWhereTheCopyIs() throws PgWireException {
    LocalStatement statement =
        handler.prepare(
            "SELECT * FROM pgml.snapshot('public.t', 'y', test_sampling => 'last')", new int[0]);
    assertThat(statement.columns())
        .extracting(c -> c.name() + ":" + c.type())
        .containsExactly(
            "relation:TEXT",
            "y_column_name:TEXT",
            "snapshot_id:INT8",
            "num_rows:INT8",
            "source_lsn:TEXT");
    assertThat(statement.execute(List.of(), notCancelled).rows().next())
        .containsExactly("public.t", "y", 7L, 569L, "0/16B3748");
    assertThat(snapshotted).containsExactly("public.t/y/0.25/last");

    handler
        .prepare("SELECT * FROM pgml.drop_snapshot(7)", new int[0])
        .execute(List.of(), notCancelled);
    assertThat(snapshotted).endsWith("drop 7");

    LocalStatement preprocessed =
        handler.prepare(
            "SELECT * FROM pgml.snapshot('public.t', 'y', preprocess => '{\"x\": {\"scale\":"
                + " \"standard\"}}')",
            new int[0]);
    assertThatThrownBy(() -> preprocessed.execute(List.of(), notCancelled))
        .extracting(e -> ((PgWireException) e).sqlState())
        .isEqualTo(SqlState.FEATURE_NOT_SUPPORTED);
    assertThatThrownBy(() -> handler.prepare("SELECT * FROM pgml.snapshot('public.t')", new int[0]))
        .extracting(e -> ((PgWireException) e).sqlState())
        .isEqualTo(SqlState.UNDEFINED_FUNCTION);
  }

  @Test
  void predictWithBoundParameters() throws PgWireException {
    LocalStatement statement = handler.prepare("SELECT pgml.predict($1, $2)", new int[] {0, 1022});
    assertThat(statement.parameterTypes()).containsExactly(PgType.TEXT, PgType.FLOAT8_ARRAY);
    assertThat(statement.columns()).extracting(c -> c.name()).containsExactly("predict");
    var row = statement.execute(List.of("bc", new double[] {1, 2, 3}), notCancelled).rows().next();
    assertThat(row).containsExactly(3.0f);
  }

  @Test
  void predictInfersParameterTypesFromTheSignature() throws PgWireException {
    LocalStatement statement =
        handler.prepare("SELECT pgml.predict($1, ARRAY[$2, $3])", new int[0]);
    assertThat(statement.parameterTypes())
        .containsExactly(PgType.TEXT, PgType.FLOAT8, PgType.FLOAT8);
  }

  @Test
  void unknownFunctionAndWrongArgumentsAre42883() {
    assertThatThrownBy(() -> handler.prepare("SELECT pgml.forecast('x')", new int[0]))
        .extracting(e -> ((PgWireException) e).sqlState())
        .isEqualTo(SqlState.UNDEFINED_FUNCTION);
    assertThatThrownBy(() -> handler.prepare("SELECT pgml.predict('x')", new int[0]))
        .extracting(e -> ((PgWireException) e).sqlState())
        .isEqualTo(SqlState.UNDEFINED_FUNCTION);
    assertThatThrownBy(
            () -> handler.prepare("SELECT * FROM pgml.train('x', colour => 'red')", new int[0]))
        .extracting(e -> ((PgWireException) e).sqlState())
        .isEqualTo(SqlState.UNDEFINED_FUNCTION);
  }

  @Test
  void nullFeatureIsRefused() throws PgWireException {
    LocalStatement statement =
        handler.prepare("SELECT pgml.predict('bc', ARRAY[1, NULL])", new int[0]);
    assertThatThrownBy(() -> statement.execute(List.of(), notCancelled))
        .extracting(e -> ((PgWireException) e).sqlState())
        .isEqualTo(SqlState.NULL_VALUE_NOT_ALLOWED);
  }

  @Test
  void predictProbaAnswersOneProbabilityPerClass() throws PgWireException {
    LocalStatement statement =
        handler.prepare("SELECT pgml.predict_proba('bc', ARRAY[1, 2])", new int[0]);
    assertThat(statement.columns())
        .extracting(c -> c.name() + ":" + c.type())
        .containsExactly("predict_proba:FLOAT4_ARRAY");
    Object[] row = statement.execute(List.of(), notCancelled).rows().next();
    assertThat((float[]) row[0]).containsExactly(0.25f, 0.75f);
  }

  @Test
  void predictionsOfALoadedModelStayOnTheEventLoopOthersTakeAWorker() throws PgWireException {
    assertThat(
            handler
                .prepare("SELECT pgml.predict('bc', ARRAY[1, 2])", new int[0])
                .blocking(List.of()))
        .isFalse();
    assertThat(
            handler
                .prepare("SELECT pgml.predict('cold', ARRAY[1, 2])", new int[0])
                .blocking(List.of()))
        .as("the model must be loaded from the registry first")
        .isTrue();
    LocalStatement byParameter = handler.prepare("SELECT pgml.predict_by_key($1, $2)", new int[0]);
    assertThat(byParameter.blocking(java.util.Arrays.asList("bc", "7"))).isFalse();
    assertThat(byParameter.blocking(java.util.Arrays.asList("cold", "7"))).isTrue();
    assertThat(
            handler
                .prepare("SELECT * FROM pgml.train('bc', algorithm => 'xgboost')", new int[0])
                .blocking(List.of()))
        .isTrue();
  }

  @Test
  void decomposeAnswersTheComponentsAsRealArray() throws PgWireException {
    LocalStatement statement =
        handler.prepare("SELECT pgml.decompose('pca', ARRAY[3, 1])", new int[0]);
    assertThat(statement.columns())
        .extracting(c -> c.name() + ":" + c.type())
        .containsExactly("decompose:FLOAT4_ARRAY");
    Object[] row = statement.execute(List.of(), notCancelled).rows().next();
    assertThat((float[]) row[0]).containsExactly(4f, 2f);
  }

  @Test
  void deployPicksTheOverloadByArgumentCount() throws PgWireException {
    handler
        .prepare("SELECT * FROM pgml.deploy('bc', 'rollback')", new int[0])
        .execute(List.of(), notCancelled);
    handler.prepare("SELECT * FROM pgml.deploy(7)", new int[0]).execute(List.of(), notCancelled);
    assertThat(deployed).containsExactly("bc/rollback/null", "model 7");
    assertThatThrownBy(
            () -> handler.prepare("SELECT * FROM pgml.deploy(7, 'a', 'b', 'c')", new int[0]))
        .isInstanceOfSatisfying(
            PgWireException.class,
            e -> {
              assertThat(e.sqlState()).isEqualTo(SqlState.UNDEFINED_FUNCTION);
              assertThat(e.hint()).contains("strategy").contains("model_id");
            });
    assertThatThrownBy(
            () ->
                handler
                    .prepare("SELECT * FROM pgml.deploy('1.5')", new int[0])
                    .execute(List.of(), notCancelled))
        .extracting(e -> ((PgWireException) e).sqlState())
        .isEqualTo(SqlState.INVALID_TEXT_REPRESENTATION);
  }

  @Test
  void replicationStatusHasOneRowPerSource() throws PgWireException {
    LocalStatement statement =
        handler.prepare("SELECT * FROM pgml.replication_status()", new int[0]);
    assertThat(statement.columns())
        .extracting(c -> c.name())
        .containsExactly(
            "source",
            "state",
            "slot",
            "received_lsn",
            "applied_lsn",
            "lag_bytes",
            "lag_ms",
            "last_error");
    assertThat(statement.execute(List.of(), notCancelled).rows().next())
        .containsExactly("source", "streaming", "pgml_slot", "0/20", "0/10", 16L, 5L, null);
  }

  @Test
  void tableCopiesListsEachCopyWithItsProgress() throws PgWireException {
    LocalStatement statement = handler.prepare("SELECT * FROM pgml.table_copies()", new int[0]);
    assertThat(statement.columns())
        .extracting(c -> c.name())
        .containsExactly(
            "source",
            "schema_name",
            "table_name",
            "state",
            "rows_copied",
            "bytes_copied",
            "elapsed_ms",
            "rows_per_second");
    assertThat(statement.execute(List.of(), notCancelled).rows().next())
        .containsExactly("source", "public", "t", "copying", 1500L, 90_000L, 1000L, 1500.0);
  }

  @Test
  void waitForLsnTakesADefaultTimeoutAndRefusesANegativeOne() throws PgWireException {
    LocalStatement statement = handler.prepare("SELECT pgml.wait_for_lsn('0/16B3748')", new int[0]);
    assertThat(statement.blocking()).isTrue();
    assertThat(statement.execute(List.of(), notCancelled).rows().next()).containsExactly(true);
    assertThat(waitedFor).containsExactly("0/16B3748 10000");
    assertThatThrownBy(
            () ->
                handler
                    .prepare("SELECT pgml.wait_for_lsn('0/1', -5)", new int[0])
                    .execute(List.of(), notCancelled))
        .extracting(e -> ((PgWireException) e).sqlState())
        .isEqualTo(SqlState.INVALID_PARAMETER_VALUE);
  }

  @Test
  void aRowPredictsWithFeaturesMatchedByColumnName() throws PgWireException {
    LocalStatement statement =
        handler.prepare(
            "SELECT pgml.predict('bc', '{\"c\": 3, \"extra\": \"x\", \"a\": 1, \"b\": true}'::jsonb)",
            new int[0]);
    statement.execute(List.of(), notCancelled);
    assertThat(predicted.getLast()).containsExactly(1, 1, 3);
    // An int[] or bool[] arrives from the offline store as a JSON array: taken in order.
    handler
        .prepare("SELECT pgml.predict('bc', '[4, 5, false]'::jsonb)", new int[0])
        .execute(List.of(), notCancelled);
    assertThat(predicted.getLast()).containsExactly(4, 5, 0);
    assertThatThrownBy(
            () ->
                handler
                    .prepare("SELECT pgml.predict('bc', '{\"a\": 1, \"b\": 2}'::jsonb)", new int[0])
                    .execute(List.of(), notCancelled))
        .isInstanceOfSatisfying(
            PgWireException.class,
            e -> {
              assertThat(e.sqlState()).isEqualTo(SqlState.INVALID_PARAMETER_VALUE);
              assertThat(e.getMessage()).contains("column c");
            });
    // A NULL feature reaches the model as missing (NaN): the model imputes it where it was trained
    // to, and refuses it with 22004 elsewhere (DeployedModelTest).
    handler
        .prepare(
            "SELECT pgml.predict('bc', '{\"a\": 1, \"b\": 2, \"c\": null}'::jsonb)", new int[0])
        .execute(List.of(), notCancelled);
    assertThat(predicted.getLast()[2]).isNaN();
  }

  @Test
  void aParameterTypedJsonbPicksTheRowOverload() throws PgWireException {
    LocalStatement statement = handler.prepare("SELECT pgml.predict($1, $2)", new int[] {0, 3802});
    assertThat(statement.parameterTypes()).containsExactly(PgType.TEXT, PgType.JSONB);
    statement.execute(List.of("bc", "{\"a\": 7, \"b\": 8, \"c\": 9}"), notCancelled);
    assertThat(predicted.getLast()).containsExactly(7, 8, 9);
  }

  @Test
  void anArrayStillPicksTheArrayOverload() throws PgWireException {
    LocalStatement statement =
        handler.prepare("SELECT pgml.predict('bc', '{1,2}'::float8[])", new int[0]);
    statement.execute(List.of(), notCancelled);
    assertThat(predicted.getLast()).containsExactly(1, 2);
  }

  @Test
  void predictBatchAnswersOneRowPerWholeRowOfFeatures() throws PgWireException {
    LocalStatement statement =
        handler.prepare("SELECT * FROM pgml.predict_batch('bc', ARRAY[1,2,3, 4,5,6])", new int[0]);
    var rows = statement.execute(List.of(), notCancelled).rows();
    assertThat(rows.next()).containsExactly(3.0f);
    assertThat(rows.next()).containsExactly(3.0f);
    assertThat(rows.hasNext()).isFalse();
    assertThat(predicted).extracting(f -> f[0]).containsExactly(1.0, 4.0);
    assertThatThrownBy(
            () ->
                handler
                    .prepare("SELECT * FROM pgml.predict_batch('bc', ARRAY[1,2,3,4])", new int[0])
                    .execute(List.of(), notCancelled))
        .extracting(e -> ((PgWireException) e).sqlState())
        .isEqualTo(SqlState.INVALID_PARAMETER_VALUE);
  }

  @Test
  void predictByKeyTakesAJsonbKeyOfColumnsForCompositeKeys() throws PgWireException {
    assertThat(
            handler
                .prepare(
                    "SELECT pgml.predict_by_key('bc', '{\"order_id\": 7, \"line\": 2}'::jsonb)",
                    new int[0])
                .execute(List.of(), notCancelled)
                .rows()
                .next())
        .containsExactly(2.0f);
    assertThatThrownBy(
            () ->
                handler
                    .prepare("SELECT pgml.predict_by_key('bc', '{}'::jsonb)", new int[0])
                    .execute(List.of(), notCancelled))
        .isInstanceOfSatisfying(
            PgWireException.class,
            e -> assertThat(e.sqlState()).isEqualTo(SqlState.INVALID_PARAMETER_VALUE));
  }

  @Test
  void predictByKeyAnswersNullForAMissingKey() throws PgWireException {
    assertThat(
            handler
                .prepare("SELECT pgml.predict_by_key('bc', 12345)", new int[0])
                .execute(List.of(), notCancelled)
                .rows()
                .next())
        .containsExactly(5.0f);
    assertThat(
            handler
                .prepare("SELECT pgml.predict_by_key('bc', 'missing')", new int[0])
                .execute(List.of(), notCancelled)
                .rows()
                .next())
        .containsExactly((Object) null);
  }

  @Test
  void versionAnswers() throws PgWireException {
    LocalStatement statement = handler.prepare("SELECT pgml.version()", new int[0]);
    assertThat(statement.execute(List.of(), notCancelled).rows().next()).containsExactly("1.2.3");
  }

  @Test
  void selectListPredictionsOfLoadedModelsAreBatchedAndEverythingElseIsLeftToPostgres()
      throws PgWireException {
    String sql =
        "SELECT id, pgml.predict('bc', ARRAY[a, b, c]) AS score, pgml.predict_proba('bc', t)"
            + " FROM t WHERE id > 5 ORDER BY id LIMIT 10";
    ResultRewrite rewrite = handler.rewrite(sql);
    assertThat(rewrite).isNotNull();
    assertThat(rewrite.columns()).isEqualTo(2);
    assertThat(rewrite.name(0)).isEqualTo("score");
    assertThat(rewrite.type(0)).isEqualTo(PgType.FLOAT4);
    // Unaliased, the column is named after the function, as PostgreSQL names it.
    assertThat(rewrite.name(1)).isEqualTo("predict_proba");
    assertThat(rewrite.type(1)).isEqualTo(PgType.FLOAT4_ARRAY);
    assertThat(rewrite.sql())
        .startsWith("SELECT id, to_jsonb( ARRAY[a, b, c]) AS \"" + rewrite.marker(0) + "\",")
        .contains("to_jsonb( t) AS \"" + rewrite.marker(1) + "\"")
        .endsWith(" FROM t WHERE id > 5 ORDER BY id LIMIT 10");
    // A batch: rows by array and by row (JSON object), NULL features giving NULL.
    List<Object[]> values =
        rewrite.apply(
            List.of(
                new String[] {"[1, 2, 3]", "{\"a\": 1, \"b\": 2, \"c\": 3, \"id\": 9}"},
                new String[] {null, null}));
    assertThat(values.get(0)[0]).isEqualTo(3.0f);
    assertThat((float[]) values.get(0)[1]).containsExactly(0.25f, 0.75f);
    assertThat(values.get(1)).containsExactly(null, null);
    assertThatThrownBy(() -> rewrite.apply(List.<String[]>of(new String[] {"[1]", null})))
        .isInstanceOfSatisfying(
            PgWireException.class,
            e -> assertThat(e.sqlState()).isEqualTo(SqlState.INVALID_PARAMETER_VALUE));

    // ORDER BY the prediction LIMIT n: the follower sorts; PostgreSQL runs the rest.
    ResultRewrite sorted =
        handler.rewrite(
            "SELECT id, pgml.predict('bc', t) AS s FROM t WHERE id > (SELECT 1 ORDER BY 1)"
                + " ORDER BY s DESC LIMIT 5 OFFSET 2;");
    assertThat(sorted.sql())
        .isEqualTo(
            "SELECT id, to_jsonb( t) AS \""
                + sorted.marker(0)
                + "\" FROM t WHERE id > (SELECT 1 ORDER BY 1) ");
    assertThat(sorted.topN()).isEqualTo(new ResultRewrite.TopN(0, true, true, 5, 2));
    assertThat(
            handler
                .rewrite("SELECT pgml.predict('bc', t) FROM t ORDER BY predict NULLS FIRST LIMIT 3")
                .topN())
        .isEqualTo(new ResultRewrite.TopN(0, false, true, 3, 0));
    assertThat(rewrite.topN()).isNull();

    // Quoted names are the same function.
    ResultRewrite quoted =
        handler.rewrite("SELECT \"pgml\".\"predict\"('bc', t) AS \"Score\" FROM t");
    assertThat(quoted.sql())
        .isEqualTo("SELECT to_jsonb( t) AS \"" + quoted.marker(0) + "\" FROM t");
    assertThat(quoted.name(0)).isEqualTo("Score");

    for (String perRow :
        List.of(
            // SELECT INTO would create a table of features.
            "SELECT id, pgml.predict('bc', t) AS s INTO scored FROM t",
            // ORDER BY the prediction without a limit, with another key, or by position.
            "SELECT id, pgml.predict('bc', ARRAY[a, b, c]) AS s FROM t ORDER BY s DESC",
            "SELECT id, pgml.predict('bc', ARRAY[a, b, c]) AS s FROM t ORDER BY s, id LIMIT 5",
            "SELECT id, pgml.predict('bc', ARRAY[a, b, c]) AS s FROM t ORDER BY s LIMIT 100000",
            "SELECT id, pgml.predict('bc', ARRAY[a, b, c]) FROM t ORDER BY 2",
            "SELECT pgml.predict('bc', ARRAY[a, b, c]) AS s, count(*) FROM t GROUP BY s",
            // Elsewhere than the select list, nested, or DISTINCT.
            "SELECT id FROM t WHERE pgml.predict('bc', ARRAY[a, b, c]) > 0.5",
            "SELECT id, pgml.predict('bc', ARRAY[a, b, c]) FROM t"
                + " WHERE pgml.predict('bc', ARRAY[a, b, c]) > 0.5",
            "SELECT round(pgml.predict('bc', ARRAY[a, b, c])::numeric, 2) FROM t",
            "SELECT DISTINCT pgml.predict('bc', ARRAY[a, b, c]) FROM t",
            "SELECT x FROM (SELECT pgml.predict('bc', ARRAY[a, b, c]) AS x FROM t) s",
            "SELECT pgml.predict('bc', ARRAY[a]) FROM t UNION SELECT 1",
            // A model not loaded yet, a project by parameter, features by parameter.
            "SELECT pgml.predict('other', ARRAY[a, b, c]) FROM t",
            "SELECT pgml.predict($1, ARRAY[a, b, c]) FROM t",
            "SELECT pgml.predict('bc', ARRAY[a, $1, c]) FROM t",
            // No pgml at all, or a pgml word inside a string.
            "SELECT 1",
            "SELECT 'pgml.predict(''bc'', ARRAY[1])' FROM t")) {
      assertThat(handler.rewrite(perRow)).as(perRow).isNull();
    }
  }
}
