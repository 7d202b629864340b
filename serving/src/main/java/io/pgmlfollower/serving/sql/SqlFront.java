package io.pgmlfollower.serving.sql;

import io.pgmlfollower.pgwire.spi.SessionHandlerFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Builds the endpoint's session handler from the follower's services. */
public final class SqlFront {
  private SqlFront() {}

  public static SessionHandlerFactory sessionHandlers(
      ModelService models, ReplicationService replication, String version) {
    PgmlSessionHandler handler =
        new PgmlSessionHandler(
            new PgmlStatementParser(),
            new PgmlFunctions(functions(models, replication, version)),
            new InQueryRewriter(models));
    return session -> handler;
  }

  /**
   * The statements that declare the pgml functions the endpoint answers in the offline store's
   * catalog (see {@link CatalogDefinitions}): first the helper their bodies call, then one per
   * function, except those in {@code skip}.
   */
  public static List<String> catalogDefinitions(
      ModelService models, ReplicationService replication, String version, Set<String> skip) {
    List<String> statements = new ArrayList<>();
    statements.add(CatalogDefinitions.helper());
    statements.addAll(CatalogDefinitions.of(functions(models, replication, version), skip));
    return statements;
  }

  private static List<PgmlFunction> functions(
      ModelService models, ReplicationService replication, String version) {
    return List.of(
        new TrainFunction(models),
        PredictFunction.predict(models),
        PredictFunction.predictProba(models),
        PredictFunction.predictRow(models),
        PredictFunction.predictProbaRow(models),
        PredictFunction.decompose(models),
        PredictFunction.decomposeRow(models),
        new PredictBatchFunction(models),
        PredictByKeyFunction.predictByKey(models, false),
        PredictByKeyFunction.predictByKey(models, true),
        PredictByKeyFunction.withLsn(models, replication, false),
        PredictByKeyFunction.withLsn(models, replication, true),
        DeployFunction.byStrategy(models),
        DeployFunction.byModelId(models),
        new SnapshotFunction(models),
        new DropSnapshotFunction(models),
        new ReplicationStatusFunction(replication),
        new TableCopiesFunction(replication),
        new WaitForLsnFunction(replication),
        new VersionFunction(version));
  }
}
