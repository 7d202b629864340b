package io.pgmlfollower.serving.sql;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.PgWireException;
import java.util.List;
import java.util.Map;

/**
 * What the SQL front needs of the trainer. Implementations map their failures to {@link
 * PgWireException} with the SQLSTATE a client should see.
 */
public interface ModelService {
  TrainOutcome train(TrainCommand command, Cancellation cancel) throws PgWireException;

  double predict(String project, double[] features) throws PgWireException;

  double[] predictProba(String project, double[] features) throws PgWireException;

  /** {@code pgml.decompose}: the coordinates of a decomposition project's components. */
  double[] decompose(String project, double[] features) throws PgWireException;

  /**
   * Predicts for the row of the project's relation with this primary key.
   *
   * @return the prediction, or null when no row has that key
   */
  Double predictByKey(String project, RowKey key) throws PgWireException;

  /**
   * Whether a prediction for the project is answered from memory, without waiting: its deployed
   * model is loaded and predicts in about the time of a lookup (not k-NN, DBSCAN or SVM, which scan
   * their stored rows), and (for {@code byKey}) its relation is in the online store. The endpoint
   * then answers on its event loop rather than hopping to a worker thread.
   */
  default boolean answersWithoutWaiting(String project, boolean byKey) {
    return false;
  }

  /** The deployed model's feature names, in the order {@link #predict} takes them. */
  List<String> featureNames(String project) throws PgWireException;

  /**
   * The deployed model's text features and their categories: {@link #predict} takes such a
   * feature's value as its index in the list ({@code -1} for a category the model never saw). Empty
   * when every feature is numeric or boolean.
   */
  default Map<String, List<String>> categories(String project) throws PgWireException {
    return Map.of();
  }

  /**
   * The project's deployed model as one call sees it: its feature names, categories and answers all
   * from the same deployment, even while a redeploy swaps the model in between.
   */
  interface Deployed {
    List<String> featureNames();

    Map<String, List<String>> categories();

    double predict(double[] features) throws PgWireException;

    double[] predictProba(double[] features) throws PgWireException;

    double[] decompose(double[] features) throws PgWireException;
  }

  /**
   * The deployed model for one call. This default asks this service for each step (separate
   * lookups); an implementation with a model cache answers from one deployment.
   */
  default Deployed deployed(String project) throws PgWireException {
    List<String> names = featureNames(project);
    Map<String, List<String>> categories = categories(project);
    ModelService service = this;
    return new Deployed() {
      @Override
      public List<String> featureNames() {
        return names;
      }

      @Override
      public Map<String, List<String>> categories() {
        return categories;
      }

      @Override
      public double predict(double[] features) throws PgWireException {
        return service.predict(project, features);
      }

      @Override
      public double[] predictProba(double[] features) throws PgWireException {
        return service.predictProba(project, features);
      }

      @Override
      public double[] decompose(double[] features) throws PgWireException {
        return service.decompose(project, features);
      }
    };
  }

  /**
   * Refuses features given as numbers to a model with text features, which only a row can carry.
   */
  static void checkNumeric(Map<String, List<String>> categories, String project, String function)
      throws PgWireException {
    if (!categories.isEmpty()) {
      throw new PgWireException(
          io.pgmlfollower.pgwire.spi.SqlState.INVALID_PARAMETER_VALUE,
          "project '%s' has text features (%s): an array of numbers cannot carry them"
              .formatted(project, String.join(", ", categories.keySet())),
          "pass a row instead, e.g. SELECT pgml.%s('%s', t) FROM my_table t"
              .formatted(function, project));
    }
  }

  /** Deploys by strategy: best_score, most_recent or rollback; algorithm may be null. */
  DeployOutcome deploy(String project, String strategy, String algorithm) throws PgWireException;

  /** Deploys one model by its id. */
  DeployOutcome deploy(long modelId) throws PgWireException;

  /**
   * {@code pgml.snapshot}: an immutable copy of the relation for training; a cancel stops the copy
   * and keeps nothing.
   */
  SnapshotOutcome snapshot(
      String relationName,
      String yColumnName,
      double testSize,
      String testSampling,
      Cancellation cancel)
      throws PgWireException;

  /** {@code pgml.drop_snapshot}: drops a snapshot's copy, keeping its registry row. */
  SnapshotOutcome dropSnapshot(long snapshotId) throws PgWireException;

  /** {@code pgml.train}'s arguments; null where the call omitted them and no default applies. */
  record TrainCommand(
      String projectName,
      String task,
      String relationName,
      String yColumnName,
      String algorithm,
      Map<String, Object> hyperparams,
      String search,
      Map<String, Object> searchParams,
      Map<String, Object> searchArgs,
      double testSize,
      String testSampling,
      Map<String, Object> preprocess,
      boolean automaticDeploy) {
    public TrainCommand {
      requireNonNull(projectName, "projectName is null");
      hyperparams = Map.copyOf(requireNonNull(hyperparams, "hyperparams is null"));
      searchParams = Map.copyOf(requireNonNull(searchParams, "searchParams is null"));
      searchArgs = Map.copyOf(requireNonNull(searchArgs, "searchArgs is null"));
      preprocess = Map.copyOf(requireNonNull(preprocess, "preprocess is null"));
    }
  }

  /** One row of {@code pgml.deploy}'s result. */
  record DeployOutcome(String project, String strategy, String algorithm) {}

  /** One row of {@code pgml.snapshot}'s result. */
  record SnapshotOutcome(
      String relation, String yColumnName, long snapshotId, long numRows, String sourceLsn) {
    Object[] row() {
      return new Object[] {relation, yColumnName, snapshotId, numRows, sourceLsn};
    }
  }

  /** One row of {@code pgml.train}'s result. */
  record TrainOutcome(String project, String task, String algorithm, boolean deployed) {}
}
