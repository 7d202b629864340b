package io.pgmlfollower.serving;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.serving.sql.ModelService;
import io.pgmlfollower.serving.sql.RowKey;
import io.pgmlfollower.trainer.DeployResult;
import io.pgmlfollower.trainer.TestSampling;
import io.pgmlfollower.trainer.TrainRequest;
import io.pgmlfollower.trainer.TrainResult;
import io.pgmlfollower.trainer.Trainer;
import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import io.pgmlfollower.trainer.deployment.DeployedModel;
import io.pgmlfollower.trainer.deployment.Pipeline;
import io.pgmlfollower.trainer.registry.SnapshotRow;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The SQL front's view of the trainer. */
final class TrainerModelService implements ModelService {
  private final Trainer trainer;
  private final FollowerMetrics metrics;
  private final KeyLookup keys;

  TrainerModelService(Trainer trainer, FollowerMetrics metrics, KeyLookup keys) {
    this.trainer = requireNonNull(trainer, "trainer is null");
    this.metrics = requireNonNull(metrics, "metrics is null");
    this.keys = requireNonNull(keys, "keys is null");
  }

  @Override
  public Double predictByKey(String project, RowKey key) throws PgWireException {
    long start = System.nanoTime();
    try {
      DeployedModel model = trainer.deployedModel(project);
      Pipeline pipeline = model.pipeline();
      double[] features =
          keys.features(pipeline.relation(), model.featureNames(), model.categories(), key);
      if (features == null) {
        return null;
      }
      // The model resolved above, not the cache again: one deployment answers the whole call.
      double prediction = model.predict(features);
      metrics.recordPrediction(project, System.nanoTime() - start);
      return prediction;
    } catch (RuntimeException e) {
      metrics.recordPredictionError();
      throw ErrorMapping.toPgWire(e);
    }
  }

  @Override
  public TrainOutcome train(TrainCommand command, Cancellation cancel) throws PgWireException {
    cancel.check();
    try {
      TrainRequest.Builder request =
          TrainRequest.builder(command.projectName())
              .relationName(command.relationName())
              .yColumnName(command.yColumnName())
              .algorithm(command.algorithm())
              .hyperparams(command.hyperparams())
              .testSize(command.testSize())
              .testSampling(command.testSampling())
              .automaticDeploy(command.automaticDeploy())
              .search(command.search(), command.searchParams(), command.searchArgs())
              .preprocess(command.preprocess());
      if (command.task() != null) {
        request.task(command.task());
      }
      long start = System.nanoTime();
      TrainResult result;
      try {
        result = trainer.train(request.build(), cancel::isCancelled);
      } catch (RuntimeException e) {
        metrics.recordTraining(command.projectName(), false, System.nanoTime() - start);
        if (e instanceof TrainerException trainer && trainer.code() == TrainerErrorCode.CANCELLED) {
          cancel.check(); // the session's own reason: user request, or statement timeout
        }
        throw e;
      }
      metrics.recordTraining(command.projectName(), true, System.nanoTime() - start);
      return new TrainOutcome(
          result.project(), result.task().sqlName(), result.algorithm(), result.deployed());
    } catch (RuntimeException e) {
      throw ErrorMapping.toPgWire(e);
    }
  }

  @Override
  public double predict(String project, double[] features) throws PgWireException {
    return deployed(project).predict(features);
  }

  @Override
  public double[] predictProba(String project, double[] features) throws PgWireException {
    return deployed(project).predictProba(features);
  }

  @Override
  public double[] decompose(String project, double[] features) throws PgWireException {
    return deployed(project).decompose(features);
  }

  /** Every step of the call on the model resolved here, timed and counted per prediction. */
  @Override
  public Deployed deployed(String project) throws PgWireException {
    DeployedModel model;
    try {
      model = trainer.deployedModel(project);
    } catch (RuntimeException e) {
      throw ErrorMapping.toPgWire(e);
    }
    return new Deployed() {
      @Override
      public List<String> featureNames() {
        return model.featureNames();
      }

      @Override
      public Map<String, List<String>> categories() {
        return model.categories();
      }

      @Override
      public double predict(double[] features) throws PgWireException {
        long start = System.nanoTime();
        try {
          double prediction = model.predict(features);
          metrics.recordPrediction(project, System.nanoTime() - start);
          return prediction;
        } catch (RuntimeException e) {
          metrics.recordPredictionError();
          throw ErrorMapping.toPgWire(e);
        }
      }

      @Override
      public double[] predictProba(double[] features) throws PgWireException {
        return timed(project, () -> model.predictProba(features));
      }

      @Override
      public double[] decompose(double[] features) throws PgWireException {
        return timed(project, () -> model.decompose(features));
      }
    };
  }

  /** A prediction counted in the project's metrics, its failure mapped to a SQLSTATE. */
  private double[] timed(String project, java.util.function.Supplier<double[]> prediction)
      throws PgWireException {
    long start = System.nanoTime();
    try {
      double[] answer = prediction.get();
      metrics.recordPrediction(project, System.nanoTime() - start);
      return answer;
    } catch (RuntimeException e) {
      metrics.recordPredictionError();
      throw ErrorMapping.toPgWire(e);
    }
  }

  @Override
  public boolean answersWithoutWaiting(String project, boolean byKey) {
    Optional<DeployedModel> model = trainer.cachedModel(project);
    return model.isPresent()
        && model.get().predictsQuickly()
        && (!byKey || keys.isOnline(model.get().pipeline().relation()));
  }

  @Override
  public Map<String, List<String>> categories(String project) throws PgWireException {
    return deployed(project).categories();
  }

  @Override
  public List<String> featureNames(String project) throws PgWireException {
    return deployed(project).featureNames();
  }

  @Override
  public DeployOutcome deploy(String project, String strategy, String algorithm)
      throws PgWireException {
    try {
      return outcome(trainer.deploy(project, strategy, algorithm));
    } catch (RuntimeException e) {
      throw ErrorMapping.toPgWire(e);
    }
  }

  @Override
  public DeployOutcome deploy(long modelId) throws PgWireException {
    try {
      return outcome(trainer.deploy(modelId));
    } catch (RuntimeException e) {
      throw ErrorMapping.toPgWire(e);
    }
  }

  @Override
  public SnapshotOutcome snapshot(
      String relationName,
      String yColumnName,
      double testSize,
      String testSampling,
      Cancellation cancel)
      throws PgWireException {
    try {
      return outcome(
          trainer.snapshot(
              relationName,
              yColumnName,
              testSize,
              TestSampling.fromSqlName(testSampling),
              cancel::isCancelled));
    } catch (RuntimeException e) {
      if (e instanceof TrainerException trainer && trainer.code() == TrainerErrorCode.CANCELLED) {
        cancel.check(); // the session's own reason: user request, or statement timeout
      }
      throw ErrorMapping.toPgWire(e);
    }
  }

  @Override
  public SnapshotOutcome dropSnapshot(long snapshotId) throws PgWireException {
    try {
      return outcome(trainer.dropSnapshot(snapshotId));
    } catch (RuntimeException e) {
      throw ErrorMapping.toPgWire(e);
    }
  }

  private static SnapshotOutcome outcome(SnapshotRow row) {
    return new SnapshotOutcome(
        row.relationName(),
        row.yColumnName(),
        row.id(),
        row.numRows(),
        row.sourceLsn().orElse(null));
  }

  private static DeployOutcome outcome(DeployResult result) {
    return new DeployOutcome(result.project(), result.strategy().sqlName(), result.algorithm());
  }
}
