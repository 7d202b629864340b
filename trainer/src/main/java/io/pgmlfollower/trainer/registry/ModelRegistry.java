package io.pgmlfollower.trainer.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.trainer.DeploymentStrategy;
import io.pgmlfollower.trainer.Task;
import io.pgmlfollower.trainer.TestSampling;
import io.pgmlfollower.trainer.data.RelationColumn;
import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads and writes the registry tables. Every method takes the caller's connection, so the caller
 * decides what one transaction covers.
 */
public final class ModelRegistry {
  /** Files are split into parts: a bytea value is sent whole, and pgjdbc buffers it. */
  static final int FILE_PART_BYTES = 16 * 1024 * 1024;

  private static final String MODEL_COLUMNS =
      "m.id, m.project_id, m.algorithm, m.status, m.metrics::text";

  private final ObjectMapper json = new ObjectMapper();

  public Optional<ProjectRow> findProject(Connection connection, String name) throws SQLException {
    return queryProject(
        connection, "SELECT id, name, task FROM pgml.projects WHERE name = ?", name);
  }

  /** Locks the project row until the transaction ends: deploy decisions of a project serialize. */
  public Optional<ProjectRow> lockProject(Connection connection, String name) throws SQLException {
    return queryProject(
        connection, "SELECT id, name, task FROM pgml.projects WHERE name = ? FOR UPDATE", name);
  }

  /**
   * Creates the project if missing; returns the stored row, whose task may differ from {@code
   * task}.
   */
  public ProjectRow createProject(Connection connection, String name, Task task)
      throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "INSERT INTO pgml.projects (name, task) VALUES (?, ?) ON CONFLICT (name) DO NOTHING")) {
      statement.setString(1, name);
      statement.setString(2, task.sqlName());
      statement.executeUpdate();
    }
    return findProject(connection, name)
        .orElseThrow(() -> new SQLException("project " + name + " vanished after insert"));
  }

  public void touchProject(Connection connection, long projectId) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "UPDATE pgml.projects SET updated_at = clock_timestamp() WHERE id = ?")) {
      statement.setLong(1, projectId);
      statement.executeUpdate();
    }
  }

  private static final String SNAPSHOT_COLUMNS =
      "s.id, s.relation_name, s.relation_schema, s.relation_table, s.y_column_name[1],"
          + " s.test_size, s.test_sampling, s.seed, s.snapshot_table, s.num_rows, s.source_lsn,"
          + " s.status";

  /** The snapshot of the project's latest model: where later trainings find their data. */
  public Optional<SnapshotRow> lastSnapshot(Connection connection, long projectId)
      throws SQLException {
    return querySnapshot(
        connection,
        "SELECT "
            + SNAPSHOT_COLUMNS
            + " FROM pgml.snapshots s JOIN pgml.models m ON m.snapshot_id = s.id"
            + " WHERE m.project_id = ? ORDER BY s.id DESC LIMIT 1",
        projectId);
  }

  /** The snapshot with this id, locked until the transaction ends. */
  public Optional<SnapshotRow> lockSnapshot(Connection connection, long snapshotId)
      throws SQLException {
    return querySnapshot(
        connection,
        "SELECT " + SNAPSHOT_COLUMNS + " FROM pgml.snapshots s WHERE s.id = ? FOR UPDATE",
        snapshotId);
  }

  private static Optional<SnapshotRow> querySnapshot(Connection connection, String sql, long id)
      throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setLong(1, id);
      try (ResultSet rs = statement.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        Optional<TableId> relation =
            rs.getString(3) == null || rs.getString(4) == null
                ? Optional.empty()
                : Optional.of(new TableId(rs.getString(3), rs.getString(4)));
        Optional<TableId> table =
            Optional.ofNullable(rs.getString(9))
                .map(name -> new TableId(RegistrySchema.SCHEMA, name));
        return Optional.of(
            new SnapshotRow(
                rs.getLong(1),
                rs.getString(2),
                relation,
                rs.getString(5),
                rs.getDouble(6),
                TestSampling.fromSqlName(rs.getString(7)),
                rs.getLong(8),
                table,
                rs.getLong(10),
                Optional.ofNullable(rs.getString(11)),
                rs.getString(12)));
      }
    }
  }

  /**
   * Records a snapshot about to be copied, in the caller's transaction: the copy's table is named
   * after the returned id and filled in the same transaction ({@link #completeSnapshot}).
   */
  public long insertSnapshot(
      Connection connection,
      TableId relation,
      String yColumnName,
      double testSize,
      TestSampling testSampling,
      List<RelationColumn> columns,
      Optional<String> sourceLsn,
      long seed)
      throws SQLException {
    List<Map<String, Object>> columnsJson = new ArrayList<>();
    for (RelationColumn column : columns) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("name", column.name());
      entry.put("pg_type", column.pgType());
      entry.put("position", column.position());
      columnsJson.add(entry);
    }
    try (PreparedStatement statement =
        connection.prepareStatement(
            """
            INSERT INTO pgml.snapshots (relation_name, relation_schema, relation_table,
                y_column_name, test_size, test_sampling, status, columns, num_rows, source_lsn,
                seed)
            VALUES (?, ?, ?, array_remove(ARRAY[?::text], NULL), ?, ?, 'snapshotted', ?::jsonb, 0,
                ?, ?)
            RETURNING id""")) {
      statement.setString(1, relation.toString());
      statement.setString(2, relation.schema());
      statement.setString(3, relation.name());
      statement.setString(4, yColumnName);
      statement.setFloat(5, (float) testSize);
      statement.setString(6, testSampling.sqlName());
      statement.setString(7, toJson(columnsJson));
      statement.setString(8, sourceLsn.orElse(null));
      statement.setLong(9, seed);
      return returningId(statement);
    }
  }

  /** The copy is filled: where it is, its rows and bytes. */
  public void completeSnapshot(
      Connection connection, long snapshotId, String table, long numRows, long sizeBytes)
      throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "UPDATE pgml.snapshots SET snapshot_table = ?, num_rows = ?, size_bytes = ?,"
                + " updated_at = clock_timestamp() WHERE id = ?")) {
      statement.setString(1, table);
      statement.setLong(2, numRows);
      statement.setLong(3, sizeBytes);
      statement.setLong(4, snapshotId);
      statement.executeUpdate();
    }
  }

  /** The copy is gone; the row stays, so that models keep their lineage (relation, LSN). */
  public void markSnapshotDropped(Connection connection, long snapshotId) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "UPDATE pgml.snapshots SET status = 'dropped', snapshot_table = NULL, size_bytes = 0,"
                + " updated_at = clock_timestamp() WHERE id = ?")) {
      statement.setLong(1, snapshotId);
      statement.executeUpdate();
    }
  }

  public long insertModel(
      Connection connection,
      long projectId,
      long snapshotId,
      int numFeatures,
      String algorithm,
      Map<String, Object> hyperparams)
      throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            """
            INSERT INTO pgml.models (project_id, snapshot_id, num_features, algorithm, runtime,
                hyperparams, status)
            VALUES (?, ?, ?, ?, 'java', ?::jsonb, 'in_progress')
            RETURNING id""")) {
      statement.setLong(1, projectId);
      statement.setLong(2, snapshotId);
      statement.setInt(3, numFeatures);
      statement.setString(4, algorithm);
      statement.setString(5, toJson(hyperparams));
      return returningId(statement);
    }
  }

  /**
   * Records the search that chose a model's hyperparameters: the hyperparameters it was trained
   * with (the best candidate's), the search's arguments and every candidate's scores.
   */
  public void recordSearch(
      Connection connection,
      long modelId,
      Map<String, Object> hyperparams,
      String search,
      Map<String, ?> searchParams,
      Map<String, Object> searchArgs,
      Map<String, Object> searchResults)
      throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            """
            UPDATE pgml.models
            SET hyperparams = ?::jsonb, search = ?, search_params = ?::jsonb,
                search_args = ?::jsonb, search_results = ?::jsonb, updated_at = clock_timestamp()
            WHERE id = ?""")) {
      statement.setString(1, toJson(hyperparams));
      statement.setString(2, search);
      statement.setString(3, toJson(searchParams));
      statement.setString(4, toJson(searchArgs));
      statement.setString(5, toJson(searchResults));
      statement.setLong(6, modelId);
      statement.executeUpdate();
    }
  }

  /**
   * @param confusionMatrix a classification's, stored in the metrics as {@code confusion_matrix};
   *     null for other tasks
   */
  public void completeModel(
      Connection connection, long modelId, Map<String, Double> metrics, long[][] confusionMatrix)
      throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            """
            UPDATE pgml.models
            SET status = 'successful', metrics = ?::jsonb, updated_at = clock_timestamp()
            WHERE id = ?""")) {
      Map<String, Object> stored = new java.util.LinkedHashMap<>(metrics);
      if (confusionMatrix != null) {
        stored.put("confusion_matrix", confusionMatrix);
      }
      statement.setString(1, toJson(stored));
      statement.setLong(2, modelId);
      statement.executeUpdate();
    }
  }

  /**
   * Marks failed the models a previous run of the process left {@code in_progress} (it was killed
   * while they fitted: their row is committed before the fit so that clients see the training);
   * returns their ids. Only one process trains against a store, so none of them is still running.
   */
  public List<Long> failAbandonedModels(Connection connection) throws SQLException {
    List<Long> ids = new ArrayList<>();
    try (PreparedStatement statement =
            connection.prepareStatement(
                "UPDATE pgml.models SET status = 'failed', updated_at = clock_timestamp()"
                    + " WHERE status = 'in_progress' RETURNING id");
        ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        ids.add(rs.getLong(1));
      }
    }
    return ids;
  }

  public void failModel(Connection connection, long modelId) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "UPDATE pgml.models SET status = 'failed', updated_at = clock_timestamp()"
                + " WHERE id = ?")) {
      statement.setLong(1, modelId);
      statement.executeUpdate();
    }
  }

  public Optional<ModelRow> findModel(Connection connection, long modelId) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT " + MODEL_COLUMNS + " FROM pgml.models m WHERE m.id = ?")) {
      statement.setLong(1, modelId);
      try (ResultSet rs = statement.executeQuery()) {
        return rs.next() ? Optional.of(modelRow(rs, 1)) : Optional.empty();
      }
    }
  }

  /** Writes a file of a model in parts of at most {@value #FILE_PART_BYTES} bytes. */
  public void insertFile(Connection connection, long modelId, String path, byte[] data)
      throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "INSERT INTO pgml.files (model_id, path, part, data) VALUES (?, ?, ?, ?)")) {
      int part = 0;
      int offset = 0;
      do {
        int length = Math.min(FILE_PART_BYTES, data.length - offset);
        byte[] chunk = new byte[length];
        System.arraycopy(data, offset, chunk, 0, length);
        statement.setLong(1, modelId);
        statement.setString(2, path);
        statement.setInt(3, part++);
        statement.setBytes(4, chunk);
        statement.addBatch();
        offset += length;
      } while (offset < data.length);
      statement.executeBatch();
    }
  }

  /** A model's file, its parts concatenated; empty if the model has no such file. */
  public Optional<byte[]> readFile(Connection connection, long modelId, String path)
      throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT data FROM pgml.files WHERE model_id = ? AND path = ? ORDER BY part")) {
      statement.setLong(1, modelId);
      statement.setString(2, path);
      try (ResultSet rs = statement.executeQuery()) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        boolean found = false;
        while (rs.next()) {
          data.writeBytes(rs.getBytes(1));
          found = true;
        }
        return found ? Optional.of(data.toByteArray()) : Optional.empty();
      }
    }
  }

  /** The project's latest deployment, which is the deployed model. */
  public Optional<DeploymentRow> currentDeployment(Connection connection, long projectId)
      throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT d.id, d.project_id, "
                + MODEL_COLUMNS
                + """

                FROM pgml.deployments d
                JOIN pgml.models m ON m.id = d.model_id
                WHERE d.project_id = ?
                ORDER BY d.id DESC
                LIMIT 1""")) {
      statement.setLong(1, projectId);
      try (ResultSet rs = statement.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(new DeploymentRow(rs.getLong(1), rs.getLong(2), modelRow(rs, 3)));
      }
    }
  }

  public long insertDeployment(
      Connection connection, long projectId, long modelId, DeploymentStrategy strategy)
      throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "INSERT INTO pgml.deployments (project_id, model_id, strategy) VALUES (?, ?, ?)"
                + " RETURNING id")) {
      statement.setLong(1, projectId);
      statement.setLong(2, modelId);
      statement.setString(3, strategy.sqlName());
      return returningId(statement);
    }
  }

  /**
   * The successful model with the best key metric (ties: the most recent), as PostgresML's {@code
   * best_score}.
   */
  public Optional<ModelRow> bestModel(
      Connection connection, long projectId, String keyMetric, Optional<String> algorithm)
      throws SQLException {
    return queryCandidate(
        connection,
        "SELECT "
            + MODEL_COLUMNS
            + " FROM pgml.models m WHERE m.project_id = ? AND m.status = 'successful'"
            + " AND (?::text IS NULL OR m.algorithm = ?)"
            + " ORDER BY (m.metrics->>?)::float8 DESC NULLS LAST, m.id DESC LIMIT 1",
        projectId,
        algorithm,
        Optional.of(keyMetric));
  }

  /** The most recently trained successful model, as PostgresML's {@code most_recent}. */
  public Optional<ModelRow> mostRecentModel(
      Connection connection, long projectId, Optional<String> algorithm) throws SQLException {
    return queryCandidate(
        connection,
        "SELECT "
            + MODEL_COLUMNS
            + " FROM pgml.models m WHERE m.project_id = ? AND m.status = 'successful'"
            + " AND (?::text IS NULL OR m.algorithm = ?)"
            + " ORDER BY m.id DESC LIMIT 1",
        projectId,
        algorithm,
        Optional.empty());
  }

  /**
   * The model deployed most recently before the current one and different from it, as PostgresML's
   * {@code rollback}: repeated rollbacks alternate between the last two deployed models.
   */
  public Optional<ModelRow> previousDeployedModel(
      Connection connection, long projectId, long currentModelId, Optional<String> algorithm)
      throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT "
                + MODEL_COLUMNS
                + """

                FROM pgml.deployments d
                JOIN pgml.models m ON m.id = d.model_id
                WHERE d.project_id = ? AND m.id <> ? AND (?::text IS NULL OR m.algorithm = ?)
                ORDER BY d.id DESC
                LIMIT 1""")) {
      statement.setLong(1, projectId);
      statement.setLong(2, currentModelId);
      statement.setString(3, algorithm.orElse(null));
      statement.setString(4, algorithm.orElse(null));
      try (ResultSet rs = statement.executeQuery()) {
        return rs.next() ? Optional.of(modelRow(rs, 1)) : Optional.empty();
      }
    }
  }

  private Optional<ModelRow> queryCandidate(
      Connection connection,
      String sql,
      long projectId,
      Optional<String> algorithm,
      Optional<String> keyMetric)
      throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setLong(1, projectId);
      statement.setString(2, algorithm.orElse(null));
      statement.setString(3, algorithm.orElse(null));
      if (keyMetric.isPresent()) {
        statement.setString(4, keyMetric.get());
      }
      try (ResultSet rs = statement.executeQuery()) {
        return rs.next() ? Optional.of(modelRow(rs, 1)) : Optional.empty();
      }
    }
  }

  private static Optional<ProjectRow> queryProject(Connection connection, String sql, String name)
      throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, name);
      try (ResultSet rs = statement.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new ProjectRow(rs.getLong(1), rs.getString(2), Task.fromSqlName(rs.getString(3))));
      }
    }
  }

  private ModelRow modelRow(ResultSet rs, int first) throws SQLException {
    String metrics = rs.getString(first + 4);
    return new ModelRow(
        rs.getLong(first),
        rs.getLong(first + 1),
        rs.getString(first + 2),
        rs.getString(first + 3),
        metrics == null ? Map.of() : parseMetrics(metrics));
  }

  /** The numeric metrics; other entries (the confusion matrix) are not scores and are skipped. */
  private Map<String, Double> parseMetrics(String metrics) throws SQLException {
    try {
      Map<String, Object> all =
          json.readValue(metrics, new TypeReference<Map<String, Object>>() {});
      Map<String, Double> numbers = new java.util.LinkedHashMap<>();
      all.forEach(
          (name, value) -> {
            if (value instanceof Number number) {
              numbers.put(name, number.doubleValue());
            }
          });
      return numbers;
    } catch (JsonProcessingException e) {
      throw new SQLException("pgml.models.metrics is not a JSON object: " + metrics, e);
    }
  }

  private String toJson(Object value) throws SQLException {
    try {
      return json.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new SQLException("cannot write JSON for the registry: " + e.getMessage(), e);
    }
  }

  private static long returningId(PreparedStatement statement) throws SQLException {
    try (ResultSet rs = statement.executeQuery()) {
      if (!rs.next()) {
        throw new SQLException("INSERT ... RETURNING id returned no row");
      }
      return rs.getLong(1);
    }
  }
}
