package io.pgmlfollower.serving.sql;

import static io.pgmlfollower.serving.sql.FunctionParameter.optional;
import static io.pgmlfollower.serving.sql.FunctionParameter.required;
import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.ColumnDescription;
import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.serving.sql.ModelService.DeployOutcome;
import java.util.List;

/**
 * {@code pgml.deploy(project_name, strategy, algorithm DEFAULT NULL)} with strategy {@code
 * best_score | most_recent | rollback}, and {@code pgml.deploy(model_id)}; both → {@code
 * TABLE(project, strategy, algorithm)}. PostgreSQL picks the overload by argument count, as here.
 */
final class DeployFunction extends FunctionShape {
  private static final List<ColumnDescription> COLUMNS =
      List.of(
          new ColumnDescription("project", PgType.TEXT),
          new ColumnDescription("strategy", PgType.TEXT),
          new ColumnDescription("algorithm", PgType.TEXT));

  @FunctionalInterface
  private interface Deployment {
    DeployOutcome deploy(ModelService models, BoundArguments arguments) throws PgWireException;
  }

  private final ModelService models;
  private final Deployment deployment;

  private DeployFunction(
      ModelService models, List<FunctionParameter> parameters, Deployment deployment) {
    super("deploy", parameters, COLUMNS, true);
    this.models = requireNonNull(models, "models is null");
    this.deployment = deployment;
  }

  static DeployFunction byStrategy(ModelService models) {
    return new DeployFunction(
        models,
        List.of(
            required("project_name", PgType.TEXT),
            required("strategy", PgType.TEXT),
            optional("algorithm", PgType.TEXT, null)),
        (m, a) ->
            m.deploy(
                a.requiredText("project_name"), a.requiredText("strategy"), a.text("algorithm")));
  }

  static DeployFunction byModelId(ModelService models) {
    return new DeployFunction(
        models,
        List.of(required("model_id", PgType.INT8)),
        (m, a) -> m.deploy(a.requiredInteger("model_id")));
  }

  @Override
  public List<Object[]> invoke(BoundArguments arguments, Cancellation cancel)
      throws PgWireException {
    DeployOutcome outcome = deployment.deploy(models, arguments);
    return List.<Object[]>of(
        new Object[] {outcome.project(), outcome.strategy(), outcome.algorithm()});
  }
}
