package io.pgmlfollower.trainer;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.trainer.algorithm.Algorithm;
import io.pgmlfollower.trainer.algorithm.AlgorithmCatalog;
import io.pgmlfollower.trainer.algorithm.ClassificationAlgorithm;
import io.pgmlfollower.trainer.algorithm.ClusteringAlgorithm;
import io.pgmlfollower.trainer.algorithm.DecompositionAlgorithm;
import io.pgmlfollower.trainer.algorithm.Estimator;
import io.pgmlfollower.trainer.algorithm.HyperParameters;
import io.pgmlfollower.trainer.algorithm.RegressionAlgorithm;
import io.pgmlfollower.trainer.data.RelationColumn;
import io.pgmlfollower.trainer.data.RelationData;
import io.pgmlfollower.trainer.data.RelationReader;
import io.pgmlfollower.trainer.deployment.DeployedModel;
import io.pgmlfollower.trainer.deployment.ModelCache;
import io.pgmlfollower.trainer.deployment.Pipeline;
import io.pgmlfollower.trainer.preprocess.ColumnPreprocess;
import io.pgmlfollower.trainer.registry.ArtifactCodec;
import io.pgmlfollower.trainer.registry.DeploymentRow;
import io.pgmlfollower.trainer.registry.ModelRegistry;
import io.pgmlfollower.trainer.registry.ModelRow;
import io.pgmlfollower.trainer.registry.ProjectRow;
import io.pgmlfollower.trainer.registry.RegistrySchema;
import io.pgmlfollower.trainer.registry.SnapshotRow;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgresML's {@code pgml.train}, {@code pgml.predict}, {@code pgml.predict_proba} and {@code
 * pgml.deploy} over the offline store, with the model registry in its {@code pgml} schema.
 *
 * <p>Thread-safe. Predictions use the project's deployed model, cached in memory; the cache entry
 * is replaced atomically when this trainer trains or deploys, and loaded from the registry on first
 * use, so a new trainer on the same store (a restarted follower) serves the same model.
 */
public final class Trainer {
  private static final Logger log = LoggerFactory.getLogger(Trainer.class);

  private final DataSource offlineStore;
  private final DataSource trainingData;
  private final TrainerConfig config;
  private final ModelRegistry registry = new ModelRegistry();
  private final ModelCache cache = new ModelCache();
  private final ModelTrainer modelTrainer;
  private final SnapshotTaker snapshots;
  private final TrainingProgress progress = new TrainingProgress();

  public Trainer(DataSource offlineStore, TrainerConfig config) {
    this(offlineStore, offlineStore, config);
  }

  /**
   * @param offlineStore connections that own the registry (they write {@code pgml.*})
   * @param trainingData connections that read the relations trained on. Relations may be views that
   *     call functions their users wrote: these connections must log in as a role with no more
   *     rights than those users (SET ROLE is not enough, a function may RESET ROLE)
   */
  public Trainer(DataSource offlineStore, DataSource trainingData, TrainerConfig config) {
    this.offlineStore = requireNonNull(offlineStore, "offlineStore is null");
    this.trainingData = requireNonNull(trainingData, "trainingData is null");
    this.config = requireNonNull(config, "config is null");
    this.modelTrainer = new ModelTrainer(config.splitSeed());
    this.snapshots = new SnapshotTaker(registry, config);
  }

  /** The trainings running now, with how far their searches got. */
  public TrainingProgress progress() {
    return progress;
  }

  /** Creates the registry schema and tables if missing. */
  public void initialize() {
    try (Connection connection = offlineStore.getConnection()) {
      RegistrySchema.create(connection);
      List<Long> abandoned = registry.failAbandonedModels(connection);
      if (!abandoned.isEmpty()) {
        log.warn(
            "Models {} were left in progress by a previous run that stopped while they trained:"
                + " marked failed",
            abandoned);
      }
    } catch (SQLException e) {
      throw storeFailure("create the model registry", e);
    }
  }

  /**
   * The registry tables, schema-qualified ({@code pgml.projects}, ...): clients of the endpoint may
   * read them but must not write them.
   */
  public List<String> registryTables() {
    return RegistrySchema.tables();
  }

  /** {@code pgml.train}: snapshots the relation, fits, scores, stores and maybe deploys a model. */
  public TrainResult train(TrainRequest request) {
    return train(request, () -> false);
  }

  /**
   * As {@link #train(TrainRequest)}, stopped with {@link TrainerErrorCode#CANCELLED} (57014) when
   * {@code cancelled} turns true: checked between the stages, and polled while the model fits. A
   * fit cannot be interrupted (the learning libraries do not look), so a cancelled one is left to
   * finish on its thread and its result thrown away: the call returns at once, the model is marked
   * failed and nothing is deployed.
   */
  public TrainResult train(TrainRequest request, BooleanSupplier cancelled) {
    requireNonNull(request, "request is null");
    requireNonNull(cancelled, "cancelled is null");
    checkCancelled(cancelled);
    try (Connection connection = offlineStore.getConnection()) {
      TrainingInput input = resolveInput(connection, request);
      Algorithm algorithm = AlgorithmCatalog.find(input.task(), request.algorithm());
      HyperParameters hyperparameters = HyperParameters.of(algorithm, request.hyperparams());
      // The searched names too, before anything is stored (their values are checked per fit).
      request
          .search()
          .ifPresent(
              search -> {
                Map<String, Object> probe = new java.util.LinkedHashMap<>(request.hyperparams());
                search.params().forEach((name, values) -> probe.put(name, values.getFirst()));
                HyperParameters.of(algorithm, probe);
              });
      SnapshotRow snapshot;
      RelationData data;
      try (Connection reader = trainingData.getConnection()) {
        snapshot =
            input.reuse().isPresent()
                ? input.reuse().get()
                : snapshots.take(
                    connection,
                    reader,
                    input.relationName(),
                    input.yColumnName(),
                    request.testSize(),
                    request.testSampling(),
                    relation -> {
                      RelationReader.check(relation, input.yColumnName(), input.task());
                      checkPreprocessColumns(
                          request,
                          relation.qualifiedName(),
                          relation.columns().stream()
                              .map(RelationColumn::name)
                              .filter(name -> !name.equals(input.yColumnName()))
                              .toList());
                    },
                    cancelled);
        data =
            new RelationReader(config.fetchSize(), config.sourceLsnReader())
                .withImputed(ColumnPreprocess.imputed(request.preprocess()))
                .readCopy(
                    reader,
                    snapshot.table().orElseThrow(),
                    snapshot.relation().orElseThrow(),
                    snapshot.yColumnName(),
                    input.task(),
                    snapshot.sourceLsn());
      }

      checkPreprocessColumns(request, data);
      checkCancelled(cancelled);
      long projectId;
      long modelId;
      connection.setAutoCommit(false);
      try {
        ProjectRow project =
            registry.createProject(connection, request.projectName(), input.task());
        checkTask(project, input.task());
        projectId = project.id();
        long snapshotId = snapshot.id();
        modelId =
            registry.insertModel(
                connection,
                projectId,
                snapshotId,
                data.features().size(),
                algorithm.name(),
                request.hyperparams());
        connection.commit();
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(true);
      }

      TrainingProgress.Entry progressEntry =
          progress.start(modelId, request.projectName(), algorithm.name());
      try {
        TrainedModel trained;
        try {
          trained =
              fit(
                  () ->
                      modelTrainer.train(
                          algorithm, hyperparameters, data, request, cancelled, progressEntry),
                  cancelled);
          checkCancelled(cancelled);
          progressEntry.stage(TrainingProgress.Stage.SCORING);
        } catch (RuntimeException e) {
          markFailed(connection, modelId, e);
          throw e;
        }
        log.info(
            "trained model {} of project {} ({} {}): {}",
            modelId,
            request.projectName(),
            input.task().sqlName(),
            algorithm.name(),
            trained.metrics());
        // Serve what a restarted follower would load: the stored bytes, read back through the
        // filter.
        byte[] artifact = ArtifactCodec.serialize(trained.estimator().artifact());
        Estimator restored =
            restore(algorithm, ArtifactCodec.deserialize(artifact), trained.pipeline());

        // The deployed model scored on this training's holdout, outside the registry transaction.
        Optional<ChampionRescore> champion = rescoreChampion(request.projectName(), trained);
        boolean deployed;
        long deploymentId = 0;
        connection.setAutoCommit(false);
        try {
          registry.completeModel(
              connection, modelId, trained.metrics(), trained.confusionMatrix().orElse(null));
          if (trained.search().isPresent()) {
            SearchSpec spec = request.search().orElseThrow();
            Map<String, Object> chosen = new java.util.LinkedHashMap<>(request.hyperparams());
            chosen.putAll(trained.search().get().best());
            registry.recordSearch(
                connection,
                modelId,
                chosen,
                spec.kind().sqlName(),
                spec.params(),
                spec.args(),
                trained.search().get().results());
          }
          registry.insertFile(connection, modelId, Pipeline.ARTIFACT_PATH, artifact);
          registry.insertFile(connection, modelId, Pipeline.PATH, trained.pipeline().toJson());
          ProjectRow project =
              registry
                  .lockProject(connection, request.projectName())
                  .orElseThrow(() -> unknownProject(request.projectName()));
          Optional<DeploymentRow> current = registry.currentDeployment(connection, projectId);
          deployed = request.automaticDeploy() && beats(trained, current, project.task(), champion);
          if (deployed) {
            DeploymentStrategy strategy =
                current.isPresent() ? DeploymentStrategy.NEW_SCORE : DeploymentStrategy.MOST_RECENT;
            deploymentId = registry.insertDeployment(connection, projectId, modelId, strategy);
          }
          registry.touchProject(connection, projectId);
          connection.commit();
        } catch (SQLException | RuntimeException e) {
          connection.rollback();
          markFailed(connection, modelId, e);
          throw e;
        } finally {
          connection.setAutoCommit(true);
        }
        if (deployed) {
          cache.offer(
              new DeployedModel(
                  request.projectName(), deploymentId, modelId, trained.pipeline(), restored));
        }
        return new TrainResult(
            request.projectName(),
            input.task(),
            algorithm.name(),
            deployed,
            modelId,
            trained.metrics());
      } finally {
        progressEntry.close();
      }
    } catch (SQLException e) {
      throw storeFailure("train project '%s'".formatted(request.projectName()), e);
    }
  }

  /**
   * {@code pgml.snapshot}: an immutable copy of the relation in {@code pgml.snapshot_<id>},
   * recorded in {@code pgml.snapshots} with the source LSN it is consistent with.
   */
  public SnapshotRow snapshot(
      String relationName, String yColumnName, double testSize, TestSampling testSampling) {
    return snapshot(relationName, yColumnName, testSize, testSampling, () -> false);
  }

  /** As {@link #snapshot(String, String, double, TestSampling)}, stopped when {@code cancelled}. */
  public SnapshotRow snapshot(
      String relationName,
      String yColumnName,
      double testSize,
      TestSampling testSampling,
      BooleanSupplier cancelled) {
    requireNonNull(relationName, "relationName is null");
    requireNonNull(testSampling, "testSampling is null");
    TrainRequest.checkTestSize(testSize);
    try (Connection owner = offlineStore.getConnection();
        Connection reader = trainingData.getConnection()) {
      SnapshotRow row =
          snapshots.take(
              owner,
              reader,
              relationName,
              yColumnName,
              testSize,
              testSampling,
              relation -> {},
              cancelled);
      log.info(
          "snapshot {} of {}: {} rows at source LSN {}",
          row.id(),
          row.relationName(),
          row.numRows(),
          row.sourceLsn().orElse("(none)"));
      return row;
    } catch (SQLException e) {
      throw storeFailure("snapshot '%s'".formatted(relationName), e);
    }
  }

  /**
   * {@code pgml.drop_snapshot}: drops a snapshot's copy. Its {@code pgml.snapshots} row stays,
   * marked dropped, so that the models trained on it keep their lineage (relation, source LSN).
   */
  public SnapshotRow dropSnapshot(long snapshotId) {
    try (Connection connection = offlineStore.getConnection()) {
      connection.setAutoCommit(false);
      try {
        SnapshotRow row =
            registry
                .lockSnapshot(connection, snapshotId)
                .orElseThrow(
                    () ->
                        new TrainerException(
                            TrainerErrorCode.UNKNOWN_SNAPSHOT,
                            "snapshot %d does not exist: see SELECT id, relation_name, status FROM"
                                    .formatted(snapshotId)
                                + " pgml.snapshots"));
        if (row.table().isPresent()) {
          try (var statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS " + row.table().get().quoted());
          }
        }
        registry.markSnapshotDropped(connection, snapshotId);
        SnapshotRow dropped = registry.lockSnapshot(connection, snapshotId).orElseThrow();
        connection.commit();
        return dropped;
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw storeFailure("drop snapshot " + snapshotId, e);
    }
  }

  /** {@code pgml.predict}: the deployed model's prediction for one feature vector. */
  public double predict(String project, double[] features) {
    return deployedModel(project).predict(features);
  }

  /** {@code pgml.decompose}: a decomposition's coordinates of one feature vector. */
  public double[] decompose(String project, double[] features) {
    return deployedModel(project).decompose(features);
  }

  /** {@code pgml.predict_proba}: class probabilities, in ascending label order. */
  public double[] predictProba(String project, double[] features) {
    return deployedModel(project).predictProba(features);
  }

  /** The project's deployed model when it is loaded already: answering needs no registry read. */
  public Optional<DeployedModel> cachedModel(String project) {
    return cache.get(requireNonNull(project, "project is null"));
  }

  /**
   * The project's deployed model, from the cache or else from the registry. Exposed so that batch
   * callers resolve it once.
   */
  public DeployedModel deployedModel(String project) {
    requireNonNull(project, "project is null");
    Optional<DeployedModel> cached = cache.get(project);
    if (cached.isPresent()) {
      return cached.get();
    }
    try (Connection connection = offlineStore.getConnection()) {
      ProjectRow row =
          registry.findProject(connection, project).orElseThrow(() -> unknownProject(project));
      DeploymentRow deployment =
          registry
              .currentDeployment(connection, row.id())
              .orElseThrow(() -> noDeployedModel(project));
      return cache.offer(load(connection, row, deployment.id(), deployment.model()));
    } catch (SQLException e) {
      throw storeFailure("load the deployed model of project '%s'".formatted(project), e);
    }
  }

  /**
   * {@code pgml.deploy(project, strategy, algorithm)}.
   *
   * @param algorithm only models of this algorithm qualify; null for any
   */
  public DeployResult deploy(String project, DeploymentStrategy strategy, String algorithm) {
    requireNonNull(project, "project is null");
    requireNonNull(strategy, "strategy is null");
    try (Connection connection = offlineStore.getConnection()) {
      connection.setAutoCommit(false);
      try {
        ProjectRow row =
            registry.lockProject(connection, project).orElseThrow(() -> unknownProject(project));
        Optional<String> algorithmName =
            Optional.ofNullable(algorithm)
                .map(name -> AlgorithmCatalog.find(row.task(), name).name());
        Optional<ModelRow> candidate =
            switch (strategy) {
              case BEST_SCORE ->
                  registry.bestModel(connection, row.id(), row.task().keyMetric(), algorithmName);
              case MOST_RECENT -> registry.mostRecentModel(connection, row.id(), algorithmName);
              case ROLLBACK -> {
                DeploymentRow current =
                    registry
                        .currentDeployment(connection, row.id())
                        .orElseThrow(() -> noDeployedModel(project));
                yield registry.previousDeployedModel(
                    connection, row.id(), current.model().id(), algorithmName);
              }
              case NEW_SCORE, SPECIFIC ->
                  throw new TrainerException(
                      TrainerErrorCode.INVALID_ARGUMENT,
                      "strategy %s is recorded by the trainer: deploy with best_score, most_recent"
                              .formatted(strategy.sqlName())
                          + " or rollback, or deploy a model by id");
            };
        ModelRow model =
            candidate.orElseThrow(
                () ->
                    new TrainerException(
                        TrainerErrorCode.NO_DEPLOYED_MODEL,
                        "no model of project '%s'%s qualifies for %s: %s"
                            .formatted(
                                project,
                                algorithmName.map(name -> " with algorithm " + name).orElse(""),
                                strategy.sqlName(),
                                strategy == DeploymentStrategy.ROLLBACK
                                    ? "no other model was deployed before the current one"
                                    : "train one first")));
        deployModel(connection, row, model, strategy);
        return new DeployResult(project, strategy, model.algorithm(), model.id());
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw storeFailure("deploy a model of project '%s'".formatted(project), e);
    }
  }

  /** {@code pgml.deploy(project, strategy, algorithm)} with the strategy as SQL text. */
  public DeployResult deploy(String project, String strategy, String algorithm) {
    requireNonNull(strategy, "strategy is null");
    return deploy(project, DeploymentStrategy.fromUserInput(strategy), algorithm);
  }

  /** {@code pgml.deploy(model_id)}: deploys that model for its project. */
  public DeployResult deploy(long modelId) {
    try (Connection connection = offlineStore.getConnection()) {
      connection.setAutoCommit(false);
      try {
        ModelRow model =
            registry
                .findModel(connection, modelId)
                .orElseThrow(
                    () ->
                        new TrainerException(
                            TrainerErrorCode.UNKNOWN_MODEL,
                            "model %d does not exist: see SELECT id, algorithm, metrics FROM"
                                    .formatted(modelId)
                                + " pgml.models"));
        if (!model.status().equals(ModelRow.SUCCESSFUL)) {
          throw new TrainerException(
              TrainerErrorCode.INVALID_ARGUMENT,
              "model %d has status %s and cannot be deployed: deploy a successful model"
                  .formatted(modelId, model.status()));
        }
        String project = projectName(connection, model.projectId());
        ProjectRow row =
            registry.lockProject(connection, project).orElseThrow(() -> unknownProject(project));
        deployModel(connection, row, model, DeploymentStrategy.SPECIFIC);
        return new DeployResult(project, DeploymentStrategy.SPECIFIC, model.algorithm(), modelId);
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw storeFailure("deploy model " + modelId, e);
    }
  }

  /** Forgets the cached model of a project; the next prediction reloads it from the registry. */
  public void invalidate(String project) {
    cache.invalidate(project);
  }

  /** Inside the caller's transaction on a locked project row; commits it. */
  private DeployedModel deployModel(
      Connection connection, ProjectRow project, ModelRow model, DeploymentStrategy strategy)
      throws SQLException {
    long deploymentId = registry.insertDeployment(connection, project.id(), model.id(), strategy);
    // Load before commit: a model that cannot be loaded must not become the deployed one.
    DeployedModel deployed = load(connection, project, deploymentId, model);
    registry.touchProject(connection, project.id());
    connection.commit();
    return cache.offer(deployed);
  }

  private DeployedModel load(
      Connection connection, ProjectRow project, long deploymentId, ModelRow model)
      throws SQLException {
    Pipeline pipeline =
        Pipeline.fromJson(
            registry
                .readFile(connection, model.id(), Pipeline.PATH)
                .orElseThrow(() -> missingFile(model, Pipeline.PATH)));
    byte[] artifact =
        registry
            .readFile(connection, model.id(), pipeline.artifactPath())
            .orElseThrow(() -> missingFile(model, pipeline.artifactPath()));
    Algorithm algorithm = AlgorithmCatalog.find(project.task(), model.algorithm());
    Estimator estimator = restore(algorithm, ArtifactCodec.deserialize(artifact), pipeline);
    return new DeployedModel(project.name(), deploymentId, model.id(), pipeline, estimator);
  }

  private static Estimator restore(Algorithm algorithm, Object artifact, Pipeline pipeline) {
    try {
      return switch (algorithm) {
        case RegressionAlgorithm regression -> regression.restore(artifact);
        case ClassificationAlgorithm classification ->
            classification.restore(
                artifact,
                pipeline
                    .labelMapping()
                    .orElseThrow(() -> new IllegalArgumentException("classifier without labels"))
                    .numClasses());
        case ClusteringAlgorithm clustering -> clustering.restore(artifact);
        case DecompositionAlgorithm decomposition -> decomposition.restore(artifact);
      };
    } catch (IllegalArgumentException | ClassCastException e) {
      throw new TrainerException(
          TrainerErrorCode.INTERNAL,
          "a stored %s model does not match its algorithm (%s): retrain the project"
              .formatted(algorithm.name(), e.getMessage()),
          e);
    }
  }

  private TrainingInput resolveInput(Connection connection, TrainRequest request)
      throws SQLException {
    Optional<ProjectRow> project = registry.findProject(connection, request.projectName());
    Task task;
    Optional<SnapshotRow> lastSnapshot =
        project.isPresent()
            ? registry.lastSnapshot(connection, project.get().id())
            : Optional.empty();
    if (project.isPresent()) {
      task = project.get().task();
      if (request.task().isPresent()) {
        checkTask(project.get(), request.task().get());
      }
    } else {
      task =
          request
              .task()
              .orElseThrow(
                  () ->
                      new TrainerException(
                          TrainerErrorCode.TASK_REQUIRED,
                          ("project '%s' does not exist: to create it, pass the task"
                                  + " (regression, classification, clustering or decomposition),"
                                  + " the relation_name and, to regress or classify, the"
                                  + " y_column_name")
                              .formatted(request.projectName())));
    }
    if (!task.supervised() && request.yColumnName().isPresent()) {
      throw new TrainerException(
          TrainerErrorCode.INVALID_ARGUMENT,
          ("project '%s' is a %s: it learns from every column and takes no y_column_name (train"
                  + " on a view without the columns to leave out)")
              .formatted(request.projectName(), task.sqlName()));
    }
    if (request.relationName().isEmpty() && lastSnapshot.isPresent()) {
      SnapshotRow last = lastSnapshot.get();
      boolean sameTarget =
          request.yColumnName().isEmpty() || request.yColumnName().get().equals(last.yColumnName());
      if (sameTarget && last.table().isPresent() && last.relation().isPresent()) {
        // PostgresML's semantics: no relation_name means "train again on the last snapshot".
        return new TrainingInput(task, last.relationName(), last.yColumnName(), Optional.of(last));
      }
      if (sameTarget && last.status().equals(SnapshotRow.DROPPED)) {
        throw new TrainerException(
            TrainerErrorCode.SNAPSHOT_DROPPED,
            ("the last snapshot of project '%s' (id %d, of %s) was dropped: pass relation_name to"
                    + " take a new one")
                .formatted(request.projectName(), last.id(), last.relationName()));
      }
    }
    String relationName =
        request
            .relationName()
            .or(() -> lastSnapshot.map(SnapshotRow::relationName))
            .orElseThrow(() -> relationRequired(request.projectName(), "relation_name"));
    // A new relation needs its own target; the same relation keeps the project's.
    Optional<String> rememberedTarget =
        lastSnapshot
            .filter(
                snapshot ->
                    request.relationName().isEmpty()
                        || request.relationName().get().equals(snapshot.relationName()))
            .map(SnapshotRow::yColumnName);
    String yColumnName =
        !task.supervised()
            ? null
            : request
                .yColumnName()
                .or(() -> rememberedTarget)
                .orElseThrow(() -> relationRequired(request.projectName(), "y_column_name"));
    return new TrainingInput(task, relationName, yColumnName, Optional.empty());
  }

  /** Every column {@code preprocess} names must be a feature of the relation. */
  private static void checkPreprocessColumns(TrainRequest request, RelationData data) {
    checkPreprocessColumns(
        request,
        data.relation().qualifiedName(),
        data.features().stream().map(RelationColumn::name).toList());
  }

  private static void checkPreprocessColumns(
      TrainRequest request, String relation, List<String> features) {
    for (String column : request.preprocess().keySet()) {
      if (!features.contains(column)) {
        throw new TrainerException(
            TrainerErrorCode.UNKNOWN_COLUMN,
            "preprocess names column \"%s\", which is not a feature of %s: use one of %s"
                .formatted(column, relation, String.join(", ", features)));
      }
    }
  }

  /** The deployed model's key metric on a challenger's holdout. */
  private record ChampionRescore(long modelId, double score) {}

  private Optional<ChampionRescore> rescoreChampion(String project, TrainedModel trained) {
    if (trained.holdout().isEmpty()) {
      return Optional.empty();
    }
    DeployedModel champion;
    try {
      champion = deployedModel(project);
    } catch (TrainerException e) {
      return Optional.empty(); // none deployed yet (or it cannot be loaded): nothing to compare
    }
    try {
      java.util.OptionalDouble score =
          ChampionScore.on(trained.holdout().get(), champion, trained.pipeline());
      if (score.isEmpty()) {
        return Optional.empty();
      }
      log.info(
          "deployed model {} of {} scores {} on the new holdout; the new model {}",
          champion.modelId(),
          project,
          score.getAsDouble(),
          trained.metrics());
      return Optional.of(new ChampionRescore(champion.modelId(), score.getAsDouble()));
    } catch (RuntimeException e) {
      log.warn(
          "cannot score the deployed model of {} on the new holdout: {}", project, e.toString());
      return Optional.empty();
    }
  }

  /**
   * PostgresML deploys unless the deployed model scores strictly better. The deployed model's score
   * is taken on the challenger's own holdout when it could be computed (the same columns, every
   * class known), else the score it had when it was trained.
   */
  private static boolean beats(
      TrainedModel trained,
      Optional<DeploymentRow> current,
      Task task,
      Optional<ChampionRescore> rescored) {
    if (current.isEmpty()) {
      return true;
    }
    Double deployedScore = current.get().model().metrics().get(task.keyMetric());
    if (rescored.isPresent() && rescored.get().modelId() == current.get().model().id()) {
      deployedScore = rescored.get().score();
    }
    Double newScore = trained.metrics().get(task.keyMetric());
    return deployedScore == null || (newScore != null && newScore >= deployedScore);
  }

  private static void checkTask(ProjectRow project, Task requested) {
    if (project.task() != requested) {
      throw new TrainerException(
          TrainerErrorCode.INVALID_ARGUMENT,
          ("project '%s' already exists with task %s, not %s: omit the task or train a new"
                  + " project")
              .formatted(project.name(), project.task().sqlName(), requested.sqlName()));
    }
  }

  private String projectName(Connection connection, long projectId) throws SQLException {
    try (var statement =
        connection.prepareStatement("SELECT name FROM pgml.projects WHERE id = ?")) {
      statement.setLong(1, projectId);
      try (var rs = statement.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("model refers to missing project " + projectId);
        }
        return rs.getString(1);
      }
    }
  }

  private static TrainerException unknownProject(String project) {
    return new TrainerException(
        TrainerErrorCode.UNKNOWN_PROJECT,
        "project '%s' does not exist: train it first with pgml.train('%s', task, relation_name,"
                .formatted(project, project)
            + " y_column_name), or see SELECT name FROM pgml.projects");
  }

  private static TrainerException noDeployedModel(String project) {
    return new TrainerException(
        TrainerErrorCode.NO_DEPLOYED_MODEL,
        ("project '%s' has no deployed model: train one with automatic_deploy => true, or deploy"
                + " one with pgml.deploy('%s', 'best_score')")
            .formatted(project, project));
  }

  private static TrainerException relationRequired(String project, String argument) {
    return new TrainerException(
        TrainerErrorCode.RELATION_REQUIRED,
        ("%s is required: project '%s' has no earlier training on that relation to take it"
                + " from")
            .formatted(argument, project));
  }

  private static TrainerException missingFile(ModelRow model, String path) {
    return new TrainerException(
        TrainerErrorCode.INTERNAL,
        "model %d has no file %s in pgml.files: retrain the project or deploy another model"
            .formatted(model.id(), path));
  }

  private static TrainerException storeFailure(String action, SQLException e) {
    if (SnapshotTaker.CANCELED.equals(e.getSQLState())) {
      return new TrainerException(TrainerErrorCode.CANCELLED, e.getMessage(), e);
    }
    return TrainerException.fromStore(
        "cannot %s: %s (SQLSTATE %s)".formatted(action, e.getMessage(), e.getSQLState()), e);
  }

  /**
   * Runs the fit on a thread of its own and waits for it, polling {@code cancelled}: a cancel
   * returns at once (the fit finishes unseen and is dropped).
   */
  private static TrainedModel fit(Supplier<TrainedModel> fit, BooleanSupplier cancelled) {
    CompletableFuture<TrainedModel> running =
        CompletableFuture.supplyAsync(
            fit, runnable -> Thread.ofPlatform().name("pgml-train-fit").daemon().start(runnable));
    while (true) {
      try {
        return running.get(20, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        checkCancelled(cancelled);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException runtime) {
          throw runtime;
        }
        throw new TrainerException(
            TrainerErrorCode.INTERNAL, "training failed: " + e.getCause(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TrainerException(TrainerErrorCode.CANCELLED, "canceling statement: interrupted");
      }
    }
  }

  private static void checkCancelled(BooleanSupplier cancelled) {
    if (cancelled.getAsBoolean()) {
      throw new TrainerException(
          TrainerErrorCode.CANCELLED, "canceling statement due to user request");
    }
  }

  /** Marks the model failed without hiding {@code cause} if the store fails too. */
  private void markFailed(Connection connection, long modelId, Exception cause) {
    try {
      connection.setAutoCommit(true);
      registry.failModel(connection, modelId);
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }

  /**
   * What to train on.
   *
   * @param reuse the snapshot to train on again; empty to take a new one of the relation
   */
  private record TrainingInput(
      Task task, String relationName, String yColumnName, Optional<SnapshotRow> reuse) {}
}
