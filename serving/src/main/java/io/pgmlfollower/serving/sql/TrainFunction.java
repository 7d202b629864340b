package io.pgmlfollower.serving.sql;

import static io.pgmlfollower.serving.sql.FunctionParameter.optional;
import static io.pgmlfollower.serving.sql.FunctionParameter.required;
import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.ColumnDescription;
import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.serving.sql.ModelService.TrainCommand;
import io.pgmlfollower.serving.sql.ModelService.TrainOutcome;
import java.util.List;

/**
 * {@code pgml.train(...)} with PostgresML's signature and defaults:
 * https://postgresml.org/docs/open-source/pgml/api/pgml.train
 */
final class TrainFunction extends FunctionShape {
  private static final List<FunctionParameter> PARAMETERS =
      List.of(
          required("project_name", PgType.TEXT),
          optional("task", PgType.TEXT, null),
          optional("relation_name", PgType.TEXT, null),
          optional("y_column_name", PgType.TEXT, null),
          optional("algorithm", PgType.TEXT, "linear"),
          optional("hyperparams", PgType.JSONB, "{}"),
          optional("search", PgType.TEXT, null),
          optional("search_params", PgType.JSONB, "{}"),
          optional("search_args", PgType.JSONB, "{}"),
          optional("test_size", PgType.FLOAT4, 0.25),
          optional("test_sampling", PgType.TEXT, "random"),
          optional("preprocess", PgType.JSONB, "{}"),
          optional("automatic_deploy", PgType.BOOL, true));
  private static final List<ColumnDescription> COLUMNS =
      List.of(
          new ColumnDescription("project", PgType.TEXT),
          new ColumnDescription("task", PgType.TEXT),
          new ColumnDescription("algorithm", PgType.TEXT),
          new ColumnDescription("deployed", PgType.BOOL));

  private final ModelService models;

  TrainFunction(ModelService models) {
    super("train", PARAMETERS, COLUMNS, true);
    this.models = requireNonNull(models, "models is null");
  }

  @Override
  public List<Object[]> invoke(BoundArguments arguments, Cancellation cancel)
      throws PgWireException {
    Double testSize = arguments.number("test_size");
    Boolean automaticDeploy = arguments.bool("automatic_deploy");
    TrainCommand command =
        new TrainCommand(
            arguments.requiredText("project_name"),
            arguments.text("task"),
            arguments.text("relation_name"),
            arguments.text("y_column_name"),
            arguments.text("algorithm") == null ? "linear" : arguments.text("algorithm"),
            arguments.jsonObject("hyperparams"),
            arguments.text("search"),
            arguments.jsonObject("search_params"),
            arguments.jsonObject("search_args"),
            testSize == null ? 0.25 : testSize,
            arguments.text("test_sampling") == null ? "random" : arguments.text("test_sampling"),
            arguments.jsonObject("preprocess"),
            automaticDeploy == null || automaticDeploy);
    TrainOutcome outcome = models.train(command, cancel);
    return List.<Object[]>of(
        new Object[] {outcome.project(), outcome.task(), outcome.algorithm(), outcome.deployed()});
  }
}
