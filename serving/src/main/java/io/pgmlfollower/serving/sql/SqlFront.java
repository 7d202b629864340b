package io.pgmlfollower.serving.sql;

import io.pgmlfollower.pgwire.spi.SessionHandlerFactory;
import java.util.List;

/** Builds the endpoint's session handler from the follower's services. */
public final class SqlFront {
  private SqlFront() {}

  public static SessionHandlerFactory sessionHandlers(
      ModelService models, ReplicationService replication, String version) {
    PgmlSessionHandler handler =
        new PgmlSessionHandler(
            new PgmlStatementParser(),
            new PgmlFunctions(
                List.of(
                    new TrainFunction(models),
                    PredictFunction.predict(models),
                    PredictFunction.predictProba(models),
                    PredictFunction.predictRow(models),
                    PredictFunction.predictProbaRow(models),
                    new PredictBatchFunction(models),
                    new PredictByKeyFunction(models),
                    DeployFunction.byStrategy(models),
                    DeployFunction.byModelId(models),
                    new SnapshotFunction(models),
                    new DropSnapshotFunction(models),
                    new ReplicationStatusFunction(replication),
                    new TableCopiesFunction(replication),
                    new WaitForLsnFunction(replication),
                    new VersionFunction(version))));
    return session -> handler;
  }
}
