package io.pgmlfollower.serving.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.PgType;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CatalogDefinitionsTest {
  private final ModelService models = new UnusedModelService();

  @Test
  void trainIsDeclaredWithPostgresMlsSignatureAndATableResult() {
    String train = CatalogDefinitions.definition(new TrainFunction(models));
    assertThat(train)
        .startsWith(
            "CREATE FUNCTION pgml.train(project_name text, task text DEFAULT NULL,"
                + " relation_name text DEFAULT NULL, y_column_name text DEFAULT NULL,"
                + " algorithm text DEFAULT 'linear', hyperparams jsonb DEFAULT '{}',")
        .contains("test_size real DEFAULT 0.25, test_sampling text DEFAULT 'random'")
        .contains("automatic_deploy boolean DEFAULT true)")
        .contains("RETURNS TABLE(project text, task text, algorithm text, deployed boolean)")
        .endsWith(
            "AS $fn$ SELECT NULL::text, NULL::text, NULL::text, NULL::boolean"
                + " WHERE pgml_follower.statement_only('pgml.train') $fn$");
  }

  @Test
  void aFunctionWithOneColumnOfItsOwnNameIsScalar() {
    assertThat(CatalogDefinitions.definition(new VersionFunction("1.0")))
        .isEqualTo(
            "CREATE FUNCTION pgml.version() RETURNS text LANGUAGE sql VOLATILE AS $fn$"
                + " SELECT NULL::text WHERE pgml_follower.statement_only('pgml.version') $fn$");
  }

  @Test
  void skippedFunctionsAreLeftOutAndEveryTypeHasADdlName() {
    List<String> statements =
        CatalogDefinitions.of(
            List.of(new TrainFunction(models), PredictFunction.predict(models)), Set.of("predict"));
    assertThat(statements).hasSize(1).allMatch(s -> s.contains("pgml.train("));
    for (PgType type : PgType.values()) {
      assertThat(CatalogDefinitions.sqlType(type)).isNotBlank();
    }
  }

  /** The definitions read only the functions' descriptions: no call reaches the service. */
  private static final class UnusedModelService implements ModelService {
    @Override
    public TrainOutcome train(TrainCommand command, io.pgmlfollower.pgwire.spi.Cancellation c) {
      throw new AssertionError();
    }

    @Override
    public double predict(String project, double[] features) {
      throw new AssertionError();
    }

    @Override
    public double[] predictProba(String project, double[] features) {
      throw new AssertionError();
    }

    @Override
    public double[] decompose(String project, double[] features) {
      throw new AssertionError();
    }

    @Override
    public Double predictByKey(String project, RowKey key) {
      throw new AssertionError();
    }

    @Override
    public List<String> featureNames(String project) {
      throw new AssertionError();
    }

    @Override
    public DeployOutcome deploy(String project, String strategy, String algorithm) {
      throw new AssertionError();
    }

    @Override
    public DeployOutcome deploy(long modelId) {
      throw new AssertionError();
    }

    @Override
    public SnapshotOutcome snapshot(
        String relationName,
        String yColumnName,
        double testSize,
        String testSampling,
        Cancellation cancel) {
      throw new AssertionError();
    }

    @Override
    public SnapshotOutcome dropSnapshot(long snapshotId) {
      throw new AssertionError();
    }
  }
}
